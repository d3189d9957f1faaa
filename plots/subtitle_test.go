package plots

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	stdfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
)

// runSettings is the subtitle of an exported chart.
const runSettings = "mnist 3,5,8 · 784-128-64-3 relu · cross-entropy · adam lr 0.001 · batch 64 · 5 epochs · no augmentation · seed 1"

func TestWrap(t *testing.T) {
	sty := text.Style{Font: font.From(sans, subtitleSize), Handler: plot.DefaultTextHandler}
	for _, tt := range []struct {
		txt   string
		width string // the width of this text
		want  []string
	}{
		{runSettings, runSettings, []string{runSettings}},
		{runSettings, "mnist 3,5,8 · 784-128-64-3 relu · cross-entropy · adam lr 0.001 ·", []string{
			"mnist 3,5,8 · 784-128-64-3 relu · cross-entropy · adam lr 0.001 ·",
			"batch 64 · 5 epochs · no augmentation · seed 1",
		}},
		// An item wider than a line wraps between its words.
		{"a · one two three four · b", "one two ·", []string{"a · one", "two three", "four · b"}},
		{"first line\nsecond · line", "first line", []string{"first line", "second ·", "line"}},
		// A word wider than a line has one to itself.
		{"supercalifragilistic · x", "super", []string{"supercalifragilistic ·", "x"}},
	} {
		got := wrap(tt.txt, sty, sty.Width(tt.width))
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q, width of %q) = %q, want %q", tt.txt, tt.width, got, tt.want)
		}
	}
}

func TestBalance(t *testing.T) {
	sty := text.Style{Font: font.From(sans, subtitleSize), Handler: plot.DefaultTextHandler}
	width := sty.Width("mnist 3,5,8 · 784-128-64-3 relu · cross-entropy · adam lr 0.001 · batch 64")
	greedy, even := wrap(runSettings, sty, width), balance(runSettings, sty, width)
	if len(even) != len(greedy) || len(even) != 2 {
		t.Fatalf("balance(%q) = %q, want two lines as wrap's %q", runSettings, even, greedy)
	}
	spread := func(lines []string) float64 {
		return float64(sty.Width(lines[0]) - sty.Width(lines[1]))
	}
	if s := spread(even); s < 0 || s > 0.25*float64(width) {
		t.Errorf("balance(%q) = %q: the lines differ by %.0f of %.0f points", runSettings, even, s, width)
	}
	if strings.Join(even, " ") != runSettings {
		t.Errorf("balance lost words: %q", even)
	}
}

// subtitleTexts returns the texts drawn in the subtitle's font (regular,
// smaller than the title's) and the title's.
func subtitleTexts(texts []drawnText, title string) (sub []drawnText, titles []drawnText) {
	for _, d := range texts {
		switch {
		case d.text == title:
			titles = append(titles, d)
		case d.font.Size <= subtitleSize && d.font.Weight == stdfont.WeightNormal && strings.Contains(d.text, "·"):
			sub = append(sub, d)
		}
	}
	return sub, titles
}

func TestSubtitle(t *testing.T) {
	for _, tt := range []struct {
		size  Size
		lines int
	}{
		{Size{Width: 900, Height: 560}, 1}, // the window saves charts at this size
		{goldenSize, 2},
		{Size{Width: 1200, Height: 760, DPI: 192}, 2},
		{Size{Width: 300, Height: 220}, 2}, // smaller type
	} {
		for _, th := range themes {
			p := lossChart(t, th.theme, 300)
			SetSubtitle(p, runSettings)
			name := fmt.Sprintf("subtitle at %d×%d, %s theme", tt.size.Width, tt.size.Height, th.name)
			texts, w, h := drawnTexts(t, p, tt.size)
			checkTexts(t, name, texts, w, h)
			sub, titles := subtitleTexts(texts, "Loss")
			if len(titles) != 1 || titles[0].font.Weight != stdfont.WeightBold || titles[0].font.Size != titleSize {
				t.Errorf("%s: title drawn as %+v, want once, bold, %v points", name, titles, titleSize)
				continue
			}
			var lines []string
			for _, d := range sub {
				lines = append(lines, d.text)
				if d.box[0].Y >= titles[0].box[0].Y {
					t.Errorf("%s: subtitle line %v is not under the title %v", name, d, titles[0])
				}
			}
			if len(lines) != tt.lines || strings.Join(lines, " ") != runSettings {
				t.Errorf("%s: subtitle drawn as %q, want the whole subtitle on %d lines", name, lines, tt.lines)
			}
			if small := tt.size.Width < 400; small != (len(sub) > 0 && sub[0].font.Size < subtitleSize) {
				t.Errorf("%s: subtitle in %v-point type", name, sub[0].font.Size)
			}
		}
	}
}

func TestSubtitleAnyPlot(t *testing.T) {
	bars, err := Bars("Prediction: cat", cifar10, classProbs(10, 3), 3, DarkTheme())
	if err != nil {
		t.Fatal(err)
	}
	conf, err := Confusion("Confusion matrix", cifar10, confusionCounts(10, 100), LightTheme())
	if err != nil {
		t.Fatal(err)
	}
	g, _, _ := lossSurface(21, 21)
	heat, err := Heatmap(g, HeatmapOptions{Title: "Loss surface", ZLabel: "loss"})
	if err != nil {
		t.Fatal(err)
	}
	untitled, err := Curves(CurveOptions{}, Series{X: []float64{1, 2}, Y: []float64{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*plot.Plot{"bars": bars, "confusion": conf, "heat map": heat, "untitled curves": untitled} {
		SetSubtitle(p, "first subtitle")
		SetSubtitle(p, runSettings) // replaces the first
		texts, w, h := drawnTexts(t, p, goldenSize)
		checkTexts(t, name, texts, w, h)
		got := strings.Join(textsOf(texts), "|")
		if strings.Contains(got, "first subtitle") || !strings.Contains(got, "seed 1") {
			t.Errorf("%s with a subtitle set twice: texts %q, want the second subtitle only", name, got)
		}

		// An SVG carries it too.
		path := filepath.Join(t.TempDir(), "chart.svg")
		if err := Save(p, path, goldenSize); err != nil {
			t.Fatal(err)
		}
		if svg, err := os.ReadFile(path); err != nil || !strings.Contains(string(svg), "no augmentation") {
			t.Errorf("%s saved as SVG: no subtitle in it (%v)", name, err)
		}

		SetSubtitle(p, "")
		texts, _, _ = drawnTexts(t, p, goldenSize)
		if got := strings.Join(textsOf(texts), "|"); strings.Contains(got, "seed 1") {
			t.Errorf("%s with its subtitle removed: texts %q", name, got)
		}
	}
	if untitled.Title.Text != "" {
		t.Errorf("untitled chart with its subtitle removed has the title %q, want none", untitled.Title.Text)
	}
}
