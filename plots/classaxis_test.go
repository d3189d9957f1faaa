package plots

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// names20 are twenty long made-up class names, some longer than a label
// is drawn.
var names20 = []string{
	"aardvark", "butterfly", "chameleon", "dromedary camel", "elephant seal",
	"flamingo", "giraffe", "hedgehog", "iguana", "jellyfish",
	"kangaroo", "great crested newt", "mongoose", "narwhal", "octopus",
	"pelican", "quokka", "red-eared slider", "salamander", "tarantula",
}

// The sizes the window draws these charts at.
var (
	barsSize      = Size{Width: 300, Height: 220}
	confusionSize = Size{Width: 330, Height: 260}
)

// classProbs returns probabilities over n classes, most on class top and
// a few on its neighbours, the rest spread thinly.
func classProbs(n, top int) []float64 {
	p := make([]float64, n)
	left := 1.0
	for i, share := range []float64{0.71, 0.12, 0.06} {
		k := (top + 3*i) % n
		p[k] = share
		left -= share
	}
	for i := range p {
		if p[i] == 0 {
			p[i] = left / float64(n-3)
		}
	}
	return p
}

// drawnSet returns the set of texts drawn.
func drawnSet(texts []drawnText) map[string]bool {
	set := map[string]bool{}
	for _, d := range texts {
		set[d.text] = true
	}
	return set
}

// labelled returns the names whose labels (possibly cut short) are drawn.
func labelled(names []string, drawn map[string]bool) []string {
	var got []string
	for _, n := range names {
		for runes := maxLabelRunes; runes > 3; runes-- {
			if drawn[shorten(n, runes)] {
				got = append(got, n)
				break
			}
		}
	}
	return got
}

// checkClassChart draws a chart of the classes names at size, checks that
// its texts keep clear of each other and of the edges, and returns them
// and the names labelled.
func checkClassChart(t *testing.T, name string, p *plot.Plot, names []string, size Size) (texts []drawnText, labels []string) {
	t.Helper()
	texts, w, h := drawnTexts(t, p, size)
	checkTexts(t, name, texts, w, h)
	return texts, labelled(names, drawnSet(texts))
}

func TestBarsManyClassesReadable(t *testing.T) {
	for _, tt := range []struct {
		names     []string
		size      Size
		allLabels bool
	}{
		{cifar10, barsSize, true},
		{names20, barsSize, false},
		{names20, Size{Width: 600, Height: 440, DPI: 192}, false}, // the same at scale 2
		{names20, goldenSize, true},
		{cifar10, Size{Width: 260, Height: 150}, false},
	} {
		for _, th := range themes {
			top := 3
			p, err := Bars("Class probabilities", tt.names, classProbs(len(tt.names), top), top, th.theme)
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("Bars of %d classes at %d×%d, %s theme", len(tt.names), tt.size.Width, tt.size.Height, th.name)
			texts, got := checkClassChart(t, name, p, tt.names, tt.size)
			drawn := drawnSet(texts)
			switch {
			case tt.allLabels && len(got) != len(tt.names):
				t.Errorf("%s: labels %q, want all %d", name, got, len(tt.names))
			case !slices.Contains(got, tt.names[top]):
				t.Errorf("%s: labels %q, want the prediction %q among them", name, got, tt.names[top])
			case len(got) < len(tt.names)/3:
				t.Errorf("%s: labels %q, want at least %d", name, got, len(tt.names)/3)
			}
			// The most probable classes keep their labels and percentages.
			if !drawn["71.0%"] || !drawn["12.0%"] {
				t.Errorf("%s: texts %q, want the top two percentages", name, textsOf(texts))
			}
			for _, d := range texts {
				if d.font.Size < minTickSize {
					t.Errorf("%s: text %v in %.1f-point type, want at least %v", name, d, d.font.Size, minTickSize)
				}
			}
		}
	}
}

func TestConfusionManyClassesReadable(t *testing.T) {
	for _, tt := range []struct {
		names     []string
		size      Size
		allLabels bool
		counts    bool // every count drawn
	}{
		{cifar10, confusionSize, true, true},
		{names20, confusionSize, false, false},
		{names20, Size{Width: 660, Height: 520, DPI: 192}, false, false},
		{cifar10, goldenSize, true, true},
		{names20, Size{Width: 900, Height: 560}, true, true}, // saved from the window
	} {
		counts := confusionCounts(len(tt.names), 1000)
		for _, th := range themes {
			p, err := Confusion("Confusion matrix (test set)", tt.names, counts, th.theme)
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("Confusion of %d classes at %d×%d, %s theme", len(tt.names), tt.size.Width, tt.size.Height, th.name)
			texts, got := checkClassChart(t, name, p, tt.names, tt.size)
			if tt.allLabels && len(got) != len(tt.names) || len(got) < len(tt.names)/2 {
				t.Errorf("%s: labels %q, want all %d, or at least half of them", name, got, len(tt.names))
			}
			nCounts := 0
			for _, d := range texts {
				if _, err := fmt.Sscan(d.text, new(int)); err == nil && !strings.ContainsAny(d.text, ".e") {
					nCounts++
				}
			}
			if tt.counts && nCounts < len(tt.names)*len(tt.names) {
				t.Errorf("%s: %d counts drawn, want all %d", name, nCounts, len(tt.names)*len(tt.names))
			}

			// Every cell shows its colour at its centre, or around its count.
			chart, err := Render(p, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			colors := heatPalette(th.theme, 256).colors
			for i, row := range counts {
				total := 0
				for _, c := range row {
					total += c
				}
				for j, c := range row {
					want := cellColor(colors, float64(c)/float64(total))
					x, y := float64(j), float64(i)
					if tt.counts {
						x, y = x-0.35, y-0.35 // clear of the count
					}
					if got := colorAt(chart, x, y); !near(got, want, 6) {
						t.Errorf("%s: cell [%d][%d] is %v, want %v", name, i, j, got, want)
					}
				}
			}
		}
	}
}

// TestCellUnderPointer checks the way a GUI finds the confusion cell under
// the pointer: Chart.DataAt, rounded.
func TestCellUnderPointer(t *testing.T) {
	p, err := Confusion("c", names20, confusionCounts(20, 100), LightTheme())
	if err != nil {
		t.Fatal(err)
	}
	chart, err := Render(p, confusionSize)
	if err != nil {
		t.Fatal(err)
	}
	for _, cell := range [][2]int{{0, 0}, {3, 17}, {19, 19}, {12, 5}} {
		// Points all over the cell, up to just inside its borders.
		for _, d := range [][2]float64{{0, 0}, {-0.45, -0.45}, {0.45, 0.45}, {0.45, -0.2}} {
			px, py := chart.PixelAt(float64(cell[1])+d[0], float64(cell[0])+d[1])
			x, y, ok := chart.DataAt(px, py)
			if row, col := int(math.Round(y)), int(math.Round(x)); !ok || row != cell[0] || col != cell[1] {
				t.Errorf("DataAt over cell %v = %v, %v, %v: cell [%d][%d]", cell, x, y, ok, row, col)
			}
		}
	}
}

func TestGoldenManyClasses(t *testing.T) {
	for _, th := range themes {
		t.Run(th.name, func(t *testing.T) {
			for _, names := range [][]string{cifar10, names20} {
				n := len(names)
				p, err := Bars("Class probabilities", names, classProbs(n, 3), 3, th.theme)
				if err != nil {
					t.Fatal(err)
				}
				checkGoldenAt(t, fmt.Sprintf("bars%d_small_%s", n, th.name), p, barsSize)
				p, err = Confusion("Confusion matrix (test set)", names, confusionCounts(n, 1000), th.theme)
				if err != nil {
					t.Fatal(err)
				}
				checkGoldenAt(t, fmt.Sprintf("confusion%d_small_%s", n, th.name), p, confusionSize)
			}
		})
	}
}
