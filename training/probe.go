package training

import (
	"context"
	"errors"
	"time"
)

// Estimate is what a short timed probe of an experiment predicts for its
// run on this machine.
type Estimate struct {
	// SamplesPerSec is the training throughput measured over the probe's
	// steps after the first (which pays for compiling and warming up).
	SamplesPerSec float64
	// EpochTime is the training set over that throughput: the time an
	// epoch's steps take; evaluation is extra.
	EpochTime time.Duration
	// Steps is the number of timed steps.
	Steps int
}

// Probe budgets: the probe times steps until it has measured probeTime
// or probeSteps steps, whichever comes first.
const (
	ProbeTime  = 400 * time.Millisecond
	probeSteps = 200
)

// Probe trains cfg on data for a moment, through the real run loop
// (prefetching, augmentation, the step and the optimizer's update), and
// estimates an epoch's time from it. It times steps after the first until
// it has measured budget (or maxSteps steps, or the whole first epoch),
// stops the run and waits for it to end. budget ≤ 0 means ProbeTime,
// maxSteps ≤ 0 a default of 200. Cancelling ctx stops the probe with
// ctx's error.
func Probe(ctx context.Context, cfg Config, data *Data, budget time.Duration, maxSteps int) (Estimate, error) {
	if budget <= 0 {
		budget = ProbeTime
	}
	if maxSteps <= 0 {
		maxSteps = probeSteps
	}
	cfg.Epochs, cfg.Changes, cfg.EarlyStop = 1, nil, EarlyStop{}
	run, err := Start(ctx, cfg, data)
	if err != nil {
		return Estimate{}, err
	}
	defer func() {
		run.Stop()
		for range run.Events() { // drain, so that the run's goroutine ends
		}
		run.Wait()
	}()
	var first, last Progress
	for ev := range run.Events() {
		switch e := ev.(type) {
		case *BatchEvent:
			if first.Step == 0 {
				first = e.Progress
				continue
			}
			last = e.Progress
			if last.Elapsed-first.Elapsed >= budget || last.Step-first.Step >= maxSteps || last.Batch == last.Batches {
				return estimate(first, last, data.Train.Len())
			}
		case *ErrorEvent:
			if last.Step > first.Step { // a run that diverges still measured its speed
				return estimate(first, last, data.Train.Len())
			}
			return Estimate{}, e.Err
		}
	}
	if err := ctx.Err(); err != nil {
		return Estimate{}, err
	}
	if last.Step > first.Step {
		return estimate(first, last, data.Train.Len())
	}
	return Estimate{}, errors.New("the probe's run ended before it could time two steps: the training set holds a single batch")
}

func estimate(first, last Progress, samples int) (Estimate, error) {
	seconds := (last.Elapsed - first.Elapsed).Seconds()
	if seconds <= 0 {
		return Estimate{}, errors.New("the probe's clock did not advance")
	}
	rate := float64(last.Samples-first.Samples) / seconds
	return Estimate{
		SamplesPerSec: rate,
		EpochTime:     time.Duration(float64(samples) / rate * float64(time.Second)),
		Steps:         last.Step - first.Step,
	}, nil
}
