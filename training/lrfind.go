package training

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/openblas"
	"github.com/neuralworkbench/workbench/training/optim"
)

// The learning-rate range test (Smith 2017, "Cyclical Learning Rates for
// Training Neural Networks", section 3.3) as fastai's Learner.lr_find runs
// it: a short training run whose learning rate grows exponentially from
// Start to End, one batch per rate, recording the loss against the rate.
//
//   - At iteration i of n (from 0) the rate is Start·(End/Start)^(i/n): the
//     last iteration's rate is just below End.
//   - The loss is smoothed as fastai's AvgSmoothLoss does: an exponentially
//     weighted average with β = 0.98, debiased by dividing by 1 − β^(i+1).
//   - The test stops when the smoothed loss passes 4 times the lowest
//     smoothed loss so far (the point that passes is kept), when it is not
//     finite, or after n iterations. fastai does not stop at a NaN loss
//     but goes on to n with every later point NaN, and then drops them
//     before suggesting: the suggestions are the same.
//   - Batches come from the prefetcher as in a real run (the same order,
//     augmentation and normalisation), continuing into further epochs when
//     one is shorter than n. The last, partial batch of each epoch is
//     skipped, as fastai's training DataLoader drops it.
//   - The suggestions look at the smoothed losses without the first n/10
//     points and the last 5, cut before the first one that is not finite.
const (
	// DefaultLRFindStart, DefaultLRFindEnd and DefaultLRFindIterations are
	// fastai's defaults.
	DefaultLRFindStart      = 1e-7
	DefaultLRFindEnd        = 10
	DefaultLRFindIterations = 100
	// MaxLRFindIterations bounds Iterations: a range test is a few hundred
	// batches at most.
	MaxLRFindIterations = 10000

	// LRFindSmoothing is β of the smoothed loss, fastai's.
	LRFindSmoothing = 0.98

	lrExplosion = 4 // stop when the smoothed loss passes this times its best
	lrTrimEnd   = 5 // points left out at the end before suggesting
)

// LRFindOptions configure FindLR. Start from DefaultLRFindOptions.
type LRFindOptions struct {
	// Start and End are the learning rates the range begins at and grows
	// towards; 0 < Start < End ≤ MaxLR.
	Start, End float64
	// Iterations is the number of batches the range spans, 2 to
	// MaxLRFindIterations.
	Iterations int
	// Progress, if not nil, is called on FindLR's goroutine after each
	// iteration with the number done and Iterations.
	Progress func(i, n int)
}

// DefaultLRFindOptions returns fastai's defaults: 100 iterations from
// 1e-7 to 10.
func DefaultLRFindOptions() LRFindOptions {
	return LRFindOptions{Start: DefaultLRFindStart, End: DefaultLRFindEnd, Iterations: DefaultLRFindIterations}
}

// Validate reports the first impossible option, naming it and what is
// allowed.
func (o LRFindOptions) Validate() error {
	switch {
	case !(o.Start > 0) || math.IsInf(o.Start, 0):
		return fmt.Errorf("start learning rate must be > 0 (got %g)", o.Start)
	case !(o.End > o.Start) || math.IsInf(o.End, 0):
		return fmt.Errorf("end learning rate must be greater than the start learning rate, %g (got %g)", o.Start, o.End)
	case o.End > MaxLR:
		return fmt.Errorf("end learning rate must be ≤ %d (got %g)", MaxLR, o.End)
	case o.Iterations < 2 || o.Iterations > MaxLRFindIterations:
		return fmt.Errorf("iterations must be between 2 and %d (got %d)", MaxLRFindIterations, o.Iterations)
	}
	return nil
}

// LRFindStop says why a range test ended.
type LRFindStop string

// Why a range test ends.
const (
	LRExploded   LRFindStop = "exploded"    // the smoothed loss passed 4× its best, or was not finite
	LRReachedEnd LRFindStop = "reached_end" // every iteration ran
	LRCancelled  LRFindStop = "cancelled"   // the context was cancelled
)

// LRFindResult is a range test's curve and what it suggests. The slices
// have one entry per iteration run.
type LRFindResult struct {
	LRs      []float64 // the learning rate of each iteration
	Losses   []float64 // the batch's loss, measured before the step
	Smoothed []float64 // the debiased exponentially weighted average of Losses
	// Iterations is the number of iterations run (len(LRs)) and
	// Requested the number asked for.
	Iterations, Requested int
	Stopped               LRFindStop
	// Suggestion is fastai's "steep" suggestion: the learning rate at
	// which the smoothed loss falls fastest against log(lr) (the rate at
	// the left end of the steepest segment). Valley is fastai's default
	// suggestion, a second opinion: the rate about halfway (a third plus
	// a sixth) along the longest run of points over which the smoothed
	// loss keeps falling. Both are 0, and their indices -1, when too few points
	// remain after trimming (a test that exploded within its first
	// Requested/10 + 6 iterations).
	Suggestion, Valley           float64
	SuggestionIndex, ValleyIndex int
}

// FindLR runs the learning-rate range test for the experiment cfg on
// data's training set and returns the curve, stopped early by an exploding
// loss or by ctx. It trains a network of its own, freshly built from cfg
// with cfg.Seed, so it starts from the very weights a run of cfg starts
// from and changes no one else's: there is nothing to restore afterwards.
// It uses cfg's optimizer, momentum and weight decay; cfg.LR and
// cfg.Epochs are ignored. Cancelling ctx ends the test promptly with the
// points so far and Stopped LRCancelled, without error. Every goroutine it
// starts has finished its work when it returns (and is returning).
func FindLR(ctx context.Context, cfg Config, data *Data, opts LRFindOptions) (*LRFindResult, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	cfg.LR = opts.Start
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	batches := data.Train.Len() / cfg.Batch // full batches an epoch
	if batches == 0 {
		return nil, fmt.Errorf("batch size must be at most the number of training samples, %d (got %d)", data.Train.Len(), cfg.Batch)
	}
	// As many epochs as fastai's lr_find fits: the test ends before the
	// prefetcher runs out.
	cfg.Epochs = opts.Iterations/batches + 1

	openblas.Load()
	classes := len(data.Classes)
	model, err := nn.New(cfg.Spec(classes), cfg.Seed)
	if err != nil {
		return nil, err
	}
	net, err := model.Compile(nn.Train, cfg.Batch, cfg.Loss)
	if err != nil {
		return nil, err
	}
	defer net.Close()
	params, sizes := make([][]float32, len(model.Params)), make([]int, len(model.Params))
	for i, p := range model.Params {
		params[i], sizes[i] = p.Data, len(p.Data)
	}
	opt, err := optim.New(cfg.optimizer(), sizes, 1)
	if err != nil {
		return nil, err
	}
	defer opt.Close()

	pctx, pcancel := context.WithCancel(ctx)
	pf := startPrefetch(pctx, cfg, data.Train, data.Stats, classes)
	defer func() {
		pcancel()
		<-pf.done
	}()

	step := func(lr float64) (float64, error) {
		for {
			b, ok := <-pf.ready
			if !ok { // cancelled: rangeTest sees ctx
				return 0, errors.New("the training batches ended before the range test")
			}
			if b.n != cfg.Batch {
				pf.free <- b
				continue
			}
			copy(net.X, b.x)
			copy(net.Y, b.y)
			pf.free <- b
			break
		}
		if err := opt.SetLearningRate(lr); err != nil {
			return 0, err
		}
		if err := net.Run(); err != nil {
			return 0, err
		}
		loss := net.Loss()
		return loss, opt.Step(params, net.Grads(), nil)
	}
	return rangeTest(ctx, opts, step)
}

// rangeTest runs the range test's schedule with step, which trains one
// batch at the learning rate it is given and returns the loss measured
// before its update, and stops the test as fastai does.
func rangeTest(ctx context.Context, opts LRFindOptions, step func(lr float64) (float64, error)) (*LRFindResult, error) {
	n := opts.Iterations
	res := &LRFindResult{Requested: n, Stopped: LRReachedEnd}
	var smooth smoother
	best := math.Inf(1)
	for i := range n {
		if ctx.Err() != nil {
			res.Stopped = LRCancelled
			break
		}
		lr := scheduledLR(opts.Start, opts.End, i, n)
		loss, err := step(lr)
		if ctx.Err() != nil {
			res.Stopped = LRCancelled
			break
		}
		if err != nil {
			return nil, err
		}
		s := smooth.add(loss)
		res.LRs = append(res.LRs, lr)
		res.Losses = append(res.Losses, loss)
		res.Smoothed = append(res.Smoothed, s)
		if opts.Progress != nil {
			opts.Progress(i+1, n)
		}
		best = min(best, s)
		if !isFinite(s) || s > lrExplosion*best {
			res.Stopped = LRExploded
			break
		}
	}
	res.Iterations = len(res.LRs)
	res.SuggestionIndex, res.ValleyIndex = suggestLR(res.LRs, res.Smoothed, n)
	if res.SuggestionIndex >= 0 {
		res.Suggestion, res.Valley = res.LRs[res.SuggestionIndex], res.LRs[res.ValleyIndex]
	}
	return res, nil
}

// scheduledLR is fastai's exponential schedule: the rate at iteration i
// (from 0) of n growing from start towards end.
func scheduledLR(start, end float64, i, n int) float64 {
	return start * math.Pow(end/start, float64(i)/float64(n))
}

// smoother is fastai's AvgSmoothLoss: an exponentially weighted average of
// the losses with β = 0.98, starting from 0 and debiased.
type smoother struct {
	avg float64
	n   int
}

// add takes in the next loss and returns the debiased average.
func (s *smoother) add(loss float64) float64 {
	s.n++
	s.avg = LRFindSmoothing*s.avg + (1-LRFindSmoothing)*loss
	return s.avg / (1 - math.Pow(LRFindSmoothing, float64(s.n)))
}

// suggestLR returns the indices of fastai's steep and valley suggestions
// on the smoothed curve of a test asked to run requested iterations, or
// -1, -1 when fewer than two points remain once the first requested/10
// and the last 5 are left out and the curve is cut before its first
// value that is not finite.
func suggestLR(lrs, smoothed []float64, requested int) (steep, valley int) {
	lo, hi := requested/10, len(smoothed)-lrTrimEnd
	for i := lo; i < hi; i++ {
		if !isFinite(smoothed[i]) {
			hi = i
		}
	}
	if hi-lo < 2 {
		return -1, -1
	}
	return lo + steepest(lrs[lo:hi], smoothed[lo:hi]), lo + valleyOf(smoothed[lo:hi])
}

// steepest returns the index i at which the loss falls fastest against
// log(lr) between point i and point i+1 (the first such, on a tie).
func steepest(lrs, losses []float64) int {
	best, at := math.Inf(1), 0
	for i := 0; i+1 < len(losses); i++ {
		slope := (losses[i+1] - losses[i]) / (math.Log(lrs[i+1]) - math.Log(lrs[i]))
		if slope < best {
			best, at = slope, i
		}
	}
	return at
}

// valleyOf returns fastai's valley point: it finds the longest strictly
// decreasing subsequence of losses (the first that ends earliest, on a
// tie), takes the stretch from just before its first point to its last,
// and returns the index a third and then a sixth of the stretch's length
// into it. As in fastai, a stretch that starts at the first point begins
// one before it (an index of -1 then wraps to the last point), and a
// curve whose first point is never beaten gives 0.
func valleyOf(losses []float64) int {
	n := len(losses)
	run := make([]int, n) // the longest decreasing subsequence ending at i
	end := 0
	for i := range losses {
		run[i] = 1
		for j := range i {
			if losses[i] < losses[j] {
				run[i] = max(run[i], run[j]+1)
			}
		}
		if run[i] > run[end] {
			end = i
		}
	}
	start := 0 // when no point after the first beats it
	if end > 0 {
		start = end - run[end]
	}
	length := end - start
	idx := start + length/3 + length/6
	if idx < 0 {
		idx += n
	}
	return idx
}
