package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// linspace returns n evenly spaced values from lo to hi.
func linspace(lo, hi float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return v
}

// sampleGrid evaluates f on the grid xs × ys.
func sampleGrid(xs, ys []float64, f func(x, y float64) float64) Grid {
	g := Grid{X: xs, Y: ys, Z: make([]float64, len(xs)*len(ys))}
	for r, y := range ys {
		for c, x := range xs {
			g.Z[r*len(xs)+c] = f(x, y)
		}
	}
	return g
}

func softplus(t float64) float64 { return math.Max(t, 0) + math.Log1p(math.Exp(-math.Abs(t))) }
func sigmoid(t float64) float64  { return 1 / (1 + math.Exp(-t)) }

// unitData is a one-feature binary classification problem: x ~ ±1 plus
// noise, the sign giving the class, with some overlap.
type unitData struct{ x, y []float64 }

func newUnitData(n int) unitData {
	rng := rand.New(rand.NewPCG(5, 6))
	var d unitData
	for i := range n {
		y := float64(i % 2)
		d.x = append(d.x, (2*y-1)+0.9*rng.NormFloat64())
		d.y = append(d.y, y)
	}
	return d
}

// crossEntropy is the mean cross-entropy of a sigmoid unit with weight w
// and bias b: mean(log(1 + exp(-(2y-1)(w x + b)))).
func (d unitData) crossEntropy(w, b float64) float64 {
	var sum float64
	for i, x := range d.x {
		sum += softplus(-(2*d.y[i] - 1) * (w*x + b))
	}
	return sum / float64(len(d.x))
}

// crossEntropyGrad is the gradient of crossEntropy.
func (d unitData) crossEntropyGrad(w, b float64) (gw, gb float64) {
	for i, x := range d.x {
		s := 2*d.y[i] - 1
		g := -s * sigmoid(-s*(w*x+b))
		gw += g * x
		gb += g
	}
	n := float64(len(d.x))
	return gw / n, gb / n
}

// descend returns the path of n steps of gradient descent with momentum
// from (w, b).
func (d unitData) descend(w, b, lr, momentum float64, n int) Path {
	var p Path
	var vw, vb float64
	for range n {
		p.X, p.Y = append(p.X, w), append(p.Y, b)
		gw, gb := d.crossEntropyGrad(w, b)
		vw, vb = momentum*vw-lr*gw, momentum*vb-lr*gb
		w, b = w+vw, b+vb
	}
	return p
}

// smallestEigenvalue returns the smallest eigenvalue of the symmetric
// matrix [[a, b], [b, c]].
func smallestEigenvalue(a, b, c float64) float64 {
	return (a+c)/2 - math.Hypot((a-c)/2, b)
}

// mseCurvature is the smallest eigenvalue of the Hessian of the mean
// squared error of a sigmoid unit, mean((σ(w x + b) - y)²), which is not
// convex: its Hessian is mean(g(z) [x², x; x, 1]) with
// g = 2(σ′² + (σ − y)σ″).
func (d unitData) mseCurvature(w, b float64) float64 {
	var a, ab, c float64
	for i, x := range d.x {
		s := sigmoid(w*x + b)
		s1 := s * (1 - s)
		s2 := s1 * (1 - 2*s)
		g := 2 * (s1*s1 + (s-d.y[i])*s2)
		a += g * x * x
		ab += g * x
		c += g
	}
	n := float64(len(d.x))
	return smallestEigenvalue(a/n, ab/n, c/n)
}

// lossSurface returns the cross-entropy of unitData over an nw×nb grid
// of (w, b), two descent paths and the grid's minimum.
func lossSurface(nw, nb int) (Grid, []Path, Marker) {
	d := newUnitData(40)
	g := sampleGrid(linspace(-4, 6, nw), linspace(-4, 4, nb), d.crossEntropy)
	best := 0
	for i, z := range g.Z {
		if z < g.Z[best] {
			best = i
		}
	}
	gd := d.descend(-3, 3.2, 1.5, 0, 60)
	gd.Label, gd.Color = "gradient descent, lr 1.5", 0
	mom := d.descend(5, -3.5, 0.5, 0.9, 60)
	mom.Label, mom.Color = "momentum 0.9, lr 0.5", 1
	return g, []Path{gd, mom}, Marker{Label: "grid minimum", X: g.X[best%nw], Y: g.Y[best/nw]}
}

// tinyNet is a 2-4-1 tanh network on an XOR problem, trained for a few
// steps of gradient descent, for a loss landscape over a 2-D slice of its
// weights.
type tinyNet struct {
	x      [][2]float64
	y      []float64
	theta  []float64 // W1 (4×2), b1 (4), W2 (4), b2
	d1, d2 []float64 // the slice's directions, each as long as theta
}

func newTinyNet(steps int) *tinyNet {
	rng := rand.New(rand.NewPCG(7, 8))
	n := &tinyNet{}
	for i := range 80 {
		cx, cy := float64(i%2*2-1), float64(i/2%2*2-1)
		n.x = append(n.x, [2]float64{cx + 0.35*rng.NormFloat64(), cy + 0.35*rng.NormFloat64()})
		n.y = append(n.y, map[bool]float64{true: 1, false: 0}[cx*cy > 0])
	}
	n.theta = make([]float64, 17)
	for i := range n.theta {
		n.theta[i] = 0.5 * rng.NormFloat64()
	}
	grad := make([]float64, 17)
	for range steps {
		n.loss(n.theta, grad)
		for i := range n.theta {
			n.theta[i] -= 0.5 * grad[i]
		}
	}
	// The slice runs along the negative gradient (α) and a random
	// direction orthogonal to it (β), each as long as the weights.
	n.loss(n.theta, grad)
	n.d1, n.d2 = make([]float64, 17), make([]float64, 17)
	for i := range n.d2 {
		n.d1[i] = -grad[i]
		n.d2[i] = rng.NormFloat64()
	}
	proj := dot(n.d2, n.d1) / dot(n.d1, n.d1)
	for i := range n.d2 {
		n.d2[i] -= proj * n.d1[i]
	}
	norm := math.Sqrt(dot(n.theta, n.theta))
	for _, d := range [][]float64{n.d1, n.d2} {
		s := norm / math.Sqrt(dot(d, d))
		for i := range d {
			d[i] *= s
		}
	}
	return n
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// loss returns the mean cross-entropy at weights th and, if grad is not
// nil, stores its gradient there.
func (n *tinyNet) loss(th, grad []float64) float64 {
	for i := range grad {
		grad[i] = 0
	}
	var sum float64
	var h [4]float64
	for k, x := range n.x {
		out := th[16]
		for j := range 4 {
			h[j] = math.Tanh(th[2*j]*x[0] + th[2*j+1]*x[1] + th[8+j])
			out += th[12+j] * h[j]
		}
		s := 2*n.y[k] - 1
		sum += softplus(-s * out)
		if grad == nil {
			continue
		}
		g := -s * sigmoid(-s*out) / float64(len(n.x))
		grad[16] += g
		for j := range 4 {
			grad[12+j] += g * h[j]
			gh := g * th[12+j] * (1 - h[j]*h[j])
			grad[2*j] += gh * x[0]
			grad[2*j+1] += gh * x[1]
			grad[8+j] += gh
		}
	}
	return sum / float64(len(n.x))
}

// at returns the loss at theta + a d1 + b d2.
func (n *tinyNet) at(a, b float64) float64 {
	th := make([]float64, len(n.theta))
	for i := range th {
		th[i] = n.theta[i] + a*n.d1[i] + b*n.d2[i]
	}
	return n.loss(th, nil)
}

// sliceLoss returns the change of the network's loss, after 50 training
// steps, over an n×n grid of α, β in [-1, 1] around its weights, computed
// row by row from the bottom and stopped after done samples: the rest are
// NaN, as in a landscape the GUI is still computing.
func sliceLoss(n, done int) Grid {
	net := newTinyNet(50)
	l0 := net.at(0, 0)
	ab := linspace(-1, 1, n)
	g := Grid{X: ab, Y: ab, Z: make([]float64, n*n)}
	for i := range g.Z {
		g.Z[i] = math.NaN()
		if i < done {
			g.Z[i] = net.at(ab[i%n], ab[i/n]) - l0
		}
	}
	return g
}

// heatmapCases are the golden heat maps.
func heatmapCases(t testing.TB, th Theme) map[string]func() (Grid, HeatmapOptions) {
	return map[string]func() (Grid, HeatmapOptions){
		"heatmap_loss": func() (Grid, HeatmapOptions) {
			g, paths, min := lossSurface(81, 65)
			return g, HeatmapOptions{
				Title: "Loss surface of a sigmoid unit", XLabel: "weight w", YLabel: "bias b",
				ZLabel: "mean cross-entropy", Contours: 10, Paths: paths, Markers: []Marker{min}, Theme: th,
			}
		},
		"heatmap_loss_log": func() (Grid, HeatmapOptions) {
			g, paths, min := lossSurface(81, 65)
			return g, HeatmapOptions{
				Title: "Loss surface (log colour scale)", XLabel: "weight w", YLabel: "bias b",
				ZLabel: "mean cross-entropy", Scale: LogSequential, Contours: 8, Paths: paths, Markers: []Marker{min}, Theme: th,
			}
		},
		"heatmap_convexity": func() (Grid, HeatmapOptions) {
			d := newUnitData(40)
			g := sampleGrid(linspace(-4, 6, 81), linspace(-4, 4, 65), d.mseCurvature)
			return g, HeatmapOptions{
				Title: "Convexity of the squared error", XLabel: "weight w", YLabel: "bias b",
				ZLabel: "smallest Hessian eigenvalue", Scale: Diverging, Contours: 6,
				OutlineNegative: true, NegativeLabel: "λ < 0 (not convex)", Theme: th,
			}
		},
		"heatmap_fixed_nan": func() (Grid, HeatmapOptions) {
			return sliceLoss(61, 61*40+23), HeatmapOptions{
				Title: "Loss along a slice (computing…)", XLabel: "α (along −gradient)", YLabel: "β (random direction)",
				ZLabel: "change in loss", Scale: Diverging, ZMin: -0.5, ZMax: 0.5, Contours: 9,
				Markers: []Marker{{Label: "weights at step 50", X: 0, Y: 0}}, Theme: th,
			}
		},
	}
}

func TestGoldenHeatmap(t *testing.T) {
	for _, th := range themes {
		for name, build := range heatmapCases(t, th.theme) {
			t.Run(name+"_"+th.name, func(t *testing.T) {
				g, o := build()
				p, err := Heatmap(g, o)
				if err != nil {
					t.Fatalf("Heatmap: %v", err)
				}
				checkGolden(t, name+"_"+th.name, p)
			})
		}
	}
}

// heatChart builds and renders a heat map at goldenSize.
func heatChart(t *testing.T, g Grid, o HeatmapOptions) *Chart {
	t.Helper()
	p, err := Heatmap(g, o)
	if err != nil {
		t.Fatalf("Heatmap: %v", err)
	}
	chart, err := Render(p, goldenSize)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return chart
}

func TestHeatmapErrors(t *testing.T) {
	ok := Grid{X: []float64{0, 1, 2}, Y: []float64{0, 1}, Z: []float64{1, 2, 3, 4, 5, 6}}
	nan := math.NaN()
	for _, tt := range []struct {
		name string
		g    Grid
		o    HeatmapOptions
		want string // in the message
	}{
		{"empty grid", Grid{}, HeatmapOptions{}, "empty grid"},
		{"no z", Grid{X: []float64{0, 1}, Y: []float64{0, 1}}, HeatmapOptions{}, "empty grid"},
		{"one column", Grid{X: []float64{0}, Y: []float64{0, 1}, Z: []float64{1, 2}}, HeatmapOptions{}, "at least 2 x and 2 y"},
		{"one row", Grid{X: []float64{0, 1}, Y: []float64{0}, Z: []float64{1, 2}}, HeatmapOptions{}, "at least 2 x and 2 y"},
		{"short z", Grid{X: ok.X, Y: ok.Y, Z: ok.Z[:5]}, HeatmapOptions{}, "5 z values for 3 x and 2 y values, want 6"},
		{"long z", Grid{X: ok.X, Y: ok.Y, Z: append(ok.Z, 7)}, HeatmapOptions{}, "want 6"},
		{"x decreasing", Grid{X: []float64{0, 2, 1}, Y: ok.Y, Z: ok.Z}, HeatmapOptions{}, "x value 2 is 1 after 2"},
		{"x repeated", Grid{X: []float64{0, 1, 1}, Y: ok.Y, Z: ok.Z}, HeatmapOptions{}, "strictly increasing"},
		{"y decreasing", Grid{X: ok.X, Y: []float64{1, 0}, Z: ok.Z}, HeatmapOptions{}, "y value 1 is 0 after 1"},
		{"y NaN", Grid{X: ok.X, Y: []float64{0, nan}, Z: ok.Z}, HeatmapOptions{}, "finite"},
		{"x Inf", Grid{X: []float64{0, 1, math.Inf(1)}, Y: ok.Y, Z: ok.Z}, HeatmapOptions{}, "finite"},
		{"path lengths", ok, HeatmapOptions{Paths: []Path{{}, {Label: "sgd", X: []float64{1, 2}, Y: []float64{1}}}}, `path 1 ("sgd") has 2 x values and 1 y values`},
		{"negative contours", ok, HeatmapOptions{Contours: -1}, "Contours must be from 0 to 100 (got -1)"},
		{"too many contours", ok, HeatmapOptions{Contours: 1000}, "(got 1000)"},
		{"unknown scale", ok, HeatmapOptions{Scale: 7}, "unknown colour scale ColorScale(7)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.Title = "loss"
			p, err := Heatmap(tt.g, o)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `Heatmap "loss"`) {
				t.Errorf("Heatmap(%s) error = %v, want one naming the chart and saying %q", tt.name, err, tt.want)
			}
			if p != nil {
				t.Errorf("Heatmap(%s) returned a plot with its error", tt.name)
			}
		})
	}

	// Non-finite values are data, never an error, even all of them.
	for _, z := range [][]float64{
		{nan, math.Inf(1), math.Inf(-1), 1, 2, 3},
		{nan, nan, nan, nan, nan, nan},
		{5, 5, 5, 5, 5, 5},
	} {
		for _, sc := range []ColorScale{Sequential, LogSequential, Diverging} {
			g := Grid{X: ok.X, Y: ok.Y, Z: z}
			o := HeatmapOptions{Scale: sc, Contours: 5, OutlineNegative: true, Paths: []Path{{X: []float64{nan, 1}, Y: []float64{0, nan}}}}
			p, err := Heatmap(g, o)
			if err != nil {
				t.Errorf("Heatmap(Z %v, %v) error = %v, want none", z, sc, err)
				continue
			}
			if _, err := Render(p, Size{Width: 300, Height: 200}); err != nil {
				t.Errorf("Render(Heatmap(Z %v, %v)) error = %v", z, sc, err)
			}
		}
	}
}

// TestHeatmapPixelAtSample checks that the pixel at each sample shows its
// value's colour, that the axes span the grid, and that a missing sample
// is hatched over its own cell (the points nearer to it than to any other
// sample) and nowhere else.
func TestHeatmapPixelAtSample(t *testing.T) {
	xs := []float64{-2, -1, 0, 1, 2.5, 4} // uneven spacing is allowed
	ys := []float64{0, 0.5, 1, 1.5, 2}
	rng := rand.New(rand.NewPCG(9, 10))
	g := Grid{X: xs, Y: ys, Z: make([]float64, len(xs)*len(ys))}
	for i := range g.Z {
		g.Z[i] = rng.Float64() * 10
	}
	const missing = 2*6 + 3 // row 2, column 3: (1, 1)
	g.Z[missing] = math.NaN()

	for _, th := range themes {
		for _, sc := range []ColorScale{Sequential, LogSequential, Diverging} {
			o := HeatmapOptions{Scale: sc, Theme: th.theme}
			h, err := buildHeatmap(g, o)
			if err != nil {
				t.Fatal(err)
			}
			chart, err := Render(h.plot, goldenSize)
			if err != nil {
				t.Fatal(err)
			}
			if want := (AxisRange{Min: -2, Max: 4}); chart.X != want {
				t.Errorf("%s, %v: chart.X = %+v, want %+v", th.name, sc, chart.X, want)
			}
			if want := (AxisRange{Min: 0, Max: 2}); chart.Y != want {
				t.Errorf("%s, %v: chart.Y = %+v, want %+v", th.name, sc, chart.Y, want)
			}
			for i, z := range g.Z {
				x, y := xs[i%len(xs)], ys[i/len(xs)]
				px, py := chart.PixelAt(x, y)
				// Samples on the edge are half a pixel in, to stay on the map.
				left, top, right, bottom := chart.bounds()
				px = math.Min(math.Max(px, left+0.5), right-0.5)
				py = math.Min(math.Max(py, top+0.5), bottom-0.5)
				got := pixel(chart, px, py)
				if i == missing {
					if !isNoData(h.layer.scale, got) {
						t.Errorf("%s, %v: pixel at missing sample (%v, %v) is %v, want the no-data hatching", th.name, sc, x, y, got)
					}
					continue
				}
				want, _ := h.layer.scale.colorOf(z)
				if !near(got, want, 6) {
					t.Errorf("%s, %v: pixel at PixelAt(%v, %v) = (%.1f, %.1f) is %v, want %v, the colour of %.3f", th.name, sc, x, y, px, py, got, want, z)
				}
			}
			// The missing sample's cell reaches halfway to its neighbours.
			for _, d := range [][2]float64{{-0.45, 0}, {0.45, 0}, {0, -0.45}, {0, 0.45}, {0.4, 0.4}, {0.55, 0}, {0, 0.55}, {-0.55, -0.55}} {
				x := 1 + d[0]*map[bool]float64{true: 1.5, false: 1}[d[0] > 0]
				y := 1 + d[1]*0.5
				got := colorAt(chart, x, y)
				inCell := math.Abs(d[0]) < 0.5 && math.Abs(d[1]) < 0.5
				if isNoData(h.layer.scale, got) != inCell {
					t.Errorf("%s, %v: pixel at (%v, %v) is %v: hatched %v, want %v", th.name, sc, x, y, got, !inCell, inCell)
				}
			}
		}
	}
}

// colorOf returns the colour Heatmap gives value z, and whether z has
// one; missing values are hatched instead.
func (sc *heatScale) colorOf(z float64) (color.NRGBA, bool) {
	s := sc.scaled(z)
	if math.IsNaN(s) {
		return color.NRGBA{}, false
	}
	return sc.color(sc.pos(s)), true
}

// isNoData reports whether c is one of the colours of the no-data hatching.
func isNoData(sc *heatScale, c color.Color) bool {
	for _, n := range sc.noData {
		if near(c, color.NRGBA{R: n[0], G: n[1], B: n[2], A: n[3]}, 2) {
			return true
		}
	}
	return false
}

func TestHeatmapFixedRangeClamps(t *testing.T) {
	// Columns of plateaus: far above the range, inside it, far below it.
	xs, ys := linspace(0, 8, 9), linspace(0, 4, 5)
	g := sampleGrid(xs, ys, func(x, _ float64) float64 {
		switch {
		case x <= 2:
			return 70
		case x >= 6:
			return -50
		}
		return 0.25
	})
	for _, tt := range []struct {
		scale      ColorScale
		zmin, zmax float64
		lo, hi     color.Color // the colours at zmin and zmax
	}{
		{Sequential, 0, 1, viridisColor(0), viridisColor(1)},
		{Diverging, -1, 1, divergingColor(-1, false), divergingColor(1, false)},
		{Diverging, -0.5, 2, divergingColor(-0.25, false), divergingColor(1, false)},
	} {
		h, err := buildHeatmap(g, HeatmapOptions{Scale: tt.scale, ZMin: tt.zmin, ZMax: tt.zmax})
		if err != nil {
			t.Fatal(err)
		}
		if sc := h.bar.scale; sc.lo != tt.zmin || sc.hi != tt.zmax {
			t.Errorf("%v, ZMin %v, ZMax %v: colour bar from %v to %v, want the fixed range", tt.scale, tt.zmin, tt.zmax, sc.lo, sc.hi)
		}
		chart, err := Render(h.plot, goldenSize)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			x    float64
			want color.Color
		}{{1, tt.hi}, {7, tt.lo}} {
			for _, y := range []float64{1, 2, 3} {
				if got := colorAt(chart, p.x, y); !near(got, p.want, 3) {
					t.Errorf("%v, ZMin %v, ZMax %v: pixel at (%v, %v) is %v, want %v, the end of the range", tt.scale, tt.zmin, tt.zmax, p.x, y, got, p.want)
				}
			}
		}
	}

	// A fixed range is shared between maps: the same value, the same colour.
	a, _ := buildHeatmap(g, HeatmapOptions{ZMin: -10, ZMax: 100})
	b, _ := buildHeatmap(sampleGrid(xs, ys, func(x, y float64) float64 { return x * y }), HeatmapOptions{ZMin: -10, ZMax: 100})
	for _, z := range []float64{-10, 0, 0.25, 33, 100} {
		ca, _ := a.layer.scale.colorOf(z)
		cb, _ := b.layer.scale.colorOf(z)
		if ca != cb {
			t.Errorf("two maps with the same fixed range colour %v as %v and %v", z, ca, cb)
		}
	}
}

// lab returns c in CIE L*a*b*.
func lab(c color.Color) [3]float64 { return simulate(identity, c) }

func TestDivergingSymmetric(t *testing.T) {
	for _, dark := range []bool{false, true} {
		neutral := lab(divergingColor(0, dark))
		if math.Abs(neutral[1]) > 1 || math.Abs(neutral[2]) > 1 {
			t.Errorf("dark %v: neutral %v is not grey", dark, neutral)
		}
		for u := 0.05; u <= 1; u += 0.05 {
			pos, neg := lab(divergingColor(u, dark)), lab(divergingColor(-u, dark))
			if d := math.Abs(pos[0] - neg[0]); d > 1 {
				t.Errorf("dark %v: L* at ±%.2f is %.1f and %.1f, want equal lightness", dark, u, pos[0], neg[0])
			}
			dp, dn := deltaE(pos, neutral), deltaE(neg, neutral)
			if math.Abs(dp-dn) > 0.03*math.Max(dp, dn)+0.5 {
				t.Errorf("dark %v: ±%.2f are ΔE %.1f and %.1f from neutral, want equal", dark, u, dp, dn)
			}
			if !(pos[1] > 0 && neg[2] < 0) {
				t.Errorf("dark %v: +%.2f is %v and -%.2f is %v, want red (a* > 0) and blue (b* < 0)", dark, u, pos, u, neg)
			}
			// The two sides stay apart for red-green colour blindness.
			if u >= 0.3 {
				for _, m := range [][3][3]float64{deuteranopia, protanopia} {
					if d := deltaE(simulate(m, divergingColor(u, dark)), simulate(m, divergingColor(-u, dark))); d < 15 {
						t.Errorf("dark %v: ±%.2f differ by ΔE %.1f with a colour-vision deficiency, want ≥ 15", dark, u, d)
					}
				}
			}
		}
	}

	// The automatic range is symmetric, and Z and −Z get mirrored colours.
	xs, ys := linspace(-1, 1, 11), linspace(0, 1, 3)
	g := sampleGrid(xs, ys, func(x, y float64) float64 { return 3*x + y })
	for _, th := range themes {
		h, err := buildHeatmap(g, HeatmapOptions{Scale: Diverging, Theme: th.theme})
		if err != nil {
			t.Fatal(err)
		}
		sc := h.layer.scale
		if sc.lo != -4 || sc.hi != 4 {
			t.Errorf("%s: Diverging range of data in [-3, 4] = [%v, %v], want [-4, 4]", th.name, sc.lo, sc.hi)
		}
		zero, _ := sc.colorOf(0)
		for _, z := range []float64{0.5, 1, 2.5, 4} {
			pos, _ := sc.colorOf(z)
			neg, _ := sc.colorOf(-z)
			if d := math.Abs(lab(pos)[0] - lab(neg)[0]); d > 1.5 {
				t.Errorf("%s: colours of ±%v differ in lightness by %.1f", th.name, z, d)
			}
			if dp, dn := deltaE(lab(pos), lab(zero)), deltaE(lab(neg), lab(zero)); math.Abs(dp-dn) > 0.05*dp+1 {
				t.Errorf("%s: colours of ±%v are ΔE %.1f and %.1f from the colour of 0", th.name, z, dp, dn)
			}
		}
		chart, err := Render(h.plot, goldenSize)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []float64{0.2, 0.5} {
			// At y = 0.5 the value is 3x + 0.5; its opposite is at -x - 1/3.
			xn := -x - 1.0/3
			pos, neg := colorAt(chart, x, 0.5), colorAt(chart, xn, 0.5)
			if d := math.Abs(lab(pos)[0] - lab(neg)[0]); d > 2 {
				t.Errorf("%s: rendered ±%.1f differ in lightness by %.1f (%v, %v)", th.name, 3*x+0.5, d, pos, neg)
			}
		}
	}
}

// legendLabels returns the labels of a heat map's legend.
func legendLabels(t *testing.T, g Grid, o HeatmapOptions) []string {
	t.Helper()
	h, err := buildHeatmap(g, o)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, e := range h.overlay.legend {
		labels = append(labels, e.label)
	}
	return labels
}

func TestHeatmapLegend(t *testing.T) {
	xs, ys := linspace(0, 1, 5), linspace(0, 1, 4)
	positive := sampleGrid(xs, ys, func(x, y float64) float64 { return 1 + x + y })
	withNegative := sampleGrid(xs, ys, func(x, y float64) float64 { return x + y - 0.3 })
	withGaps := sampleGrid(xs, ys, func(x, y float64) float64 { return x + y })
	withGaps.Z[3], withGaps.Z[7] = math.NaN(), math.Inf(-1) // -Inf is missing, not negative
	path := Path{Label: "sgd", X: []float64{0, 1}, Y: []float64{0, 1}}

	for _, tt := range []struct {
		name string
		g    Grid
		o    HeatmapOptions
		want string
	}{
		{"nothing to explain", positive, HeatmapOptions{Markers: []Marker{{Label: "minimum"}}, Paths: []Path{{X: path.X, Y: path.Y}}}, ""},
		{"labelled path", positive, HeatmapOptions{Paths: []Path{path}}, "sgd"},
		{"outline, nothing negative", positive, HeatmapOptions{OutlineNegative: true, NegativeLabel: "λ < 0"}, ""},
		{"outline", withNegative, HeatmapOptions{OutlineNegative: true, NegativeLabel: "λ < 0"}, "λ < 0"},
		{"outline, default label", withNegative, HeatmapOptions{OutlineNegative: true}, "negative"},
		{"negative, no outline", withNegative, HeatmapOptions{Scale: Diverging}, ""},
		{"missing data", withGaps, HeatmapOptions{OutlineNegative: true}, "no data"},
		{"log of negative data", withNegative, HeatmapOptions{Scale: LogSequential, Paths: []Path{path}}, "sgd|no data"},
		{"everything", withNegative, HeatmapOptions{Scale: LogSequential, OutlineNegative: true, Paths: []Path{path}}, "sgd|negative|no data"},
	} {
		if got := strings.Join(legendLabels(t, tt.g, tt.o), "|"); got != tt.want {
			t.Errorf("Heatmap(%s) legend = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestHeatmapColorBarTicks(t *testing.T) {
	g, _, _ := lossSurface(41, 33)
	for _, tt := range []struct {
		scale ColorScale
		want  []string // labelled ticks
	}{
		{Sequential, []string{"1", "2", "3", "4"}},
		{LogSequential, []string{"0.5", "1", "2"}},
		{Diverging, []string{"-4", "-2", "0", "2", "4"}},
	} {
		h, err := buildHeatmap(g, HeatmapOptions{Scale: tt.scale})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		ticks, _ := h.bar.side.ticks(0)
		for _, tk := range ticks {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%v colour bar (range %.3g..%.3g) labels = %q, want %q", tt.scale, h.bar.scale.lo, h.bar.scale.hi, got, tt.want)
		}
	}
}

// TestHeatmapClipsPaths checks that paths running far off the grid, even
// to the largest floats, and markers outside it draw nothing outside the
// map.
func TestHeatmapClipsPaths(t *testing.T) {
	xs, ys := linspace(0, 1, 21), linspace(0, 1, 21)
	g := sampleGrid(xs, ys, func(x, y float64) float64 { return x*x + y*y })
	th := LightTheme()
	big := math.MaxFloat64
	for _, pa := range []Path{
		{X: []float64{-3, 0.5, 0.5, 4, 0.2}, Y: []float64{0.5, 0.5, -2, 3, 0.9}, Color: 1},
		{X: []float64{0.5, 0.7, -3, 1e10, -1e100, big, math.Inf(1)}, Y: []float64{0.5, 0.4, 2, -1e12, 1e200, -big, math.NaN()}, Color: 1}, // diverging
	} {
		chart := heatChart(t, g, HeatmapOptions{Paths: []Path{pa}, Markers: []Marker{{Label: "far", X: 5, Y: 5}}, Theme: th})
		col := th.Color(1)
		inside, outside := 0, 0
		r := chart.DataRect.Inset(-1)
		for y := 0; y < goldenSize.Height; y++ {
			for x := 0; x < goldenSize.Width; x++ {
				if !near(chart.Image.At(x, y), col, 40) {
					continue
				}
				if (image.Point{X: x, Y: y}).In(r) {
					inside++
				} else {
					outside++
				}
			}
		}
		if inside < 100 {
			t.Errorf("path %v: found %d pixels of the path's colour on the map, want a drawn path", pa.X, inside)
		}
		if outside > 0 {
			t.Errorf("path %v: found %d pixels of the path's colour outside the map %v, want the path clipped", pa.X, outside, chart.DataRect)
		}
	}
}

// TestIsolines checks the contour tracing on a paraboloid, whose level
// sets are circles, and that lines stop at missing data.
func TestIsolines(t *testing.T) {
	xs, ys := linspace(-2, 2, 41), linspace(-2, 2, 41)
	g := sampleGrid(xs, ys, func(x, y float64) float64 { return x*x + y*y })
	tr := newTracer(len(xs), len(ys))
	lines := tr.trace(xs, ys, g.Z, 1)
	if len(lines) != 1 {
		t.Fatalf("trace(x²+y², 1) = %d lines, want one circle", len(lines))
	}
	c := lines[0]
	if c[0] != c[len(c)-1] || len(c) < 40 {
		t.Errorf("trace(x²+y², 1) is %d points from %v to %v, want a closed curve", len(c), c[0], c[len(c)-1])
	}
	for _, pt := range c {
		if r := math.Hypot(pt.X, pt.Y); math.Abs(r-1) > 0.01 {
			t.Errorf("trace(x²+y², 1) has a point at radius %v, want 1", r)
			break
		}
	}
	if lines := tr.trace(xs, ys, g.Z, 100); len(lines) != 0 {
		t.Errorf("trace(x²+y², 100) = %d lines, want none", len(lines))
	}

	// A missing column through the middle cuts the circle into two arcs.
	for r := range ys {
		g.Z[r*len(xs)+20] = math.NaN()
	}
	lines = tr.trace(xs, ys, g.Z, 1)
	if len(lines) != 2 {
		t.Fatalf("trace with a missing column = %d lines, want two arcs", len(lines))
	}
	for _, l := range lines {
		if l[0] == l[len(l)-1] {
			t.Errorf("an arc cut by missing data is closed")
		}
		for _, pt := range l {
			if math.Abs(pt.X) < 0.1-1e-9 {
				t.Errorf("an arc reaches x = %v, into the cells next to the missing column", pt.X)
				break
			}
		}
	}
}

// hiddenCanvas hides the image canvas it wraps from paintRaster, which
// then takes its general path through DrawImage.
type hiddenCanvas struct{ *vgimg.Canvas }

// TestHeatmapRasterPaths checks that painting the canvas's pixels directly
// puts the map where DrawImage does.
func TestHeatmapRasterPaths(t *testing.T) {
	g, paths, min := lossSurface(41, 33)
	p, err := Heatmap(g, HeatmapOptions{Contours: 6, Paths: paths, Markers: []Marker{min}})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []Size{goldenSize, {Width: 461, Height: 339, DPI: 120}} {
		fast, err := Render(p, size)
		if err != nil {
			t.Fatal(err)
		}
		dpi, _ := size.dpi()
		w, h := size.points(dpi)
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
		drawPlot(p, draw.New(hiddenCanvas{c}), false)
		slow := c.Image()

		var differ, total int
		r := fast.DataRect.Inset(2)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				total++
				if !near(fast.Image.At(x, y), slow.At(x, y), 12) {
					differ++
				}
			}
		}
		if differ > total/200 {
			t.Errorf("%+v: %d of %d pixels of the map differ between painting pixels and DrawImage, want under 0.5%%", size, differ, total)
		}
	}
}

func TestHeatmapTooSmall(t *testing.T) {
	g, paths, min := lossSurface(21, 21)
	p, err := Heatmap(g, HeatmapOptions{Title: "t", ZLabel: "loss", Contours: 4, Paths: paths, Markers: []Marker{min}})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []Size{{Width: 1, Height: 1}, {Width: 20, Height: 15}, {Width: 120, Height: 60}, {Width: 200, Height: 150}} {
		chart, err := Render(p, size)
		if err != nil {
			t.Errorf("Render(%+v): %v", size, err)
			continue
		}
		if b := chart.Image.Bounds(); b.Dx() != size.Width || b.Dy() != size.Height {
			t.Errorf("Render(%+v) image bounds = %v", size, b)
		}
	}
}

func TestHeatmapSave(t *testing.T) {
	g, paths, min := lossSurface(21, 21)
	p, err := Heatmap(g, HeatmapOptions{Title: "Loss surface", ZLabel: "mean loss", Contours: 4, Paths: paths, Markers: []Marker{min}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"surface.png", "surface.svg"} {
		path := filepath.Join(dir, name)
		if err := Save(p, path, Size{Width: 460, Height: 340}); err != nil {
			t.Fatalf("Save(%s): %v", name, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Ext(name) == ".svg" {
			for _, want := range []string{"<image", "Loss surface", "mean loss"} {
				if !bytes.Contains(b, []byte(want)) {
					t.Errorf("Save(%s) wrote an SVG without %q", name, want)
				}
			}
		}
	}
}

// TestHeatmapConcurrent renders heat maps from several goroutines at once,
// as the GUI does with its side-by-side panels; each must equal the same
// render done alone.
func TestHeatmapConcurrent(t *testing.T) {
	var plots []*Chart
	var builds []func() (*Chart, error)
	for _, th := range themes {
		for _, build := range heatmapCases(t, th.theme) {
			g, o := build()
			builds = append(builds, func() (*Chart, error) {
				p, err := Heatmap(g, o)
				if err != nil {
					return nil, err
				}
				return Render(p, heatmapSize)
			})
		}
	}
	for _, b := range builds {
		plots = append(plots, render(t, b))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(builds))
	for i, b := range builds {
		wg.Go(func() {
			c, err := b()
			if err == nil && !bytes.Equal(c.Image.Pix, plots[i].Image.Pix) {
				err = fmt.Errorf("heat map %d drawn concurrently differs from the same map drawn alone", i)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
