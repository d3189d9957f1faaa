package plots

import (
	"math"
	"math/rand/v2"
	"testing"
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
