package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/cmpimg"
)

// The golden images under testdata/ are compared approximately, as gonum/plot
// does, because anti-aliased edges may differ in the last bits between
// platforms. Run `go test ./plots -regen` to rewrite them deliberately (the
// flag is cmpimg's), then look at every one before committing. A render that
// differs is written to testdata/failed/, with an intensity-scaled
// difference image beside it, for a person to look at.

// goldenDelta is cmpimg's normalised tolerance per pixel: loose enough for
// anti-aliasing noise, far too tight for a moved line or a changed colour.
const goldenDelta = 0.1

var goldenSize = Size{Width: 600, Height: 380, DPI: 96}

// themes are the two themes every golden is drawn in.
var themes = []struct {
	name  string
	theme Theme
}{
	{"light", LightTheme()},
	{"dark", DarkTheme()},
}

// renderPNG renders p at size and encodes it as PNG.
func renderPNG(t testing.TB, p *plot.Plot, size Size) []byte {
	t.Helper()
	chart, err := Render(p, size)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, chart.Image); err != nil {
		t.Fatalf("encoding PNG: %v", err)
	}
	return buf.Bytes()
}

// checkGolden renders p at goldenSize and compares it with
// testdata/name.png.
func checkGolden(t *testing.T, name string, p *plot.Plot) {
	t.Helper()
	checkGoldenAt(t, name, p, goldenSize)
}

// checkGoldenAt renders p at size and compares it with testdata/name.png.
func checkGoldenAt(t *testing.T, name string, p *plot.Plot, size Size) {
	t.Helper()
	got := renderPNG(t, p, size)
	golden := filepath.Join("testdata", name+".png")
	failed := filepath.Join("testdata", "failed", name+".png")
	failedDiff := filepath.Join("testdata", "failed", name+"_diff.png")

	if *cmpimg.GenerateTestData {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -regen writes the golden images)", err)
	}
	ok, err := cmpimg.EqualApprox("png", got, want, goldenDelta)
	if err != nil {
		t.Fatalf("comparing with %s: %v", golden, err)
	}
	if ok {
		os.Remove(failed)
		os.Remove(failedDiff)
		return
	}

	if err := os.MkdirAll(filepath.Dir(failed), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(failed, got, 0o644); err != nil {
		t.Fatal(err)
	}
	gotImg, _ := png.Decode(bytes.NewReader(got))
	wantImg, _ := png.Decode(bytes.NewReader(want))
	if gotImg != nil && wantImg != nil {
		diff := image.NewRGBA64(gotImg.Bounds().Union(wantImg.Bounds()))
		cmpimg.Diff(diff, gotImg, wantImg)
		var buf bytes.Buffer
		if err := png.Encode(&buf, diff); err == nil {
			os.WriteFile(failedDiff, buf.Bytes(), 0o644)
		}
	}
	t.Errorf("%s: the render differs from %s; look at %s and %s (go test -regen if the change is intended)", name, golden, failed, failedDiff)
}

// trainingRun returns a made-up but realistic training run: n steps of a
// noisy, decaying training loss and rising accuracy, and per-epoch
// validation values. It is deterministic.
func trainingRun(n, epochs int) (steps, loss, acc, epochSteps, valLoss, valAcc []float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		s := float64(i + 1)
		decay := math.Exp(-s / (float64(n) / 6))
		steps = append(steps, s)
		loss = append(loss, 0.08+2.2*decay+(0.05+0.25*decay)*rng.NormFloat64()*0.6)
		acc = append(acc, math.Min(1, 0.97-0.85*decay+0.03*rng.NormFloat64()))
	}
	for e := 1; e <= epochs; e++ {
		s := float64(e * n / epochs)
		decay := math.Exp(-s / (float64(n) / 6))
		epochSteps = append(epochSteps, s)
		valLoss = append(valLoss, 0.12+2.1*decay)
		valAcc = append(valAcc, 0.96-0.8*decay)
	}
	return
}

func lossChart(t testing.TB, theme Theme, n int) *plot.Plot {
	steps, loss, _, epochSteps, valLoss, _ := trainingRun(n, 6)
	p, err := Curves(CurveOptions{
		Title: "Loss", XLabel: "step", YLabel: "cross-entropy loss",
		Smoothing: 0.6, Theme: theme,
	},
		Series{Label: "train", X: steps, Y: loss, Color: 0},
		Series{Label: "validation", X: epochSteps, Y: valLoss, Color: 1, Points: true, Dashed: true},
	)
	if err != nil {
		t.Fatalf("Curves: %v", err)
	}
	return p
}

func TestGoldenCurves(t *testing.T) {
	for _, th := range themes {
		t.Run(th.name, func(t *testing.T) {
			checkGolden(t, "curves_loss_"+th.name, lossChart(t, th.theme, 600))

			steps, _, acc, epochSteps, _, valAcc := trainingRun(600, 6)
			p, err := Curves(CurveOptions{
				Title: "Accuracy", XLabel: "step", YLabel: "accuracy",
				Smoothing: 0.8, YMin: 0, YMax: 1, Theme: th.theme,
			},
				Series{Label: "train", X: steps, Y: acc, Color: 0},
				Series{Label: "validation", X: epochSteps, Y: valAcc, Color: 1, Points: true},
			)
			if err != nil {
				t.Fatalf("Curves: %v", err)
			}
			checkGolden(t, "curves_accuracy_"+th.name, p)

			// Three runs compared on a log axis; the fast one diverges
			// (NaN, Inf) and one logs a zero, all of which are dropped.
			var runs []Series
			for i, lr := range []float64{0.3, 0.03, 0.003} {
				var xs, ys []float64
				for s := 1; s <= 400; s++ {
					xs = append(xs, float64(s))
					ys = append(ys, 2.3*math.Exp(-float64(s)*lr/8)+0.01*float64(i+1))
				}
				runs = append(runs, Series{Label: "lr " + formatLog(lr), X: xs, Y: ys, Color: i, Dashed: i == 2})
			}
			runs[0].Y[300], runs[0].Y[301], runs[0].Y[302] = math.NaN(), math.Inf(1), 0
			p, err = Curves(CurveOptions{
				Title: "Loss by learning rate", XLabel: "step", YLabel: "loss (log scale)",
				LogY: true, Theme: th.theme,
			}, runs...)
			if err != nil {
				t.Fatalf("Curves: %v", err)
			}
			checkGolden(t, "curves_log_"+th.name, p)

			p, err = Curves(CurveOptions{
				Title: "Loss", XLabel: "step", YLabel: "loss", Smoothing: 0.6, Theme: th.theme,
			}, Series{Label: "train"}, Series{Label: "validation", Color: 1, Points: true})
			if err != nil {
				t.Fatalf("Curves: %v", err)
			}
			checkGolden(t, "curves_empty_"+th.name, p)

			// One step of the loss spikes to 1e6; the axis shows the rest.
			steps, spiked, epochSteps, valLoss := spikedRun(600)
			p, err = Curves(CurveOptions{
				Title: "Loss (outliers ignored)", XLabel: "step", YLabel: "cross-entropy loss",
				Smoothing: 0.6, IgnoreOutliers: true, Theme: th.theme,
			},
				Series{Label: "train", X: steps, Y: spiked, Color: 0},
				Series{Label: "validation", X: epochSteps, Y: valLoss, Color: 1, Points: true, Dashed: true},
			)
			if err != nil {
				t.Fatalf("Curves: %v", err)
			}
			checkGolden(t, "curves_outliers_"+th.name, p)

			// A run changed live: three markers, two of them close
			// together, and the learning rate on a log axis on the right.
			checkGolden(t, "curves_markers_"+th.name, liveRunChart(t, th.theme, 600))

			// An exported chart carries its run's settings.
			p = lossChart(t, th.theme, 600)
			SetSubtitle(p, runSettings)
			checkGolden(t, "curves_subtitle_"+th.name, p)
		})
	}
}

// liveRun returns the learning rate of a run of n steps that warms up
// over its first 10%, and the markers of the changes made to it while it
// ran: the learning rate cut at 30% and again at 67%, and weight decay
// turned on just before the second cut.
func liveRun(n int) (lr Secondary, markers []Marker) {
	cut1, decay, cut2 := 3*n/10, 63*n/100, 2*n/3
	lr = Secondary{Label: "learning rate", LogY: true, Color: 2}
	for s := 1; s <= n; s++ {
		v := 1e-3
		switch {
		case s <= n/10:
			v = 1e-5 + (1e-3-1e-5)*float64(s)/float64(n/10)
		case s > cut2:
			v = 1e-4
		case s > cut1:
			v = 3e-4
		}
		lr.X = append(lr.X, float64(s))
		lr.Y = append(lr.Y, v)
	}
	markers = []Marker{
		{X: float64(cut1), Label: fmt.Sprintf("lr 1e-3 → 3e-4 at step %d", cut1)},
		{X: float64(decay), Label: fmt.Sprintf("weight decay 0 → 1e-4 at step %d", decay)},
		{X: float64(cut2), Label: fmt.Sprintf("lr 3e-4 → 1e-4 at step %d", cut2)},
	}
	return lr, markers
}

// liveRunChart is the loss chart of liveRun.
func liveRunChart(t testing.TB, theme Theme, n int) *plot.Plot {
	steps, loss, _, epochSteps, valLoss, _ := trainingRun(n, 6)
	lr, markers := liveRun(n)
	p, err := Curves(CurveOptions{
		Title: "Loss", XLabel: "step", YLabel: "cross-entropy loss",
		Smoothing: 0.6, Markers: markers, Secondary: &lr, Theme: theme,
	},
		Series{Label: "train", X: steps, Y: loss, Color: 0},
		Series{Label: "validation", X: epochSteps, Y: valLoss, Color: 1, Points: true, Dashed: true},
	)
	if err != nil {
		t.Fatalf("Curves: %v", err)
	}
	return p
}

var digits = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

func TestGoldenBars(t *testing.T) {
	probs := []float64{0.001, 0.0002, 0.012, 0.874, 0, 0.061, 0.0004, 0.003, 0.046, 0.0024}
	for _, th := range themes {
		t.Run(th.name, func(t *testing.T) {
			p, err := Bars("Prediction: 3", digits, probs, 3, th.theme)
			if err != nil {
				t.Fatalf("Bars: %v", err)
			}
			checkGolden(t, "bars_"+th.name, p)
		})
	}
}

// cifar10 are long class names, which the confusion matrix tilts.
var cifar10 = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// confusionCounts returns a plausible confusion matrix over n classes with
// about perClass examples each, mostly right, some classes confused.
func confusionCounts(n, perClass int) [][]int {
	rng := rand.New(rand.NewPCG(3, 4))
	counts := make([][]int, n)
	for i := range counts {
		counts[i] = make([]int, n)
		left := perClass + rng.IntN(perClass/5+1)
		for j := range counts[i] {
			if j == i {
				continue
			}
			c := rng.IntN(perClass/40 + 1)
			if (i+2*j)%7 == 0 { // a few classes are often confused
				c += perClass / 8
			}
			counts[i][j] = min(c, left/4)
			left -= counts[i][j]
		}
		counts[i][i] = left
	}
	return counts
}

func TestGoldenConfusion(t *testing.T) {
	three := [][]int{{962, 21, 27}, {15, 851, 26}, {31, 40, 903}}
	for _, th := range themes {
		t.Run(th.name, func(t *testing.T) {
			p, err := Confusion("Confusion (test set)", []string{"3", "5", "8"}, three, th.theme)
			if err != nil {
				t.Fatalf("Confusion: %v", err)
			}
			checkGolden(t, "confusion3_"+th.name, p)

			p, err = Confusion("Confusion (CIFAR-10 test set)", cifar10, confusionCounts(10, 1000), th.theme)
			if err != nil {
				t.Fatalf("Confusion: %v", err)
			}
			checkGolden(t, "confusion10_"+th.name, p)
		})
	}
}
