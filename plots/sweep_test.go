package plots

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/cmpimg"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
)

// lrSweep is a made-up sweep of the learning rate over three seeds each:
// accuracy rises to a best at 1e-2, falls, and the two fastest diverge.
func lrSweep(th Theme) SweepLineOptions {
	nan := math.NaN()
	return SweepLineOptions{
		Title:  "Test accuracy by learning rate (3 seeds)",
		XLabel: "learning rate", YLabel: "test accuracy (%)",
		X:     []float64{1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1},
		LogX:  true,
		Mean:  []float64{91.2, 94.8, 97.1, 98.0, 98.3, 97.6, 95.2, nan, nan},
		SD:    []float64{0.6, 0.4, 0.3, 0.2, 0.25, 0.5, 1.4, nan, nan},
		Theme: th,
	}
}

// optimizerSweep compares optimizers, a categorical setting.
func optimizerSweep(th Theme) SweepLineOptions {
	return SweepLineOptions{
		Title:  "Test accuracy by optimizer (3 seeds)",
		XLabel: "optimizer", YLabel: "test accuracy (%)",
		Labels: []string{"sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"},
		Mean:   []float64{96.1, 97.9, 98.0, 97.7, 98.3, 98.4},
		SD:     []float64{0.5, 0.3, 0.2, 0.4, 0.2, 0.15},
		Theme:  th,
	}
}

func TestGoldenSweepLine(t *testing.T) {
	for _, th := range themes {
		t.Run(th.name, func(t *testing.T) {
			for name, o := range map[string]SweepLineOptions{
				"sweep_lr":        lrSweep(th.theme),
				"sweep_optimizer": optimizerSweep(th.theme),
			} {
				p, err := SweepLine(o)
				if err != nil {
					t.Fatalf("SweepLine(%s): %v", name, err)
				}
				checkGolden(t, name+"_"+th.name, p)
			}
		})
	}
}

// gridSweep is a made-up sweep of the learning rate and the batch size,
// three seeds each: large rates diverge with small batches.
func gridSweep(th Theme) SweepHeatmapOptions {
	lrs := []string{"0.0003", "0.001", "0.003", "0.01", "0.03", "0.1"}
	batches := []string{"16", "32", "64", "128", "256"}
	o := SweepHeatmapOptions{
		Title: "Test accuracy by learning rate and batch size (3 seeds)",
		XName: "learning rate", YName: "batch size",
		XLabels: lrs, YLabels: batches,
		ValueName: "test accuracy (%)", Format: "%.1f", Theme: th,
	}
	for r := range batches {
		var row, sd []float64
		for c := range lrs {
			// The best rate grows with the batch size.
			d := float64(c) - 1.2 - 0.8*float64(r)
			v := 98.4 - 0.9*d*d - 0.1*float64(r)
			s := 0.15 + 0.08*math.Abs(d)
			if d > 2.2 {
				v, s = math.NaN(), math.NaN()
			}
			row, sd = append(row, v), append(sd, s)
		}
		o.Values, o.SD = append(o.Values, row), append(o.SD, sd)
	}
	return o
}

func TestGoldenSweepHeatmap(t *testing.T) {
	for _, th := range themes {
		t.Run(th.name, func(t *testing.T) {
			p, err := SweepHeatmap(gridSweep(th.theme))
			if err != nil {
				t.Fatalf("SweepHeatmap: %v", err)
			}
			checkGolden(t, "sweep_grid_"+th.name, p)
		})
	}
}

// parallelSweep is a made-up random search over five settings: n runs,
// a few of them diverged.
func parallelSweep(th Theme, n int) ParallelOptions {
	rng := rand.New(rand.NewPCG(5, 6))
	o := ParallelOptions{
		Title: "Random search: test accuracy",
		Axes: []ParallelAxis{
			{Name: "learning rate", Log: true},
			{Name: "batch size", Log: true},
			{Name: "optimizer", Labels: []string{"sgd", "momentum", "rmsprop", "adam", "adamw"}},
			{Name: "hidden units"},
			{Name: "dropout"},
		},
		MetricName: "test accuracy (%)",
		Theme:      th,
	}
	for range n {
		lr := math.Pow(10, -4+3*rng.Float64())
		batch := math.Pow(2, float64(4+rng.IntN(5)))
		opt := float64(rng.IntN(5))
		hidden := float64(64 * (1 + rng.IntN(8)))
		dropout := math.Round(rng.Float64()*10) / 20
		best := -2.0 // log10 of the best rate, lower for adaptive optimizers
		if opt >= 2 {
			best = -3
		}
		d := math.Log10(lr) - best - 0.3*math.Log2(batch/64)/3
		acc := 98.4 - 2.2*d*d - 1.5*math.Abs(dropout-0.2) - 40/hidden + 0.3*rng.NormFloat64()
		if d > 1.3 {
			acc = math.NaN()
		}
		o.Rows = append(o.Rows, []float64{lr, batch, opt, hidden, dropout})
		o.Metric = append(o.Metric, acc)
	}
	return o
}

func TestGoldenParallel(t *testing.T) {
	for _, th := range themes {
		t.Run(th.name, func(t *testing.T) {
			p, err := ParallelCoordinates(parallelSweep(th.theme, 60))
			if err != nil {
				t.Fatalf("ParallelCoordinates: %v", err)
			}
			checkGoldenAt(t, "sweep_parallel_"+th.name, p, parallelSize)
		})
	}
}

// parallelSize is the size ParallelCoordinates must be readable at.
var parallelSize = Size{Width: 700, Height: 420, DPI: 96}

// lrRangeTest is a made-up learning-rate range test: 100 rates from 1e-7
// to 10, the loss flat, then falling to a minimum near 0.05, then blowing
// up and diverging.
func lrRangeTest(th Theme) LRFinderOptions {
	rng := rand.New(rand.NewPCG(7, 8))
	o := LRFinderOptions{Title: "Learning-rate finder", Smoothing: 0.9, Suggestion: 3.2e-3, Theme: th}
	for i := range 100 {
		lr := math.Pow(10, -7+8*float64(i)/99)
		d := math.Log10(lr)
		loss := 2.3 - 1.9/(1+math.Exp(-2.2*(d+3))) + 0.06*rng.NormFloat64()
		if d > -1.3 {
			loss += math.Pow(10, 1.6*(d+1.3)) - 1
		}
		if d > 0.6 {
			loss = math.Inf(1)
		}
		o.LR, o.Loss = append(o.LR, lr), append(o.Loss, loss)
	}
	return o
}

func TestGoldenLRFinder(t *testing.T) {
	for _, th := range themes {
		t.Run(th.name, func(t *testing.T) {
			p, err := LRFinder(lrRangeTest(th.theme))
			if err != nil {
				t.Fatalf("LRFinder: %v", err)
			}
			checkGolden(t, "sweep_lrfinder_"+th.name, p)
		})
	}
}

// sweepCharts are the golden sweep charts, built in a theme, with the size
// each is drawn at.
func sweepCharts(t testing.TB, th Theme) map[string]struct {
	plot *plot.Plot
	size Size
} {
	charts := map[string]struct {
		plot *plot.Plot
		size Size
	}{}
	add := func(name string, p *plot.Plot, err error, size Size) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		charts[name] = struct {
			plot *plot.Plot
			size Size
		}{p, size}
	}
	p, err := SweepLine(lrSweep(th))
	add("sweep_lr", p, err, goldenSize)
	p, err = SweepLine(optimizerSweep(th))
	add("sweep_optimizer", p, err, goldenSize)
	p, err = SweepHeatmap(gridSweep(th))
	add("sweep_grid", p, err, goldenSize)
	p, err = ParallelCoordinates(parallelSweep(th, 60))
	add("sweep_parallel", p, err, parallelSize)
	p, err = LRFinder(lrRangeTest(th))
	add("sweep_lrfinder", p, err, goldenSize)
	return charts
}

// TestSweepGoldensCanFail checks that each sweep chart's golden comparison
// tells charts apart, as TestGoldenComparisonCanFail does for the curves:
// the chart in the other theme, and the chart with its best point moved,
// both fail against the light golden.
func TestSweepGoldensCanFail(t *testing.T) {
	moved := map[string]func() *plot.Plot{
		"sweep_lr": func() *plot.Plot {
			o := lrSweep(LightTheme())
			o.Mean[3], o.Mean[4] = o.Mean[4], o.Mean[3]
			p, _ := SweepLine(o)
			return p
		},
		"sweep_optimizer": func() *plot.Plot {
			o := optimizerSweep(LightTheme())
			o.Mean[4], o.Mean[5] = o.Mean[5], o.Mean[4]
			p, _ := SweepLine(o)
			return p
		},
		"sweep_grid": func() *plot.Plot {
			o := gridSweep(LightTheme())
			o.Values[0][1] -= 0.5
			p, _ := SweepHeatmap(o)
			return p
		},
		"sweep_parallel": func() *plot.Plot {
			o := parallelSweep(LightTheme(), 60)
			o.LowerIsBetter = true
			p, _ := ParallelCoordinates(o)
			return p
		},
		"sweep_lrfinder": func() *plot.Plot {
			o := lrRangeTest(LightTheme())
			o.Suggestion = 1e-3
			p, _ := LRFinder(o)
			return p
		},
	}
	dark := sweepCharts(t, DarkTheme())
	for name, c := range sweepCharts(t, LightTheme()) {
		want, err := os.ReadFile(filepath.Join("testdata", name+"_light.png"))
		if err != nil {
			t.Errorf("%s: no golden to compare with: %v", name, err)
			continue
		}
		if ok, err := cmpimg.EqualApprox("png", renderPNG(t, c.plot, c.size), want, goldenDelta); !ok || err != nil {
			t.Errorf("%s: the same chart does not match its golden (%v); regenerate the goldens first", name, err)
			continue
		}
		for what, p := range map[string]*plot.Plot{"the dark theme": dark[name].plot, "its best moved": moved[name]()} {
			if ok, err := cmpimg.EqualApprox("png", renderPNG(t, p, c.size), want, goldenDelta); ok || err != nil {
				t.Errorf("%s: the chart with %s matches the light golden (err %v), want a mismatch", name, what, err)
			}
		}
	}
}

// TestSweepTextsKeepClear checks that no two texts of a sweep chart
// overlap and none runs off it, at the size the goldens are drawn at and
// at the export size.
func TestSweepTextsKeepClear(t *testing.T) {
	for name, c := range sweepCharts(t, LightTheme()) {
		for _, size := range []Size{c.size, {Width: 900, Height: 560, DPI: 96}} {
			texts, w, h := drawnTexts(t, c.plot, size)
			checkTexts(t, fmt.Sprintf("%s at %d×%d", name, size.Width, size.Height), texts, w, h)
		}
	}
	// Long names wrap and shrink, long labels are cut, on a small chart.
	o := parallelSweep(DarkTheme(), 40)
	o.Axes[0].Name = "learning rate (peak of the one-cycle schedule)"
	o.Axes[2].Labels[1] = "sgd with Nesterov momentum"
	o.Axes[3].Name = "hidden units in the second layer"
	p, err := ParallelCoordinates(o)
	if err != nil {
		t.Fatal(err)
	}
	size := Size{Width: 460, Height: 300}
	texts, w, h := drawnTexts(t, p, size)
	checkTexts(t, "parallel coordinates, long names", texts, w, h)
	for _, d := range texts {
		if d.font.Size < minTickSize {
			t.Errorf("parallel coordinates, long names: %v in %v-point type, want at least %v", d, d.font.Size, minTickSize)
		}
	}
}

// renderSweep returns a function that renders a chart just built at
// goldenSize, failing t if building or rendering it failed.
func renderSweep(t *testing.T) func(*plot.Plot, error) *Chart {
	return func(p *plot.Plot, err error) *Chart {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		chart, err := Render(p, goldenSize)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		return chart
	}
}

func TestSweepLineErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tt := range []struct {
		name string
		o    SweepLineOptions
		want string // in the message
	}{
		{"empty", SweepLineOptions{}, "no points"},
		{"x and labels", SweepLineOptions{X: []float64{1}, Labels: []string{"a"}, Mean: []float64{1}}, "both X and Labels"},
		{"log labels", SweepLineOptions{Labels: []string{"a"}, LogX: true, Mean: []float64{1}}, "LogX with Labels"},
		{"short x", SweepLineOptions{X: []float64{1}, Mean: []float64{1, 2}}, "1 x values for 2 means"},
		{"no x", SweepLineOptions{Mean: []float64{1, 2}}, "0 x values for 2 means"},
		{"short labels", SweepLineOptions{Labels: []string{"a"}, Mean: []float64{1, 2}}, "1 labels for 2 means"},
		{"short sd", SweepLineOptions{X: []float64{1, 2}, Mean: []float64{1, 2}, SD: []float64{1}}, "1 SDs for 2 means"},
		{"nan x", SweepLineOptions{X: []float64{1, nan}, Mean: []float64{1, 2}}, "x value 1 is NaN, want a finite number"},
		{"inf x", SweepLineOptions{X: []float64{inf}, Mean: []float64{1}}, "x value 0 is +Inf"},
		{"zero x on log", SweepLineOptions{X: []float64{0, 1}, LogX: true, Mean: []float64{1, 2}}, "x value 0 is 0, want a finite number > 0 on a log axis"},
		{"negative x on log", SweepLineOptions{X: []float64{-1}, LogX: true, Mean: []float64{1}}, "x value 0 is -1"},
		{"negative sd", SweepLineOptions{X: []float64{1}, Mean: []float64{1}, SD: []float64{-0.1}}, "SD 0 is -0.1"},
		{"inf sd", SweepLineOptions{X: []float64{1}, Mean: []float64{1}, SD: []float64{inf}}, "SD 0 is +Inf"},
	} {
		_, err := SweepLine(tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("SweepLine(%s) error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	// Non-finite means and NaN SDs are data.
	for _, o := range []SweepLineOptions{
		{X: []float64{1, 2}, Mean: []float64{nan, inf}, SD: []float64{nan, 0}},
		{Labels: []string{"a", "b"}, Mean: []float64{nan, nan}},
		{X: []float64{0.5}, LogX: true, Mean: []float64{2}},
	} {
		if _, err := SweepLine(o); err != nil {
			t.Errorf("SweepLine(%v) error = %v, want none", o, err)
		}
	}
}

// TestSweepLineDiverged checks that a diverged value breaks the line and
// is marked by a cross at its x, along the bottom.
func TestSweepLineDiverged(t *testing.T) {
	th := LightTheme()
	chart := renderSweep(t)(SweepLine(SweepLineOptions{
		X: []float64{4, 1, 2, 3}, Mean: []float64{4, 1, math.NaN(), 3}, Theme: th,
	}))
	// Without the gap, the line from (1, 1) to (3, 3) would pass (2, 2).
	if nearby(chart, 2, 2, th.Color(0), 60) {
		t.Errorf("a line at (2, 2), the diverged point's x, want a gap")
	}
	if !nearby(chart, 3.5, 3.5, th.Color(0), 60) {
		t.Errorf("no line at (3.5, 3.5), between the points at 3 and 4, joined in order of x")
	}
	px, py := chart.PixelAt(2, chart.Y.Min)
	found := false
	for dy := 0.0; dy < 20 && !found; dy++ {
		found = near(pixel(chart, px, py-dy), th.Color(1), 40)
	}
	if !found {
		t.Errorf("no cross of palette colour 1 above the x axis at the diverged x")
	}
}

// TestSweepLineBestAndSD checks the ring around the best point (the
// lowest with LowerIsBetter) and the error bars' reach.
func TestSweepLineBestAndSD(t *testing.T) {
	th := LightTheme()
	for _, lower := range []bool{false, true} {
		chart := renderSweep(t)(SweepLine(SweepLineOptions{
			Labels: []string{"a", "b", "c"}, Mean: []float64{2, 5, 3}, SD: []float64{1, 0.5, math.NaN()},
			LowerIsBetter: lower, Theme: th,
		}))
		best := 1.0
		if lower {
			best = 0
		}
		for _, x := range []float64{0, 1} {
			px, py := chart.PixelAt(x, []float64{2, 5}[int(x)])
			ringed := false
			for _, dx := range []float64{-7, -7.5, -8} { // the ring, 5.5 points = 7.3 pixels left of the point
				ringed = ringed || near(pixel(chart, px+dx, py), th.Foreground, 60)
			}
			if ringed != (x == best) {
				t.Errorf("LowerIsBetter %v: point %v ringed = %v, want %v", lower, x, ringed, x == best)
			}
		}
		// The bar of a: from 1 to 3.
		if !nearby(chart, 0, 1.1, th.Color(0), 80) {
			t.Errorf("no error bar of a at 1.1, in the accent %v", th.Color(0))
		}
		if lo := chart.Y.Min; lo > 1 {
			t.Errorf("y axis from %v, want the error bar's foot at 1 shown", lo)
		}
	}
}

func TestFormatSetting(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {1e-3, "0.001"}, {3e-4, "0.0003"}, {1e-5, "1e-5"}, {2.5e-5, "2.5e-5"},
		{128, "128"}, {0.25, "0.25"}, {-0.5, "-0.5"}, {1e6, "1e6"}, {0.0031622776, "0.00316"},
	} {
		if got := formatSetting(tt.v); got != tt.want {
			t.Errorf("formatSetting(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// TestSettingTicks checks that a numeric setting's axis is labelled at the
// values swept where they fit, and by the fallback where they do not.
func TestSettingTicks(t *testing.T) {
	few := []float64{16, 32, 64, 128, 256}
	p, err := SweepLine(SweepLineOptions{X: few, LogX: true, Mean: []float64{1, 2, 3, 2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	texts, _, _ := drawnTexts(t, p, goldenSize)
	drawn := drawnSet(texts)
	for _, v := range few {
		if !drawn[formatSetting(v)] {
			t.Errorf("batch sizes: no label %q among %v", formatSetting(v), textsOf(texts))
		}
	}
	var many, means []float64
	for i := range 40 {
		many = append(many, math.Pow(10, -5+4*float64(i)/39))
		means = append(means, float64(i))
	}
	p, err = SweepLine(SweepLineOptions{X: many, LogX: true, Mean: means})
	if err != nil {
		t.Fatal(err)
	}
	texts, w, h := drawnTexts(t, p, goldenSize)
	drawn = drawnSet(texts)
	for _, want := range []string{"1e-5", "1e-3", "1e-1"} {
		if !drawn[want] {
			t.Errorf("40 rates: no decade label %q among %v", want, textsOf(texts))
		}
	}
	checkTexts(t, "40 rates", texts, w, h)
}

func TestSweepHeatmapErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ok := func(o SweepHeatmapOptions) SweepHeatmapOptions {
		o.XLabels, o.YLabels = []string{"x0", "x1"}, []string{"y0"}
		if o.Values == nil {
			o.Values = [][]float64{{1, 2}}
		}
		return o
	}
	for _, tt := range []struct {
		name string
		o    SweepHeatmapOptions
		want string
	}{
		{"empty", SweepHeatmapOptions{}, "0 x labels and 0 y labels"},
		{"no rows", SweepHeatmapOptions{XLabels: []string{"a"}}, "0 y labels"},
		{"too many rows", ok(SweepHeatmapOptions{Values: [][]float64{{1, 2}, {3, 4}}}), "Values has 2 rows for 1 y labels"},
		{"short row", ok(SweepHeatmapOptions{Values: [][]float64{{1}}}), "Values row 0 (y0) has 1 values for 2 x labels"},
		{"sd rows", ok(SweepHeatmapOptions{SD: [][]float64{}}), "SD has 0 rows for 1 y labels"},
		{"sd row", ok(SweepHeatmapOptions{SD: [][]float64{{1, 2, 3}}}), "SD row 0 (y0) has 3 values"},
		{"negative sd", ok(SweepHeatmapOptions{SD: [][]float64{{1, -2}}}), "SD [0][1] is -2"},
		{"inf sd", ok(SweepHeatmapOptions{SD: [][]float64{{inf, 0}}}), "SD [0][0] is +Inf"},
		{"bad format", ok(SweepHeatmapOptions{Format: "%d"}), `Format "%d" does not write one number`},
		{"two verbs", ok(SweepHeatmapOptions{Format: "%.1f ± %.1f"}), "does not write one number"},
	} {
		_, err := SweepHeatmap(tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("SweepHeatmap(%s) error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := SweepHeatmap(ok(SweepHeatmapOptions{Values: [][]float64{{nan, inf}}, SD: [][]float64{{nan, nan}}})); err != nil {
		t.Errorf("SweepHeatmap of no values error = %v, want none", err)
	}
}

// TestSweepHeatmapCells checks each cell's fill: its value's colour on the
// colour bar, a neutral grey where there is none, and the best cell
// outlined in black or white.
func TestSweepHeatmapCells(t *testing.T) {
	for _, th := range themes {
		for _, lower := range []bool{false, true} {
			nan := math.NaN()
			o := SweepHeatmapOptions{
				XLabels: []string{"a", "b", "c"}, YLabels: []string{"p", "q"},
				Values:        [][]float64{{1, 2, 3}, {4, nan, 6}},
				LowerIsBetter: lower, Theme: th.theme,
			}
			chart := renderSweep(t)(SweepHeatmap(o))
			sc := newHeatScale(Sequential, th.theme)
			sc.setRange([]float64{1, 2, 3, 4, 6}, 0, 0)
			for r, row := range o.Values {
				for c, v := range row {
					// Off the middle, clear of the writing.
					got := colorAt(chart, float64(c)-0.3, float64(r)+0.3)
					want := Mix(th.theme.Background, th.theme.Foreground, 0.15)
					if !math.IsNaN(v) {
						want = sc.color(sc.pos(v))
					}
					if !near(got, want, 3) {
						t.Errorf("%s, lower %v: cell [%d][%d] = %v is %v, want %v", th.name, lower, r, c, v, got, want)
					}
				}
			}
			best := [2]float64{2, 1} // x, y of 6
			if lower {
				best = [2]float64{0, 0}
			}
			px, py := chart.PixelAt(best[0]-0.5, best[1])
			fill := colorAt(chart, best[0]-0.3, best[1]+0.3)
			edge := pixel(chart, px+2.5, py) // 1 pixel of gap, then 3 of outline
			if !near(edge, inkOn(fill), 30) {
				t.Errorf("%s, lower %v: the best cell's left edge is %v, want an outline of %v", th.name, lower, edge, inkOn(fill))
			}
		}
	}
}

// TestSweepHeatmapTextReadable checks that the values written on every
// colour the cells can have reach a contrast of 4.5.
func TestSweepHeatmapTextReadable(t *testing.T) {
	sc := newHeatScale(Sequential, LightTheme())
	for i := range lutSize {
		fill := sc.color(float64(i) / (lutSize - 1))
		if c := Contrast(inkOn(fill), fill); c < 4.5 {
			t.Errorf("text on %v has contrast %.2f, want ≥ 4.5", fill, c)
		}
	}
}

// TestSweepHeatmapWritingFits checks that the values, and the SDs where
// they are written, fit their cells, and that crowded cells drop the SDs
// before the values.
func TestSweepHeatmapWritingFits(t *testing.T) {
	grid := func(nx, ny int) SweepHeatmapOptions {
		var o SweepHeatmapOptions
		for c := range nx {
			o.XLabels = append(o.XLabels, strconv.Itoa(c))
		}
		for r := range ny {
			o.YLabels = append(o.YLabels, strconv.Itoa(r))
			row, sd := make([]float64, nx), make([]float64, nx)
			for c := range row {
				row[c], sd[c] = 90+float64(r+c)/3, 0.25
			}
			o.Values, o.SD = append(o.Values, row), append(o.SD, sd)
		}
		o.Format = "%.1f%%"
		return o
	}
	for _, tt := range []struct {
		nx, ny         int
		values, errors bool
	}{
		{5, 4, true, true},
		{14, 10, true, false},
		{40, 30, false, false},
	} {
		p, err := SweepHeatmap(grid(tt.nx, tt.ny))
		if err != nil {
			t.Fatal(err)
		}
		texts, w, h := drawnTexts(t, p, goldenSize)
		name := fmt.Sprintf("%d×%d cells", tt.nx, tt.ny)
		checkTexts(t, name, texts, w, h)
		var values, errors int
		for _, d := range texts {
			switch {
			case strings.HasPrefix(d.text, "±"):
				errors++
			case strings.HasSuffix(d.text, "%"):
				values++
				if d.font.Size < minCellText {
					t.Errorf("%s: %v in %v-point type, want at least %v", name, d, d.font.Size, minCellText)
				}
			}
		}
		if got, want := values, tt.nx*tt.ny; (values > 0) != tt.values || tt.values && got != want {
			t.Errorf("%s: %d values written, want %d (values shown %v)", name, got, want, tt.values)
		}
		if (errors > 0) != tt.errors {
			t.Errorf("%s: %d SDs written, want them shown %v", name, errors, tt.errors)
		}
	}
}

func TestParallelCoordinatesErrors(t *testing.T) {
	nan := math.NaN()
	axes := []ParallelAxis{{Name: "lr", Log: true}, {Name: "opt", Labels: []string{"sgd", "adam"}}}
	for _, tt := range []struct {
		name string
		o    ParallelOptions
		want string
	}{
		{"no axes", ParallelOptions{Rows: [][]float64{{}}, Metric: []float64{1}}, "no axes"},
		{"no runs", ParallelOptions{Axes: axes}, "no runs"},
		{"short metric", ParallelOptions{Axes: axes, Rows: [][]float64{{1, 0}, {1, 1}}, Metric: []float64{1}}, "1 metric values for 2 runs"},
		{"short row", ParallelOptions{Axes: axes, Rows: [][]float64{{1}}, Metric: []float64{1}}, "run 0 has 1 values for 2 axes"},
		{"log labels", ParallelOptions{Axes: []ParallelAxis{{Name: "x", Log: true, Labels: []string{"a"}}}, Rows: [][]float64{{0}}, Metric: []float64{1}}, "axis 0 (x) has both Labels and Log"},
		{"nan setting", ParallelOptions{Axes: axes, Rows: [][]float64{{nan, 0}}, Metric: []float64{1}}, "run 0: lr is NaN, want a finite number"},
		{"zero on log", ParallelOptions{Axes: axes, Rows: [][]float64{{0, 0}}, Metric: []float64{1}}, "run 0: lr is 0, want > 0 on a log axis"},
		{"label index", ParallelOptions{Axes: axes, Rows: [][]float64{{1, 2}}, Metric: []float64{1}}, "run 0: opt is 2, want the index of one of its 2 labels"},
		{"fractional index", ParallelOptions{Axes: axes, Rows: [][]float64{{1, 0.5}}, Metric: []float64{1}}, "opt is 0.5"},
		{"negative index", ParallelOptions{Axes: axes, Rows: [][]float64{{1, -1}}, Metric: []float64{1}}, "opt is -1"},
	} {
		_, err := ParallelCoordinates(tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParallelCoordinates(%s) error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	// Diverged runs are data, even all of them; so is one run.
	for _, metric := range [][]float64{{nan, math.Inf(-1)}, {1, 1}} {
		o := ParallelOptions{Axes: axes, Rows: [][]float64{{0.1, 0}, {0.1, 1}}, Metric: metric}
		if _, err := ParallelCoordinates(o); err != nil {
			t.Errorf("ParallelCoordinates(metric %v) error = %v, want none", metric, err)
		}
	}
}

func TestParallelRank(t *testing.T) {
	pc := &parallel{ranked: []float64{90, 92, 92, 95, 98}}
	for _, tt := range []struct{ v, want float64 }{
		{90, 0}, {80, 0}, {91, 0.125}, {92, 0.25}, {95, 0.75}, {96.5, 0.875}, {98, 1}, {99, 1},
	} {
		if got := pc.rank(tt.v); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("rank(%v) = %v, want %v", tt.v, got, tt.want)
		}
	}
	pc.lowerIsBetter = true
	if got := pc.rank(91); math.Abs(got-0.875) > 1e-12 {
		t.Errorf("rank(91) lower is better = %v, want 0.875", got)
	}
}

// TestParallelDrawsBestOnTop checks that the best run is drawn last, in
// the accent colour, where the runs cross the metric's axis.
func TestParallelDrawsBestOnTop(t *testing.T) {
	for _, lower := range []bool{false, true} {
		o := parallelSweep(LightTheme(), 60)
		o.LowerIsBetter = lower
		pc, _, err := buildParallel(o)
		if err != nil {
			t.Fatal(err)
		}
		best := math.Inf(1)
		if !lower {
			best = math.Inf(-1)
		}
		for _, m := range o.Metric {
			if lower && m < best || !lower && m > best {
				best = m
			}
		}
		last := pc.runs[len(pc.runs)-1]
		if got, want := last.at[len(last.at)-1], pc.axes[len(pc.axes)-1].norm(best); got != want || last.t != 1 {
			t.Errorf("lower %v: the last run drawn crosses the metric at %v with rank %v, want the best's %v with rank 1", lower, got, last.t, want)
		}
		if !math.IsNaN(pc.runs[0].t) {
			t.Errorf("lower %v: the first run drawn has rank %v, want a diverged run (NaN) first", lower, pc.runs[0].t)
		}
		if c := pc.color(1); c != LightTheme().Color(0) {
			t.Errorf("the best run's colour is %v, want the accent %v", c, LightTheme().Color(0))
		}
	}
}

func TestTwoLines(t *testing.T) {
	sty := text.Style{Font: font.From(sans, labelSize), Handler: plot.DefaultTextHandler}
	width := sty.Width("hidden units in")
	for _, tt := range []struct {
		s    string
		want []string
		fits bool
	}{
		{"dropout", []string{"dropout"}, true},
		{"test accuracy (%)", []string{"test", "accuracy (%)"}, true},
		{"hidden units in layer", []string{"hidden units", "in layer"}, true},
		{"peak learning rate of the schedule", []string{"peak learning", "rate of the schedule"}, false},
		{"supercalifragilistic", []string{"supercalifragilistic"}, false},
	} {
		got, fits := twoLines(tt.s, sty, width)
		if !slices.Equal(got, tt.want) || fits != tt.fits {
			t.Errorf("twoLines(%q) = %q, %v, want %q, %v", tt.s, got, fits, tt.want, tt.fits)
		}
	}
}

func TestLRFinderErrors(t *testing.T) {
	nan := math.NaN()
	lrs := []float64{1e-5, 1e-4, 1e-3}
	for _, tt := range []struct {
		name string
		o    LRFinderOptions
		want string
	}{
		{"empty", LRFinderOptions{}, "no learning rates"},
		{"short loss", LRFinderOptions{LR: lrs, Loss: []float64{1, 2}}, "2 losses for 3 learning rates"},
		{"nan rate", LRFinderOptions{LR: []float64{1e-5, nan}, Loss: []float64{1, 2}}, "learning rate 1 is NaN"},
		{"zero rate", LRFinderOptions{LR: []float64{0, 1}, Loss: []float64{1, 2}}, "learning rate 0 is 0, want a finite number > 0"},
		{"decreasing", LRFinderOptions{LR: []float64{1e-3, 1e-4}, Loss: []float64{1, 2}}, "learning rate 1 is 0.0001, want a finite number > 0 and greater than the one before"},
		{"repeated", LRFinderOptions{LR: []float64{1e-3, 1e-3}, Loss: []float64{1, 2}}, "learning rate 1 is 0.001"},
		{"suggestion below", LRFinderOptions{LR: lrs, Loss: []float64{1, 2, 3}, Suggestion: 1e-6}, "Suggestion is 1e-06, want 0 for none or a rate from 1e-05 to 0.001"},
		{"suggestion nan", LRFinderOptions{LR: lrs, Loss: []float64{1, 2, 3}, Suggestion: nan}, "Suggestion is NaN"},
		{"negative suggestion", LRFinderOptions{LR: lrs, Loss: []float64{1, 2, 3}, Suggestion: -1}, "Suggestion is -1"},
	} {
		_, err := LRFinder(tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LRFinder(%s) error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	// Non-finite losses are dropped, even all of them; one rate is a chart.
	for _, o := range []LRFinderOptions{
		{LR: lrs, Loss: []float64{nan, math.Inf(1), nan}, Suggestion: 1e-4},
		{LR: []float64{0.1}, Loss: []float64{2}, Suggestion: 0.1},
	} {
		if _, err := LRFinder(o); err != nil {
			t.Errorf("LRFinder(%v) error = %v, want none", o, err)
		}
	}
}

// TestLRFinder checks the log axis, the y range that lets the blow-up run
// off the top, and the suggestion's dot on the curve.
func TestLRFinder(t *testing.T) {
	th := LightTheme()
	o := lrRangeTest(th)
	chart := renderSweep(t)(LRFinder(o))
	if !chart.X.Log || chart.X.Min > o.LR[0] || chart.X.Max < o.LR[len(o.LR)-1] {
		t.Errorf("x axis %+v, want a log axis over the rates %v to %v", chart.X, o.LR[0], o.LR[len(o.LR)-1])
	}
	co := CurveOptions{Smoothing: o.Smoothing}
	xs, ys := co.Line(Series{X: o.LR, Y: o.Loss})
	if top := slices.Max(ys); chart.Y.Max >= top || chart.Y.Max < ys[0] {
		t.Errorf("y axis up to %v, want above the start (%v) and below the blow-up (%v)", chart.Y.Max, ys[0], top)
	}
	y := interpolateLog(xs, ys, o.Suggestion)
	if c := colorAt(chart, o.Suggestion, y); !near(c, th.Color(1), 30) {
		t.Errorf("at the suggestion (%v, %v) the chart is %v, want the dot's %v", o.Suggestion, y, c, th.Color(1))
	}
	p, err := LRFinder(o)
	if err != nil {
		t.Fatal(err)
	}
	texts, _, _ := drawnTexts(t, p, goldenSize)
	if !drawnSet(texts)["suggested 0.0032"] {
		t.Errorf("no label %q among %v", "suggested 0.0032", textsOf(texts))
	}
}

func TestInterpolateLog(t *testing.T) {
	xs, ys := []float64{1e-3, 1e-2, 1e-1}, []float64{1, 3, 2}
	for _, tt := range []struct{ x, want float64 }{
		{1e-3, 1}, {math.Sqrt(1e-5), 2}, {1e-2, 3}, {math.Sqrt(1e-3), 2.5}, {1e-1, 2},
	} {
		if got := interpolateLog(xs, ys, tt.x); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("interpolateLog(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
	for _, x := range []float64{1e-4, 1} {
		if got := interpolateLog(xs, ys, x); !math.IsNaN(got) {
			t.Errorf("interpolateLog(%v) = %v, want NaN outside the line", x, got)
		}
	}
}

// BenchmarkParallelCoordinates builds and renders a random search of 200
// runs over five settings at the size the chart must be readable at: about
// 33 ms on a 2-core AMD EPYC (Curves of 5,000 points: 16 ms in the same
// run), 55% of it rasterising the 200 lines, which a sweep view draws
// once, not while training.
func BenchmarkParallelCoordinates(b *testing.B) {
	o := parallelSweep(LightTheme(), 200)
	b.ReportAllocs()
	for b.Loop() {
		p, err := ParallelCoordinates(o)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Render(p, parallelSize); err != nil {
			b.Fatal(err)
		}
	}
}
