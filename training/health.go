package training

import (
	"fmt"
	"math"

	"github.com/neuralworkbench/workbench/training/nn"
)

// A run is stopped as diverged, with a *DivergedError, when
//
//   - a batch loss is NaN or infinite;
//   - a weight becomes NaN or infinite or larger in magnitude than
//     MaxWeight (checked every checkEvery steps, at the end of the run,
//     and at every step whose loss explodes);
//   - its loss explodes and its weights confirm it: a batch loss above
//     ExplosionFactor times the reference (the first batch's loss during
//     the first epoch, the first epoch's mean training loss afterwards)
//     or above ChanceFactor times the loss of guessing (ln C for
//     cross-entropy over C classes), with weights beyond MaxWeight.
//
// A loss spike alone does not stop a run: adaptive optimizers at high
// learning rates move every weight by about the learning rate on their
// first step, and the default network's loss then jumps from 1.5 to 500
// (adam at 0.1, rmsprop at 0.01) or 8,700 (rmsprop at 0.03) before they
// recover to 89–95% test accuracy with weights that never pass 4. Plain
// sgd at learning rate 1 or more instead grows its weights past 1e5
// within 7 steps, as its loss climbs to 1e5 and more.
//
// MSE on the softmax is at most 2/C (every sample wrong with certainty),
// below ChanceFactor times its loss of guessing, (C−1)/C², and below
// ExplosionFactor times any loss it starts from: its loss cannot explode,
// so MSE runs are guarded by their weights, and a run that collapses
// onto one class (as MSE does at learning rates of 10 and more) ends with
// DoneEvent.Warning.
//
// The model a diverged run keeps is the last known sane one: every
// checkEvery steps the weights whose batch loss was just measured are
// copied aside when they are finite, within MaxWeight, and their loss is
// no worse than the untrained network's first batch loss. Keeping only
// the weights before the latest update is not enough: weights can grow
// over many steps before a check or the loss shows it. The initial
// weights are the snapshot until a later one qualifies.
const (
	ExplosionFactor = 1000
	ChanceFactor    = 100
	// MaxWeight bounds |w|: the default network's weights stay below 3
	// in training (3 epochs of sgd up to learning rate 0.3, adam up to
	// 0.3, rmsprop, momentum), while those of runs that blow up pass 1e4
	// within a few steps and go on to 1e11 or 1e28.
	MaxWeight = 1e4
)

// checkEvery is the number of steps between checks of the weights. A
// check reads every weight once and copies them when they qualify as the
// new snapshot, about a tenth of a step's time: every 16 steps it costs
// under 1% of the throughput.
const checkEvery = 16

// ChanceLoss is the loss of a network that gives each of classes classes
// the same probability: ln C for cross-entropy, (C−1)/C² for MSE (the
// mean over the C entries of each sample).
func ChanceLoss(loss nn.Loss, classes int) float64 {
	c := float64(classes)
	if loss == nn.MSE {
		return (c - 1) / (c * c)
	}
	return math.Log(c)
}

// guard watches a run's losses and weights for divergence and keeps the
// last weights known to be sane. It belongs to the run's goroutine.
type guard struct {
	bound float64 // ChanceFactor × the chance loss
	first float64 // the first batch's loss; NaN before it
	ref   float64 // the loss an explosion is measured from

	kept     [][]float32 // the last weights known sane
	keptStep int         // the step whose loss vouched for kept; 0 for the initial weights
	keptLoss float64
	spare    [][]float32 // the next snapshot, being checked
}

func newGuard(lossKind nn.Loss, classes int, init *nn.Model) *guard {
	g := &guard{bound: ChanceFactor * ChanceLoss(lossKind, classes), first: math.NaN(), ref: math.NaN()}
	for _, p := range init.Params {
		g.kept = append(g.kept, append([]float32(nil), p.Data...))
		g.spare = append(g.spare, make([]float32, len(p.Data)))
	}
	return g
}

// step checks a batch loss and the weights it was measured on, params,
// and keeps them as the snapshot when it is their turn and they are sane.
// The first call sets the references.
func (g *guard) step(params [][]float32, epoch, step int, loss float64) *DivergedError {
	if math.IsNaN(g.first) && isFinite(loss) {
		g.first, g.ref, g.keptLoss = loss, loss, loss
	}
	if !isFinite(loss) {
		return g.diverged(LossNotFinite, epoch, step, loss, math.NaN())
	}
	exploded := loss > ExplosionFactor*g.ref || loss > g.bound
	if !exploded && step%checkEvery != 0 {
		return nil
	}
	largest := g.scan(params)
	switch {
	case !(largest <= MaxWeight) && exploded:
		return g.diverged(LossExploded, epoch, step, loss, largest)
	case !(largest <= MaxWeight): // NaN too
		return g.diverged(WeightsExploded, epoch, step, loss, largest)
	case !exploded && loss <= g.first:
		g.kept, g.spare = g.spare, g.kept
		g.keptStep, g.keptLoss = step, loss
	}
	return nil
}

// final checks the weights at the end of the run.
func (g *guard) final(params [][]float32, epoch, step int) *DivergedError {
	if largest := g.scan(params); !(largest <= MaxWeight) {
		return g.diverged(WeightsExploded, epoch, step, math.NaN(), largest)
	}
	return nil
}

// epochEnded makes the first epoch's mean training loss the reference.
func (g *guard) epochEnded(epoch int, meanLoss float64) {
	if epoch == 1 && isFinite(meanLoss) {
		g.ref = meanLoss
	}
}

// scan copies params into spare and returns their largest |w|, NaN if
// any is NaN.
func (g *guard) scan(params [][]float32) float64 {
	largest := 0.0
	for i, p := range params {
		largest = max(largest, copyMaxAbs(g.spare[i], p))
	}
	return largest
}

// copyMaxAbs copies src into dst and returns the largest |v| in src, NaN
// if any is NaN.
func copyMaxAbs(dst, src []float32) float64 {
	copy(dst, src)
	var hi, lo float32
	for _, v := range src {
		hi, lo = max(hi, v), min(lo, v) // NaN wins
	}
	return max(float64(hi), -float64(lo))
}

// restore puts the snapshot's weights into params.
func (g *guard) restore(params [][]float32) {
	for i, p := range params {
		copy(p, g.kept[i])
	}
}

func (g *guard) diverged(cause Divergence, epoch, step int, loss, weight float64) *DivergedError {
	return &DivergedError{Cause: cause, Epoch: epoch, Step: step, Loss: loss, From: g.ref, Weight: weight,
		KeptStep: g.keptStep, KeptLoss: g.keptLoss}
}

// Thresholds of Warning.
const (
	// A test accuracy less than a quarter of the way from chance to
	// perfect counts as chance: below 50% for 3 balanced classes (1.5
	// times chance), 62.5% for 2, 32.5% for 10.
	chanceMargin = 0.25
	// A model that gives one class at least this share of its test
	// predictions, while the class is less than collapseClassShare of the
	// test set, has collapsed onto it.
	collapseShare      = 0.95
	collapseClassShare = 0.6
)

// Warning reports a run that ended without learning, judged by its test
// evaluation, with what to try; "" when the run is fine or there is no
// test set. A run fails to learn when
//
//   - its predictions collapse: at least 95% of the test images are given
//     one class that makes up less than 60% of the test set; or
//   - its accuracy is at chance: less than a quarter of the way from the
//     chance level to 100%, the chance level being the larger of 1/C and
//     the largest class's share of the test set (what always answering
//     that class scores).
//
// The suggested fix is a learning rate 10 times lower, or 10 times
// higher when it is at most 1e-4 (too low to learn in a few epochs).
func Warning(test Evaluation, classes []string, cfg Config) string {
	if test.N == 0 || len(test.Confusion) != len(classes) {
		return ""
	}
	predicted := make([]int, len(classes)) // column sums
	largest := 0                           // the largest class's size
	for _, row := range test.Confusion {
		total := 0
		for j, n := range row {
			predicted[j] += n
			total += n
		}
		largest = max(largest, total)
	}
	top := 0
	for j, n := range predicted {
		if n > predicted[top] {
			top = j
		}
	}
	n := float64(test.N)
	chance := max(1/float64(len(classes)), float64(largest)/n)
	var what string
	switch share := float64(predicted[top]) / n; {
	case share >= collapseShare && classShare(test.Confusion[top], n) < collapseClassShare:
		what = fmt.Sprintf("the network predicts %s for %.0f%% of the test images (test accuracy %.1f%%)",
			classes[top], 100*share, 100*test.Accuracy)
	case test.Accuracy < chance+chanceMargin*(1-chance):
		what = fmt.Sprintf("test accuracy %.1f%% is close to chance (%.1f%%, always answering the most common class)",
			100*test.Accuracy, 100*chance)
	default:
		return ""
	}
	fix := fmt.Sprintf("try a lower learning rate (now %g), e.g. %g", cfg.LR, cfg.LR/10)
	if cfg.LR <= 1e-4 {
		fix = fmt.Sprintf("try a higher learning rate (now %g), e.g. %g, or more epochs", cfg.LR, cfg.LR*10)
	}
	return what + ": the run failed to learn; " + fix
}

// classShare is the share of n samples in a confusion matrix row.
func classShare(row []int, n float64) float64 {
	total := 0
	for _, c := range row {
		total += c
	}
	return float64(total) / n
}
