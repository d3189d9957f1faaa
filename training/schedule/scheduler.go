package schedule

import (
	"fmt"
	"math"
	"sort"
)

// PyTorch's defaults, which the schedules keep.
const (
	// OneCycleLR: pct_start, div_factor, final_div_factor, base_momentum
	// and max_momentum (anneal_strategy 'cos', three_phase False).
	oneCyclePctStart    = 0.3
	oneCycleDiv         = 25
	oneCycleFinalDiv    = 1e4
	oneCycleLowMomentum = 0.85
	oneCycleMomentum    = 0.95
	// ReduceLROnPlateau: threshold (mode 'rel') and eps; cooldown is 0
	// and min_lr 0.
	plateauThreshold = 1e-4
	plateauEps       = 1e-8
)

// Scheduler gives the learning rate in force at each step of one run, and
// for onecycle the momentum. It follows PyTorch's schedulers as a training
// loop steps them: step and plateau change the rate between epochs,
// cosine and onecycle between batches.
//
// PyTorch's equivalents, with T = epochs × stepsPerEpoch steps and
// W = Warmup × stepsPerEpoch:
//
//	constant  no scheduler
//	step      StepLR(step_size=N, gamma=GAMMA), step() after every epoch
//	cosine    CosineAnnealingLR(T_max=T, eta_min=MIN), step() after every batch; with a warmup,
//	          SequentialLR([LinearLR(start_factor=1/(W+1), total_iters=W),
//	          CosineAnnealingLR(T_max=T−W, eta_min=MIN)], milestones=[W]): the rate climbs
//	          base·1/(W+1), base·2/(W+1), … base·W/(W+1), then the cosine starts at base
//	onecycle  OneCycleLR(max_lr=MAXLR, epochs, steps_per_epoch) with its defaults, step() after every batch
//	plateau   ReduceLROnPlateau(mode='min', factor=GAMMA, patience=P), step(val_loss) after every epoch
//
// A Scheduler is not safe for concurrent use.
type Scheduler struct {
	s        Schedule
	base     float64
	perEpoch int
	epochs   int
	steps    int
	warmup   int // cosine's warmup, in steps
	// epochLR is step's and plateau's rate in each epoch; plateau's holds
	// the epochs decided so far.
	epochLR []float64
	ended   int // epochs ended (EpochEnd calls)
	// best and bad are plateau's best validation loss and the number of
	// epochs without improvement since it or the last reduction
	// (num_bad_epochs).
	best float64
	bad  int
	// changes are the live changes, in step order.
	changes []change
}

// change is a live change: from step on, the rate is lr times the
// schedule's own rate relative to its rate at step (at).
type change struct {
	step   int
	lr, at float64
}

// Start begins a run of epochs epochs of stepsPerEpoch batches each from
// the base learning rate, after checking the schedule as Validate does.
func (s Schedule) Start(baseLR float64, stepsPerEpoch, epochs int) (*Scheduler, error) {
	if err := s.Validate(baseLR, epochs); err != nil {
		return nil, err
	}
	if stepsPerEpoch < 1 {
		return nil, fmt.Errorf("a schedule needs at least 1 step per epoch (got %d)", stepsPerEpoch)
	}
	if stepsPerEpoch > math.MaxInt32/epochs {
		return nil, fmt.Errorf("a run of %d epochs of %d steps is too long to schedule (at most %d steps)", epochs, stepsPerEpoch, math.MaxInt32)
	}
	if s.Kind == "" {
		s.Kind = Constant
	}
	r := &Scheduler{s: s, base: baseLR, perEpoch: stepsPerEpoch, epochs: epochs, steps: stepsPerEpoch * epochs, best: math.Inf(1)}
	switch s.Kind {
	case Step:
		// StepLR's chainable form, as its step() computes it: the rate in
		// force times gamma at every Nth epoch.
		r.epochLR = make([]float64, epochs)
		lr := baseLR
		for e := range r.epochLR {
			if e > 0 && e%s.Every == 0 {
				lr *= s.Gamma
			}
			r.epochLR[e] = lr
		}
	case Plateau:
		r.epochLR = []float64{baseLR}
	case Cosine:
		r.warmup = s.Warmup * stepsPerEpoch
	case OneCycle:
		if r.s.MaxLR == 0 {
			r.s.MaxLR = baseLR
		}
	}
	return r, nil
}

// Preview is the rate at every step of a run, for a plot of the schedule
// before it runs. Plateau's depends on the validation losses to come, so
// it previews as constant. A plot may pass fewer steps per epoch than the
// run will have: the shape is the same.
func (s Schedule) Preview(baseLR float64, stepsPerEpoch, epochs int) ([]float64, error) {
	r, err := s.Start(baseLR, stepsPerEpoch, epochs)
	if err != nil {
		return nil, err
	}
	out := make([]float64, r.steps)
	for i := range out {
		out[i] = r.LR(i)
	}
	return out, nil
}

// Schedule returns the schedule being followed (onecycle's MaxLR filled in).
func (r *Scheduler) Schedule() Schedule { return r.s }

// Steps is the number of steps (batches) in the run.
func (r *Scheduler) Steps() int { return r.steps }

// LR is the learning rate in force for step (a batch, counted from 0
// across epochs): the schedule's own, scaled by the live changes made at
// or before step. Steps outside the run are taken as its first or last.
// For plateau, epochs whose EpochEnd has not yet been called keep the
// rate in force now.
func (r *Scheduler) LR(step int) float64 {
	step = r.clamp(step)
	own := r.own(step)
	i := sort.Search(len(r.changes), func(i int) bool { return r.changes[i].step > step })
	if i == 0 {
		return own
	}
	c := r.changes[i-1]
	return c.lr * (own / c.at)
}

// Momentum is the momentum in force for step, and whether the schedule
// sets one: onecycle cycles it inversely to the rate, from 0.95 down to
// 0.85 at the peak and back to 0.95, as OneCycleLR's cycle_momentum does
// (SGD's momentum, or Adam's β₁). The other schedules leave momentum
// alone.
//
// It is for the optimizers whose momentum is a setting (momentum and
// nesterov, and Adam's β₁ where the optimizer lets it change). PyTorch
// would also give plain SGD and RMSprop a momentum of 0.95, turning them
// into other optimizers, and refuses Adagrad.
func (r *Scheduler) Momentum(step int) (float64, bool) {
	if r.s.Kind != OneCycle {
		return 0, false
	}
	_, m := r.oneCycle(r.clamp(step))
	return m, true
}

// EpochEnd tells the scheduler an epoch has ended with the given
// validation loss, which plateau compares with the best so far (the other
// schedules ignore it). It reports whether the rate was reduced for the
// next epoch. Call it before the next epoch's first LR; calls after the
// run's last epoch do nothing.
func (r *Scheduler) EpochEnd(valLoss float64) (reduced bool) {
	if r.ended >= r.epochs {
		return false
	}
	r.ended++
	if r.s.Kind != Plateau {
		return false
	}
	lr := r.epochLR[len(r.epochLR)-1]
	// A NaN loss is never better: it counts as a bad epoch, as in PyTorch.
	// The threshold is a variable so that 1 − threshold is rounded as
	// PyTorch rounds it, not computed exactly as a constant.
	threshold := float64(plateauThreshold)
	if valLoss < r.best*(1-threshold) {
		r.best, r.bad = valLoss, 0
	} else {
		r.bad++
	}
	if r.bad > r.s.Patience {
		r.bad = 0
		// PyTorch compares the rate in force, live changes included.
		old := r.LR(r.ended * r.perEpoch)
		if old-float64(old*r.s.Gamma) > plateauEps {
			lr *= r.s.Gamma
			reduced = true
		}
	}
	r.epochLR = append(r.epochLR, lr)
	return reduced
}

// SetLR makes a live change: from step on the rate is lr, and the rest of
// the schedule is scaled by the same factor (lr over the schedule's rate at
// step), so that its shape is kept. Changes come in step order; a second
// change at the same step replaces the first. A change must leave every
// later rate ≤ 100, the optimizers' limit. Make a change just before the
// step it applies to (after the previous epoch's EpochEnd), as a replay of
// the recorded change will, so that the two give the same rates.
//
// For step and plateau this is what PyTorch does when param_group["lr"]
// is set mid-run (their step() multiplies the rate in force), and for
// cosine when MIN is 0 (the tests check these against PyTorch); with MIN > 0 PyTorch would scale only the part
// above MIN, and OneCycleLR would overwrite the change at its next step.
func (r *Scheduler) SetLR(step int, lr float64) error {
	if err := r.CheckLR(step, lr); err != nil {
		return err
	}
	n := len(r.changes)
	c := change{step: step, lr: lr, at: r.own(step)}
	if n > 0 && r.changes[n-1].step == step {
		r.changes[n-1] = c
	} else {
		r.changes = append(r.changes, c)
	}
	return nil
}

// CheckLR reports whether SetLR(step, lr) would be refused, and why,
// without making the change.
func (r *Scheduler) CheckLR(step int, lr float64) error {
	if !(lr > 0 && lr <= maxLR) {
		return fmt.Errorf("learning rate must be > 0 and ≤ %d (got %g)", maxLR, lr)
	}
	if step < 0 || step >= r.steps {
		return fmt.Errorf("step %d is outside the run (steps 0 to %d)", step, r.steps-1)
	}
	if n := len(r.changes); n > 0 && step < r.changes[n-1].step {
		return fmt.Errorf("a change at step %d cannot follow one at step %d", step, r.changes[n-1].step)
	}
	if peak := lr * (r.peakFrom(step) / r.own(step)); peak > maxLR {
		return fmt.Errorf("learning rate %g at step %d would take the rest of the schedule to %.3g (allowed: ≤ %d)", lr, step, peak, maxLR)
	}
	return nil
}

func (r *Scheduler) clamp(step int) int { return min(max(step, 0), r.steps-1) }

// own is the schedule's own rate at step, without live changes.
func (r *Scheduler) own(step int) float64 {
	switch r.s.Kind {
	case Step, Plateau:
		return r.epochLR[min(step/r.perEpoch, len(r.epochLR)-1)]
	case Cosine:
		return r.cosine(step)
	case OneCycle:
		lr, _ := r.oneCycle(step)
		return lr
	}
	return r.base
}

// peakFrom is the schedule's highest own rate from step to the run's end,
// which later EpochEnd calls can only lower.
func (r *Scheduler) peakFrom(step int) float64 {
	peak := r.own(step)
	var candidates []int
	switch r.s.Kind {
	case Cosine:
		candidates = []int{r.warmup} // where the cosine starts
	case OneCycle:
		top := int(math.Floor(r.oneCycleTop())) // the peak lies between top and top+1
		candidates = []int{top, top + 1}
	}
	for _, c := range candidates {
		if c > step && c < r.steps {
			peak = max(peak, r.own(c))
		}
	}
	return peak
}

// cosine is CosineAnnealingLR's closed form after a linear warmup.
// PyTorch steps a recursive form whose rounding drifts from it by about
// 1e-16 of the rate per step.
func (r *Scheduler) cosine(step int) float64 {
	if step < r.warmup {
		return r.base * float64(step+1) / float64(r.warmup+1)
	}
	t, tMax := float64(step-r.warmup), float64(r.steps-r.warmup)
	lo := r.s.Min
	return lo + (r.base-lo)*(1+math.Cos(math.Pi*t/tMax))/2
}

// oneCycleTop is the step at which OneCycleLR's first phase ends
// (float(pct_start·total_steps) − 1), where the rate peaks.
func (r *Scheduler) oneCycleTop() float64 {
	return float64(oneCyclePctStart*float64(r.steps)) - 1
}

// oneCycle is OneCycleLR's rate and momentum at step, computed as its
// get_lr does, operation for operation.
func (r *Scheduler) oneCycle(step int) (lr, momentum float64) {
	peak := r.s.MaxLR
	initial := peak / oneCycleDiv
	final := initial / oneCycleFinalDiv
	top, last, t := r.oneCycleTop(), float64(r.steps-1), float64(step)
	if t <= top {
		pct := t / top
		return anneal(initial, peak, pct), anneal(oneCycleMomentum, oneCycleLowMomentum, pct)
	}
	pct := (t - top) / (last - top)
	return anneal(peak, final, pct), anneal(oneCycleLowMomentum, oneCycleMomentum, pct)
}

// anneal is OneCycleLR's _annealing_cos: from start to end as pct goes
// from 0 to 1. The conversions keep the compiler from fusing a multiply
// and an add, which would round differently from PyTorch.
func anneal(start, end, pct float64) float64 {
	cosOut := math.Cos(math.Pi*pct) + 1
	return end + float64((start-end)/2*cosOut)
}
