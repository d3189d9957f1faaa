package training

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/optim"
)

// quadratic is plain gradient descent on f(θ) = ½ Σ λₖθₖ² from θ = 1, with
// eigenvalues spread log-evenly from lmax down to lmax/100 and gradients
// perturbed by seeded noise of scale √λₖ, as a minibatch's would be.
func quadratic(lmax float64, seed uint64) (step func(lr float64) (float64, error), lmin float64) {
	const d = 20
	lam, theta := make([]float64, d), make([]float64, d)
	for k := range d {
		lam[k] = lmax * math.Pow(100, -float64(k)/(d-1))
		theta[k] = 1
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	return func(lr float64) (float64, error) {
		loss := 0.0
		for k := range d {
			loss += 0.5 * lam[k] * theta[k] * theta[k]
		}
		for k := range d {
			theta[k] -= lr * (lam[k]*theta[k] + 0.3*math.Sqrt(lam[k])*rng.NormFloat64())
		}
		return loss, nil
	}, lam[d-1]
}

// TestLRFindQuadraticKnownRange runs the range test's loop on convex
// quadratics whose good learning rates are known analytically. Gradient
// descent on a quadratic diverges along its stiffest direction for any
// rate above 2/λmax; the rate that contracts every direction fastest is
// η* = 2/(λmin+λmax) (the worst factor max|1−ηλ| is then smallest). The
// known good range is [η*/10, 2/λmax): stable, and within the order of
// magnitude below the best rate that Smith and fastai aim for. The test
// must explode well before the end of the range (lr 10), and its steepest
// descent must land in the good range, whatever the scale of the problem.
func TestLRFindQuadraticKnownRange(t *testing.T) {
	for _, lmax := range []float64{10, 100, 1e3, 1e4} {
		for seed := range uint64(3) {
			step, lmin := quadratic(lmax, seed)
			res, err := rangeTest(context.Background(), DefaultLRFindOptions(), step)
			if err != nil {
				t.Fatal(err)
			}
			limit, best := 2/lmax, 2/(lmin+lmax)
			last := res.LRs[res.Iterations-1]
			if res.Stopped != LRExploded || last >= DefaultLRFindEnd {
				t.Errorf("λmax %g, seed %d: stopped %s at lr %g, want exploded before lr %d", lmax, seed, res.Stopped, last, DefaultLRFindEnd)
			}
			if !(res.Suggestion >= best/10 && res.Suggestion < limit) {
				t.Errorf("λmax %g, seed %d: suggestion %g, want in the good range [%g, %g)", lmax, seed, res.Suggestion, best/10, limit)
			}
			if !(res.Valley > 0 && res.Valley < limit) {
				t.Errorf("λmax %g, seed %d: valley %g, want below the stability limit %g", lmax, seed, res.Valley, limit)
			}
		}
	}
}

// TestLRScheduleAndSmoothing checks the schedule and the smoothed loss
// against fastai's formulas, worked by hand: lr_i = 1e-7·(1e8)^(i/100), and
// avg_i = 0.98·avg_{i−1} + 0.02·loss_i, smoothed_i = avg_i/(1 − 0.98^i).
func TestLRScheduleAndSmoothing(t *testing.T) {
	for i, want := range map[int]float64{0: 1e-7, 25: 1e-5, 50: 1e-3, 75: 0.1, 99: 8.317637711026709 /* 10^0.92 */} {
		if got := scheduledLR(1e-7, 10, i, 100); math.Abs(got-want) > 1e-12*want {
			t.Errorf("scheduledLR(1e-7, 10, %d, 100) = %g, want %g", i, got, want)
		}
	}
	// losses 1, 2, 3: averages 0.02, 0.0596, 0.118408 over 0.02, 0.0396,
	// 0.058808.
	var s smoother
	for i, want := range []float64{1, 1.505050505050505, 2.0134675554346337} {
		if got := s.add(float64(i + 1)); math.Abs(got-want) > 1e-12 {
			t.Errorf("smoothed loss %d = %.16g, want %.16g", i+1, got, want)
		}
	}

	// Ten losses of 1 keep the smoothed loss at 1 (its best); an eleventh
	// of L makes it (0.98·(1−0.98¹⁰) + 0.02·L)/(1−0.98¹¹): 3.91 for L=30,
	// below 4 times the best, 4.011 for L=31, above.
	for _, tt := range []struct {
		jump float64
		want LRFindStop
		n    int
	}{{30, LRReachedEnd, 12}, {31, LRExploded, 11}, {math.NaN(), LRExploded, 11}} {
		losses := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, tt.jump, 1}
		i := 0
		opts := LRFindOptions{Start: 1e-3, End: 1, Iterations: 12}
		res, err := rangeTest(context.Background(), opts, func(float64) (float64, error) { i++; return losses[i-1], nil })
		if err != nil {
			t.Fatal(err)
		}
		if res.Stopped != tt.want || res.Iterations != tt.n || len(res.Smoothed) != tt.n {
			t.Errorf("a jump to %g: stopped %s after %d iterations, want %s after %d", tt.jump, res.Stopped, res.Iterations, tt.want, tt.n)
		}
		for j, lr := range res.LRs {
			if want := 1e-3 * math.Pow(1000, float64(j)/12); math.Abs(lr-want) > 1e-15 {
				t.Errorf("lr %d = %g, want %g", j, lr, want)
			}
		}
		if got := res.Smoothed[10]; tt.jump == 30 && math.Abs(got-3.9106435065545386) > 1e-12 {
			t.Errorf("smoothed loss after a jump to 30 = %.16g, want 3.9106435065545386", got)
		}
	}
}

func TestLRSuggestions(t *testing.T) {
	// Evenly spaced in log(lr), the steepest segment is the largest drop.
	even := make([]float64, 10)
	for i := range even {
		even[i] = 1e-4 * math.Pow(10, float64(i)/3)
	}
	uneven := []float64{1, 2, 4, 100, 110}
	for _, tt := range []struct {
		name        string
		lrs, losses []float64
		steep       int
	}{
		{"largest drop", even, []float64{5, 5, 4.9, 4.5, 3, 2.8, 2.7, 2.7, 3, 6}, 3},
		{"flat then rising", even, []float64{1, 1, 1, 1, 2, 3, 4, 5, 6, 7}, 0},
		// Drops of 1 over ln 2, 6 over ln 25 (slope −1.86) and 0.5 over
		// ln 1.1 (slope −5.2): the smallest drop is the steepest.
		{"per log lr", uneven, []float64{10, 9, 8, 2, 1.5}, 3},
	} {
		if got := steepest(tt.lrs, tt.losses); got != tt.steep {
			t.Errorf("steepest(%s) = %d, want %d", tt.name, got, tt.steep)
		}
	}

	// fastai's valley, its indices worked with fastai's own function.
	for _, tt := range []struct {
		losses []float64
		want   int
	}{
		{[]float64{3, 2, 2.5, 1, 0.5, 0.6, 0.4, 2}, 2},
		{[]float64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 5},
		{[]float64{2, 1}, 1}, // index −1, wrapped
		{[]float64{1, 2}, 0},
		{[]float64{1.2, 2.7, 1.8}, 0},
		{[]float64{3.0, 3.1, 0.3, 0.1, 4.2, 1.3, 1.2}, 1},
		{[]float64{5.0, 2.4, 4.2, 2.4, 3.2, 0.8, 3.2, 4.3, 2.6, 3.7, 3.4, 0.3, 3.8, 3.0, 1.5}, 11},
	} {
		if got := valleyOf(tt.losses); got != tt.want {
			t.Errorf("valleyOf(%v) = %d, want %d", tt.losses, got, tt.want)
		}
	}

	// suggestLR leaves out the first requested/10 points and the last 5,
	// and stops at the first that is not finite: a steeper drop in any of
	// them is not chosen.
	lrs, curve := make([]float64, 100), make([]float64, 100)
	for i := range curve {
		lrs[i] = scheduledLR(1e-7, 10, i, 100)
		curve[i] = 10 - 0.01*float64(i)
	}
	curve[40] -= 0.5 // the steepest drop kept: from point 39 to 40
	curve[20] -= 0.2 // the next steepest: from 19 to 20
	curve[5] -= 5    // in the first tenth
	curve[97] -= 5   // in the last five
	if steep, _ := suggestLR(lrs, curve, 100); steep != 39 {
		t.Errorf("suggestLR: steep at %d, want 39", steep)
	}
	curve[35] = math.NaN()
	if steep, _ := suggestLR(lrs, curve, 100); steep != 19 {
		t.Errorf("suggestLR with a NaN at 35: steep at %d, want 19", steep)
	}
	if steep, valley := suggestLR(lrs[:16], curve[:16], 100); steep != -1 || valley != -1 {
		t.Errorf("suggestLR on 16 points of 100 = %d, %d; want -1, -1 (one point left)", steep, valley)
	}
	if steep, _ := suggestLR(lrs[:17], curve[:17], 100); steep != 10 {
		t.Errorf("suggestLR on 17 points of 100: steep at %d, want 10 (two points left)", steep)
	}
}

// firstBatchLoss is the loss of nn.New(spec, seed)'s weights on the first
// batch a run of cfg trains on, built here without the prefetcher.
func firstBatchLoss(t *testing.T, cfg Config, data *Data) float64 {
	t.Helper()
	classes := len(data.Classes)
	m, err := nn.New(cfg.Spec(classes), cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Compile(nn.Train, cfg.Batch, cfg.Loss)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	order := epochOrder(cfg.Seed, 1, data.Train.Len())
	for i := range cfg.Batch {
		s := order[i]
		data.Stats.Normalize(net.X[i*imageproc.Pixels:(i+1)*imageproc.Pixels], data.Train.Image(s))
		net.Y[i*classes+int(data.Train.Labels[s])] = 1
	}
	if err := net.Run(); err != nil {
		t.Fatal(err)
	}
	return net.Loss()
}

// TestFindLRSoftmaxRegression runs the whole test on real data: softmax
// regression trained with plain sgd, whose loss explodes once the rate
// passes about 1. The test starts from the weights and the first batch a
// run of the same config starts from, and gives the same curve twice.
func TestFindLRSoftmaxRegression(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Hidden = nil
	cfg.Optimizer = optim.SGD
	var calls []int
	opts := DefaultLRFindOptions()
	opts.Progress = func(i, n int) {
		if n != 100 || i != len(calls)+1 {
			t.Fatalf("progress(%d, %d) after %d calls", i, n, len(calls))
		}
		calls = append(calls, i)
	}
	res, err := FindLR(context.Background(), cfg, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	last := res.LRs[res.Iterations-1]
	if res.Stopped != LRExploded || last >= 10 {
		t.Errorf("stopped %s at lr %g, want exploded before 10", res.Stopped, last)
	}
	if res.Iterations != len(res.LRs) || res.Iterations != len(res.Losses) || res.Iterations != len(res.Smoothed) || len(calls) != res.Iterations {
		t.Errorf("%d iterations: %d rates, %d losses, %d smoothed, %d progress calls", res.Iterations, len(res.LRs), len(res.Losses), len(res.Smoothed), len(calls))
	}
	if res.Requested != 100 || res.Suggestion != res.LRs[res.SuggestionIndex] || res.Valley != res.LRs[res.ValleyIndex] {
		t.Errorf("requested %d, suggestion %g at %d, valley %g at %d", res.Requested, res.Suggestion, res.SuggestionIndex, res.Valley, res.ValleyIndex)
	}
	if want := firstBatchLoss(t, cfg, data); res.Losses[0] != want {
		t.Errorf("first loss %g, want %g: the loss of nn.New(spec, seed) on a run's first batch", res.Losses[0], want)
	}
	opts.Progress = nil
	again, err := FindLR(context.Background(), cfg, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, res) {
		t.Errorf("a second test gave another curve:\n%+v\nthen\n%+v", res, again)
	}
}

// TestFindLRCrossesEpochs runs more iterations than an epoch has full
// batches: the test goes on into the next epoch, skipping the partial
// batch.
func TestFindLRCrossesEpochs(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Hidden = []nn.Layer{{Width: 8, Activation: nn.ReLU}}
	cfg.Batch = 1000 // 2 full batches of the 2,700 training images
	res, err := FindLR(context.Background(), cfg, data, LRFindOptions{Start: 1e-6, End: 1e-5, Iterations: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stopped != LRReachedEnd || res.Iterations != 7 {
		t.Errorf("stopped %s after %d iterations, want reached_end after 7", res.Stopped, res.Iterations)
	}
}

func TestFindLRCancel(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Hidden = []nn.Layer{{Width: 16, Activation: nn.ReLU}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := DefaultLRFindOptions()
	opts.Progress = func(i, n int) {
		if i == 5 {
			cancel()
		}
	}
	res, err := FindLR(ctx, cfg, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stopped != LRCancelled || res.Iterations != 5 || len(res.Smoothed) != 5 {
		t.Errorf("cancelled after 5 iterations: stopped %s after %d", res.Stopped, res.Iterations)
	}
	if res.SuggestionIndex != -1 || res.Suggestion != 0 {
		t.Errorf("5 points of 100 suggest %g at %d, want none", res.Suggestion, res.SuggestionIndex)
	}
	// Counting goroutines would also count the runtime's own, which start
	// lazily (the finalizer goroutine, say): look for the prefetcher's.
	// FindLR returns once the prefetcher has closed its done channel; the
	// goroutine may still be running its last deferred calls, so it is
	// given a moment to return. One that is stuck never does.
	if n := prefetchersAfter(10 * time.Second); n > 0 {
		t.Errorf("%d prefetcher goroutines still running after FindLR returned", n)
	}
	res, err = FindLR(ctx, cfg, data, opts) // already cancelled
	if err != nil || res.Stopped != LRCancelled || res.Iterations != 0 {
		t.Errorf("FindLR on a cancelled context = %d iterations, %s, %v; want 0, cancelled, nil", res.Iterations, res.Stopped, err)
	}
}

func TestLRFindOptionsValidate(t *testing.T) {
	for _, tt := range []struct {
		opts LRFindOptions
		want string
	}{
		{LRFindOptions{Start: 0, End: 10, Iterations: 100}, "start learning rate must be > 0 (got 0)"},
		{LRFindOptions{Start: -1, End: 10, Iterations: 100}, "start learning rate must be > 0 (got -1)"},
		{LRFindOptions{Start: math.NaN(), End: 10, Iterations: 100}, "start learning rate must be > 0"},
		{LRFindOptions{Start: 1, End: 1, Iterations: 100}, "end learning rate must be greater than the start learning rate, 1 (got 1)"},
		{LRFindOptions{Start: 1, End: 0.1, Iterations: 100}, "end learning rate must be greater"},
		{LRFindOptions{Start: 1, End: 1000, Iterations: 100}, "end learning rate must be ≤ 100 (got 1000)"},
		{LRFindOptions{Start: 1e-7, End: 10, Iterations: 1}, "iterations must be between 2 and 10000 (got 1)"},
		{LRFindOptions{Start: 1e-7, End: 10, Iterations: 10001}, "iterations must be between 2 and 10000 (got 10001)"},
		{DefaultLRFindOptions(), ""},
	} {
		err := tt.opts.Validate()
		if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.opts, err, tt.want)
		}
	}
	cfg := DefaultConfig()
	cfg.Batch = 5000
	if _, err := FindLR(context.Background(), cfg, smallMNIST(t), DefaultLRFindOptions()); err == nil || !strings.Contains(err.Error(), "batch size must be at most") {
		t.Errorf("FindLR with a batch larger than the training set = %v", err)
	}
}

// prefetchersAfter waits up to limit for the prefetchers' goroutines to
// return and counts those still there.
func prefetchersAfter(limit time.Duration) int {
	deadline := time.Now().Add(limit)
	for {
		n := goroutinesRunning("training.(*prefetcher).run")
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(time.Millisecond)
	}
}

// goroutinesRunning counts the goroutines whose stacks include fn.
func goroutinesRunning(fn string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), fn+"(")
		}
		buf = make([]byte, 2*len(buf))
	}
}
