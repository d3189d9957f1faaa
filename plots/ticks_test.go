package plots

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// labelsOf returns the labels of the labelled ticks.
func labelsOf(ticks []plot.Tick) []string {
	var s []string
	for _, tk := range ticks {
		if tk.Label != "" {
			s = append(s, tk.Label)
		}
	}
	return s
}

func TestLinearTickLabels(t *testing.T) {
	for _, tt := range []struct {
		lo, hi float64
		target int
		want   string // labels, space-separated
		offset string
	}{
		{0, 600, 7, "0 100 200 300 400 500 600", ""},
		{0, 2.5, 5, "0 0.5 1.0 1.5 2.0 2.5", ""},
		{-4, 6, 6, "-4 -2 0 2 4 6", ""},
		{0, 12500, 6, "0 2.5k 5k 7.5k 10k 12.5k", ""},
		{12000, 18000, 7, "12k 13k 14k 15k 16k 17k 18k", ""},
		{100000, 100010, 6, "100000 100002 100004 100006 100008 100010", ""},
		// A diverged run: huge values in scientific notation.
		{0, 2e25, 5, "0 5e24 1e25 1.5e25 2e25", ""},
		{1e25, 3e25, 5, "1e25 1.5e25 2e25 2.5e25 3e25", ""},
		{-3e25, -1e25, 5, "-3e25 -2.5e25 -2e25 -1.5e25 -1e25", ""},
		{0, 3e38, 4, "0 1e38 2e38 3e38", ""},
		{1e30, 5e30, 5, "1e30 2e30 3e30 4e30 5e30", ""},
		// Tiny values.
		{1e-7, 3e-7, 5, "1e-7 1.5e-7 2e-7 2.5e-7 3e-7", ""},
		{-1e-30, 1e-30, 5, "-1e-30 -5e-31 0 5e-31 1e-30", ""},
		{0, 2.5e-5, 6, "0 5e-6 1e-5 1.5e-5 2e-5 2.5e-5", ""},
		{-1e-3, 1e-3, 5, "-0.0010 -0.0005 0 0.0005 0.0010", ""},
		// Narrow ranges around large values: relative to an offset.
		{1e6 - 1e-3, 1e6 + 1e-3, 5, "-0.0010 -0.0005 0 0.0005 0.0010", "+1e6"},
		{-1e6 - 1e-3, -1e6 + 1e-3, 5, "-0.0010 -0.0005 0 0.0005 0.0010", "-1e6"},
		{1e30, 1e30 * (1 + 1e-9), 5, "0 2.5e20 5e20 7.5e20", "+1e30"},
		{12345.6781, 12345.6789, 5, "-0.0018 -0.0016 -0.0014 -0.0012", "+12345.68"},
		{1.6994e27, 1.7011e27, 5, "-5e23 0 5e23 1e24", "+1.7e27"},
		{0.5, 0.500002, 5, "0 5e-7 1e-6 1.5e-6 2e-6", "+0.5"},
		{1e6, 1e6 + 1e-9, 3, "0 5e-10 1e-9", "+1e6"},
	} {
		ticks, off := linearTicks{Target: tt.target}.ticks(tt.lo, tt.hi)
		got := strings.Join(labelsOf(ticks), " ")
		gotOff := ""
		if off != 0 {
			gotOff = formatOffset(off)
		}
		if got != tt.want || gotOff != tt.offset {
			t.Errorf("linearTicks{%d}.ticks(%v, %v) = %q, offset %q, want %q, offset %q", tt.target, tt.lo, tt.hi, got, gotOff, tt.want, tt.offset)
		}
	}
}

// parseLabel reads a tick label back: "12.5k" is 12500.
func parseLabel(s string) (float64, error) {
	if k, ok := strings.CutSuffix(s, "k"); ok {
		v, err := strconv.ParseFloat(k, 64)
		return v * 1e3, err
	}
	return strconv.ParseFloat(s, 64)
}

// TestLinearTickLabelsAnyRange checks, over ranges from 1e-30 to 1e30 wide
// and narrow, positive, negative and across zero, that the labels are
// short, distinct, and read back (with the offset) as the values they
// mark.
func TestLinearTickLabelsAnyRange(t *testing.T) {
	const maxLen = 9 // "-1.25e-30"
	n := 0
	for e := -30; e <= 30; e += 3 {
		for _, rel := range []float64{1e-12, 1e-7, 1e-3, 0.1, 1, 3, 1e3} {
			for _, sign := range []float64{1, -1} {
				for _, target := range []int{2, 5, 7} {
					center := sign * 1.7 * math.Pow(10, float64(e))
					span := math.Abs(center) * rel
					lo, hi := center-span/3, center+2*span/3
					if rel >= 1 {
						lo = center - span // across zero
					}
					name := fmt.Sprintf("linearTicks{%d}.ticks(%g, %g)", target, lo, hi)
					ticks, off := linearTicks{Target: target}.ticks(lo, hi)
					labels := labelsOf(ticks)
					if len(labels) < 2 {
						t.Errorf("%s labels %q, want at least 2", name, labels)
						continue
					}
					seen := map[string]bool{}
					for _, tk := range ticks {
						if tk.Label == "" {
							continue
						}
						n++
						if len(tk.Label) > maxLen {
							t.Errorf("%s: label %q is longer than %d characters", name, tk.Label, maxLen)
						}
						if seen[tk.Label] {
							t.Errorf("%s: label %q twice in %q", name, tk.Label, labels)
						}
						seen[tk.Label] = true
						v, err := parseLabel(tk.Label)
						if err != nil {
							t.Errorf("%s: label %q does not read as a number: %v", name, tk.Label, err)
							continue
						}
						// The label is exact; the tick's value is as near as a
						// float64 gets.
						step := (hi - lo) / 20
						if d := math.Abs(v + off - tk.Value); d > step*1e-6 && d > math.Abs(tk.Value)*1e-15 {
							t.Errorf("%s: label %q (offset %v) marks %v, %g away", name, tk.Label, off, tk.Value, d)
						}
					}
				}
			}
		}
	}
	if n < 1000 {
		t.Errorf("checked only %d labels", n)
	}
}

func TestFormatOffset(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{
		{1e6, "+1e6"}, {-1e6, "-1e6"}, {0.5, "+0.5"}, {1e30, "+1e30"}, {2e-20, "+2e-20"},
		{12345.679, "+12345.679"}, {123456789 * 0.001, "+123456.789"}, {100000, "+1e5"},
	} {
		if got := formatOffset(tt.v); got != tt.want {
			t.Errorf("formatOffset(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestLogTickLabels(t *testing.T) {
	for _, tt := range []struct {
		ticks  logTicks
		lo, hi float64
		want   string
	}{
		{logTicks{}, 0.01, 2.3, "0.01 0.02 0.05 0.1 0.2 0.5 1 2"},
		{logTicks{}, 0.3, 3, "0.5 1 2"},
		{logTicks{}, 0.4, 0.9, "0.4 0.5 0.6 0.7 0.8 0.9"},
		{logTicks{}, 1, 1e5, "1 10 100 1000 10000 100000"},
		// Beyond 1e-4…1e6 every label of the axis is in scientific notation.
		{logTicks{}, 1, 1e6, "1e0 1e1 1e2 1e3 1e4 1e5 1e6"},
		{logTicks{}, 1e-12, 1e-9, "1e-12 1e-11 1e-10 1e-9"},
		{logTicks{every: 3}, 1e-6, 1e6, "1e-6 1e-3 1e0 1e3 1e6"},
		{logTicks{every: 5, sparse: true}, 1e-12, 1e12, "1e-10 1e-5 1e0 1e5 1e10"},
	} {
		got := strings.Join(labelsOf(tt.ticks.Ticks(tt.lo, tt.hi)), " ")
		if got != tt.want {
			t.Errorf("%+v.Ticks(%v, %v) = %q, want %q", tt.ticks, tt.lo, tt.hi, got, tt.want)
		}
	}
	// Sparse ticks mark only the powers of ten.
	for _, tk := range (logTicks{every: 2, sparse: true}).Ticks(1e-3, 1e9) {
		if r := math.Log10(tk.Value); math.Abs(r-math.Round(r)) > 1e-9 {
			t.Errorf("sparse log ticks mark %v, not a power of ten", tk.Value)
		}
	}
}

func TestLinearTicksOffsetShown(t *testing.T) {
	// A loss that barely moves around a large value: the axis is labelled
	// relative to an offset, which is drawn above it.
	x := []float64{1, 2, 3, 4, 5}
	y := []float64{1e6, 1e6 + 1e-3, 1e6 - 1e-3, 1e6, 1e6}
	p, err := Curves(CurveOptions{Title: "Loss", XLabel: "step", YLabel: "loss"}, Series{X: x, Y: y})
	if err != nil {
		t.Fatal(err)
	}
	texts, w, h := drawnTexts(t, p, Size{Width: 300, Height: 220})
	checkTexts(t, "1e6 ± 1e-3", texts, w, h)
	got := strings.Join(textsOf(texts), " ")
	if !strings.Contains(got, "+1e6") || !strings.Contains(got, "-0.0005 0 0.0005") {
		t.Errorf("texts of a chart of 1e6 ± 1e-3 are %q, want labels relative to +1e6", got)
	}
}

// numbersLeftOf returns the texts that read as numbers and lie left of x
// (points), such as the tick labels of a y axis.
func numbersLeftOf(texts []drawnText, x vg.Length) []string {
	var s []string
	for _, d := range texts {
		if _, err := strconv.ParseFloat(d.text, 64); err == nil && d.box[1].X <= x {
			s = append(s, d.text)
		}
	}
	return s
}

// yTickLabels draws p at size and returns the tick labels of its y axis,
// and all its texts.
func yTickLabels(t *testing.T, p *plot.Plot, size Size) (labels []string, texts []drawnText, w, h vg.Length) {
	t.Helper()
	texts, w, h = drawnTexts(t, p, size)
	chart, err := Render(p, size)
	if err != nil {
		t.Fatal(err)
	}
	left := vg.Length(chart.DataRect.Min.X) * 72 / DefaultDPI
	return numbersLeftOf(texts, left), texts, w, h
}

// TestLogAxisFitsItsLength draws a loss falling through twelve decades on
// charts from tall to very short: the labels never overlap, there are
// always at least two, and fewer on shorter axes.
func TestLogAxisFitsItsLength(t *testing.T) {
	var x, y []float64
	for i := range 121 {
		x = append(x, float64(i))
		y = append(y, math.Pow(10, 6-float64(i)/10))
	}
	p, err := Curves(CurveOptions{Title: "Loss", XLabel: "step", YLabel: "loss", LogY: true}, Series{Label: "train", X: x, Y: y})
	if err != nil {
		t.Fatal(err)
	}
	prev := math.MaxInt
	for _, size := range []Size{{Width: 600, Height: 380}, {Width: 300, Height: 220}, {Width: 300, Height: 160}, {Width: 600, Height: 120}} {
		name := fmt.Sprintf("12 decades at %d×%d", size.Width, size.Height)
		labels, texts, w, h := yTickLabels(t, p, size)
		checkTexts(t, name, texts, w, h)
		least := 2
		if size.Height < 150 { // 25 points high: room for one label
			least = 1
		}
		if len(labels) < least || len(labels) > prev {
			t.Errorf("%s: y labels %q, want at least %d and at most %d", name, labels, least, prev)
		}
		t.Logf("%s: y labels %q", name, labels)
		prev = len(labels)
	}
	// The chart is fitted only while drawing: the plot keeps its marker.
	if m, ok := p.Y.Tick.Marker.(logTicks); !ok || m != (logTicks{}) {
		t.Errorf("after drawing, the y axis's marker is %#v, want logTicks{}", p.Y.Tick.Marker)
	}
}

func TestLinearAxisFitsItsLength(t *testing.T) {
	x := []float64{0, 12345}
	y := []float64{0.5, 1234567}
	p, err := Curves(CurveOptions{Title: "Loss", XLabel: "step", YLabel: "loss"}, Series{X: x, Y: y})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []Size{{Width: 600, Height: 380}, {Width: 220, Height: 160}, {Width: 140, Height: 100}} {
		texts, w, h := drawnTexts(t, p, size)
		checkTexts(t, fmt.Sprintf("chart at %d×%d", size.Width, size.Height), texts, w, h)
	}
}

func TestColorBarFitsItsLength(t *testing.T) {
	xs, ys := linspace(-1, 1, 21), linspace(-1, 1, 21)
	g := sampleGrid(xs, ys, func(x, y float64) float64 { return math.Pow(10, 6*(x+y)) }) // 1e-12 … 1e12
	p, err := Heatmap(g, HeatmapOptions{Title: "Loss", XLabel: "w", YLabel: "b", ZLabel: "loss", Scale: LogSequential})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []Size{{Width: 460, Height: 340}, {Width: 300, Height: 160}} {
		texts, w, h := drawnTexts(t, p, size)
		name := fmt.Sprintf("colour bar over 24 decades at %d×%d", size.Width, size.Height)
		checkTexts(t, name, texts, w, h)
		var labels []string
		for _, d := range texts {
			if _, err := strconv.ParseFloat(d.text, 64); err == nil && strings.Contains(d.text, "e") {
				labels = append(labels, d.text)
			}
		}
		if len(labels) < 2 {
			t.Errorf("%s: colour bar labels %q, want at least 2", name, labels)
		}
	}
}
