package training

import (
	"fmt"
	"time"
)

// Event is one report from a run: *BatchEvent, *ChangeEvent, *EpochEvent,
// *DoneEvent or *ErrorEvent. Events carry copies: nothing in them changes after they are
// sent, and nothing in them aliases the network's live buffers.
type Event interface{ progress() Progress }

// Progress says how far a run has come.
type Progress struct {
	Epoch, Epochs  int // the current epoch, from 1
	Batch, Batches int // the batch within the epoch, from 1
	Step, Steps    int // the batch counted over the whole run, from 1
	// Samples is the number of training samples processed so far.
	Samples int
	// Elapsed is the run's wall time, not counting pauses.
	Elapsed time.Duration
	// SamplesPerSec is the training throughput: samples over the time
	// spent in training steps (evaluation excluded).
	SamplesPerSec float64
	// ETA is the expected time to the end of the run, from the measured
	// time per step (evaluation included).
	ETA time.Duration
}

// Fraction is the part of the run done, from 0 to 1.
func (p Progress) Fraction() float64 {
	if p.Steps == 0 {
		return 0
	}
	return float64(p.Step) / float64(p.Steps)
}

func (p Progress) progress() Progress { return p }

// BatchEvent reports one training step.
type BatchEvent struct {
	Progress
	// Loss and Accuracy are the batch's, before the step's update.
	Loss, Accuracy float64
	// LR is the learning rate the step's update used, and Momentum its
	// momentum (Adam's β₁ for adam and adamw; 0 for the optimizers
	// without one).
	LR, Momentum float64
}

// EpochEvent reports the end of an epoch.
type EpochEvent struct {
	Progress
	Summary EpochSummary
	// Model is a copy of the weights at the epoch's end when the run was
	// started with Checkpoints (and they are finite), else nil.
	Model *Model
}

// EpochSummary is one line of a run's per-epoch table.
type EpochSummary struct {
	Epoch int
	// TrainLoss and TrainAcc average the epoch's batches (the weights
	// change during the epoch), weighted by batch size.
	TrainLoss, TrainAcc float64
	// Val is the validation set's evaluation at the end of the epoch;
	// Val.N is 0 when there is no validation split.
	Val Evaluation
	// Duration is the epoch's wall time, its evaluation included.
	Duration time.Duration
	// SamplesPerSec is the epoch's training throughput.
	SamplesPerSec float64
	// LR is the learning rate of the epoch's last update (see BatchEvent
	// for every step's).
	LR float64
	// Changes are the live changes made during the epoch.
	Changes []Change
	// Best is true when the epoch is the best so far on the validation
	// set (by the early-stopping metric, else the loss).
	Best bool
}

// ChangeEvent reports a change of a setting during the run (Run.Change,
// or one of the config's recorded changes made again), made just before
// the update of step Progress.Step.
type ChangeEvent struct {
	Progress
	Change Change
}

// DoneEvent ends a run that finished or was stopped.
type DoneEvent struct {
	Progress
	// Stopped is true when the run was cancelled before its last epoch.
	Stopped bool
	// EarlyStopped is true when early stopping ended the run.
	EarlyStopped bool
	// Test is Model's evaluation on the test set.
	Test Evaluation
	// History holds every completed epoch's summary.
	History []EpochSummary
	// Model is the trained model: the best epoch's weights (Best) unless
	// the config keeps the last, or there is no best epoch (no
	// validation split, or no epoch finished).
	Model *Model
	// Last holds the weights at the end; Best the best epoch's, or nil.
	Last, Best *Model
	// BestEpoch is the best epoch (0 when none).
	BestEpoch int
	// Warning says, with what to try, that the run ended without learning
	// (its test accuracy is at chance or its predictions collapsed onto
	// one class; see the function Warning); it is empty when the run is
	// fine.
	Warning string
}

// ErrorEvent ends a run that failed, for instance by diverging.
type ErrorEvent struct {
	Progress
	Err error
	// History holds every completed epoch's summary.
	History []EpochSummary
	// Model holds the last good weights, or is nil when there are none.
	Model *Model
	// Best holds the best epoch's weights and BestEpoch says which (nil
	// and 0 when none).
	Best      *Model
	BestEpoch int
}

// Divergence is what made a run diverge.
type Divergence int

const (
	// LossNotFinite: a batch loss became NaN or infinite.
	LossNotFinite Divergence = iota
	// LossExploded: a batch loss passed ExplosionFactor times the
	// reference or ChanceFactor times the chance loss, and the weights
	// passed MaxWeight.
	LossExploded
	// WeightsExploded: a weight became NaN or infinite or passed
	// MaxWeight while the loss looked sane.
	WeightsExploded
)

// DivergedError reports a run that blew up; see ExplosionFactor for the
// rules. The run's model then holds the last weights known to be sane.
type DivergedError struct {
	Cause       Divergence
	Epoch, Step int
	// Loss is the batch loss at Step (NaN when none was measured).
	Loss float64
	// From is the reference loss Loss exploded from.
	From float64
	// Weight is the largest |w| (NaN when the loss became NaN first).
	Weight       float64
	LearningRate float64
	// KeptStep is the step whose weights the model keeps (0: the initial
	// weights) and KeptLoss their batch loss.
	KeptStep int
	KeptLoss float64
}

func (e *DivergedError) Error() string {
	var what string
	switch e.Cause {
	case LossNotFinite:
		what = fmt.Sprintf("the loss became %g", e.Loss)
	case LossExploded:
		what = fmt.Sprintf("the loss exploded from %.3g to %.3g and the weights to %.3g", e.From, e.Loss, e.Weight)
	default:
		what = fmt.Sprintf("the weights grew to %.3g (the limit is %.3g)", e.Weight, float64(MaxWeight))
		if !isFinite(e.Weight) {
			what = fmt.Sprintf("the weights became %g", e.Weight)
		}
	}
	kept := "its initial weights"
	if e.KeptStep > 0 {
		kept = fmt.Sprintf("the weights of step %d (batch loss %.3g)", e.KeptStep, e.KeptLoss)
	}
	return fmt.Sprintf("training diverged at epoch %d, step %d: %s. "+
		"Try a lower learning rate (now %g), e.g. %g; the model keeps %s, the last known to be sane",
		e.Epoch, e.Step, what, e.LearningRate, e.LearningRate/10, kept)
}
