package training

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/openblas"
	"github.com/neuralworkbench/workbench/training/optim"
	"github.com/neuralworkbench/workbench/training/schedule"
)

// Run is a training run in progress. Its consumer must read Events until
// the channel is closed: the last event, a *DoneEvent or an *ErrorEvent,
// is always delivered and the run waits for it to be read, so a consumer
// that stops reading early keeps the run (and Wait) from ending. Progress
// events (*BatchEvent, *EpochEvent) may be dropped once the run is
// stopped and the consumer has fallen more than the buffer behind.
type Run struct {
	events chan Event
	done   chan struct{}
	cancel context.CancelFunc

	mu     sync.Mutex    // guards paused, resume, parked, pending, next and sched's changes
	paused bool          // the loop waits at the next batch boundary
	resume chan struct{} // closed by Resume
	parked chan struct{} // closed when the loop has stopped for a pause
	// pending holds the live changes (Change) not yet applied; next is
	// the step they will apply to.
	pending []Change
	next    int
	ended   bool // the loop has trained its last step

	cfg   Config
	data  *Data
	model *nn.Model
	init  *nn.Model // the weights before the first step
	train *nn.Net
	opt   *optim.Optimizer
	sched *schedule.Scheduler // the learning rate in force at each step
	guard *guard
	// replay holds the config's recorded changes not yet made again; the
	// changes made (replayed or live) go to cfg.Changes.
	replay []Change
	// best follows the best epoch; bestNet holds its weights.
	best    tracker
	bestNet *nn.Model
	// checkpoints: epoch events carry a copy of the weights (Checkpoints)
	checkpoints bool
	history     []EpochSummary
	// pf is the batch prefetcher; the loop joins its goroutine before
	// closing done.
	pf *prefetcher
}

// eventBuffer lets the trainer run ahead of a consumer that reads in
// bursts, as the GUI does between frames.
const eventBuffer = 1024

// Start validates cfg, builds the network and starts training it on data
// in a new goroutine. Cancelling ctx (or calling Stop) stops the run at
// the next batch boundary; it then evaluates the model on the test set
// and ends with a DoneEvent whose Stopped field is true.
func Start(ctx context.Context, cfg Config, data *Data, opts ...Option) (*Run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Batch > data.Train.Len() {
		return nil, fmt.Errorf("batch size must be at most the number of training samples, %d (got %d)", data.Train.Len(), cfg.Batch)
	}
	openblas.Load()
	model, err := nn.New(cfg.Spec(len(data.Classes)), cfg.Seed)
	if err != nil {
		return nil, err
	}
	train, err := model.Compile(nn.Train, cfg.Batch, cfg.Loss)
	if err != nil {
		return nil, err
	}
	sizes := make([]int, len(model.Params))
	for i, p := range model.Params {
		sizes[i] = len(p.Data)
	}
	opt, err := optim.New(cfg.optimizer(), sizes, 1)
	if err != nil {
		return nil, err
	}
	batches := (data.Train.Len() + cfg.Batch - 1) / cfg.Batch
	sched, err := cfg.Schedule.Start(cfg.LR, batches, cfg.Epochs)
	if err != nil {
		return nil, fmt.Errorf("learning-rate schedule %w", err)
	}
	if n := len(cfg.Changes); n > 0 && cfg.Changes[n-1].Step > sched.Steps() {
		c := cfg.Changes[n-1]
		return nil, fmt.Errorf("changes: change %d (%s at step %d) comes after the run's last step, %d", n, c.Setting, c.Step, sched.Steps())
	}
	replay := cfg.Changes
	cfg.Changes = nil
	ctx, cancel := context.WithCancel(ctx)
	r := &Run{
		events: make(chan Event, eventBuffer),
		done:   make(chan struct{}),
		cancel: cancel,
		cfg:    cfg, data: data, model: model, init: model.Clone(), train: train, opt: opt, sched: sched,
		guard:  newGuard(cfg.Loss, len(data.Classes), model),
		replay: replay, next: 1,
		best: tracker{metric: cfg.EarlyStop.Watched()},
	}
	for _, o := range opts {
		o(r)
	}
	go r.loop(ctx)
	return r, nil
}

// Change changes a setting (SettingLR, SettingMomentum or
// SettingWeightDecay) from the run's next step on, while it trains or is
// paused; the optimizer keeps its state, as PyTorch's does when
// param_group["lr"] is set. A learning-rate change in a scheduled run
// scales the rest of the schedule by the same factor (see
// schedule.Scheduler.SetLR). The run reports the change as a ChangeEvent
// and records it in its config (Model.Config.Changes). A value that is not
// allowed, a setting the run's optimizer or schedule does not let change,
// or a run that has ended is an error that says so.
func (r *Run) Change(s Setting, v float64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.cfg.checkChange(s, v); err != nil {
		return err
	}
	if r.ended || r.next > r.sched.Steps() {
		return errors.New("the run has ended: the change applies to the next run")
	}
	if s == SettingLR {
		if err := r.sched.CheckLR(r.next-1, v); err != nil {
			return err
		}
	}
	r.pending = append(r.pending, Change{Setting: s, Value: v})
	return nil
}

// applyChanges makes the changes due at step (from 1) before its update:
// the config's recorded ones, then the live ones, in the order they came.
// It returns the changes made.
func (r *Run) applyChanges(step int) ([]Change, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var due []Change
	for len(r.replay) > 0 && r.replay[0].Step == step {
		due = append(due, r.replay[0])
		r.replay = r.replay[1:]
	}
	due = append(due, r.pending...)
	r.pending = nil
	r.next = step + 1
	for i := range due {
		c := &due[i]
		c.Step = step
		var err error
		switch c.Setting {
		case SettingLR:
			c.From = r.sched.LR(step - 1)
			err = r.sched.SetLR(step-1, c.Value)
		case SettingMomentum:
			c.From = r.opt.Config().Momentum
			err = r.opt.SetMomentum(c.Value)
		case SettingWeightDecay:
			c.From = r.opt.Config().WeightDecay
			err = r.opt.SetWeightDecay(c.Value)
		default:
			err = r.cfg.checkChange(c.Setting, c.Value)
		}
		if err != nil {
			return nil, fmt.Errorf("changes: %s at step %d: %w", c.Setting, step, err)
		}
	}
	r.cfg.Changes = append(r.cfg.Changes, due...)
	return due, nil
}

// An Option changes how a run reports.
type Option func(*Run)

// Checkpoints makes every EpochEvent carry a copy of the weights at the
// epoch's end (EpochEvent.Model), for a record that survives the run
// being killed. It costs a copy of the weights an epoch.
func Checkpoints() Option { return func(r *Run) { r.checkpoints = true } }

// Events is the run's event stream.
func (r *Run) Events() <-chan Event { return r.events }

// Stop asks the run to stop at the next batch boundary. It does not wait.
func (r *Run) Stop() { r.cancel() }

// Wait blocks until the run's goroutines (the trainer and its batch
// prefetcher) have ended. Call it after reading Events to the end.
func (r *Run) Wait() { <-r.done }

// Pause makes the run wait at the next batch boundary until Resume or
// Stop. Paused time does not count in Elapsed or the throughput.
func (r *Run) Pause() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.paused {
		r.paused = true
		r.resume = make(chan struct{})
		r.parked = make(chan struct{})
	}
}

// Resume continues a paused run.
func (r *Run) Resume() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.paused {
		r.paused = false
		close(r.resume)
	}
}

// Paused reports whether the run is paused.
func (r *Run) Paused() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.paused
}

// waitWhilePaused blocks while the run is paused and returns how long.
func (r *Run) waitWhilePaused(ctx context.Context) time.Duration {
	r.mu.Lock()
	paused, resume, parked := r.paused, r.resume, r.parked
	r.mu.Unlock()
	if !paused {
		return 0
	}
	start := now()
	close(parked)
	select {
	case <-resume:
	case <-ctx.Done():
	}
	return now().Sub(start)
}

// now is the run's clock: time.Now, which the tests move on to see that a
// pause is not counted without waiting for one.
var now = time.Now

// Parked returns a channel closed once the run has stopped at a batch
// boundary for the latest Pause: from then on it sends nothing until
// Resume or Stop. It is nil before the first Pause.
func (r *Run) Parked() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.parked
}

// send delivers a progress event, preferring delivery but giving up once
// ctx is cancelled and the buffer is full, so that a stopped run reaches
// its end (and its final event) without waiting for a slow consumer.
func (r *Run) send(ctx context.Context, ev Event) {
	select {
	case r.events <- ev:
		return
	default:
	}
	select {
	case r.events <- ev:
	case <-ctx.Done():
	}
}

// finish delivers the run's last event, waiting as long as it takes: the
// consumer reads until the channel is closed.
func (r *Run) finish(ev Event) { r.events <- ev }

// clock tracks a run's time, excluding pauses.
type clock struct {
	start    time.Time
	paused   time.Duration
	stepTime time.Duration // time inside training steps
}

func (c *clock) elapsed() time.Duration { return now().Sub(c.start) - c.paused }

func (r *Run) loop(ctx context.Context) {
	defer close(r.done)
	defer close(r.events)
	defer r.cancel()
	defer r.opt.Close()
	defer r.train.Close()

	cfg, data := r.cfg, r.data
	classes := len(data.Classes)
	batches := (data.Train.Len() + cfg.Batch - 1) / cfg.Batch
	prog := Progress{Epochs: cfg.Epochs, Batches: batches, Steps: batches * cfg.Epochs}
	eval := newEvaluator(r.model, cfg.Loss, data.Stats)
	defer eval.close()

	// The network has a fixed batch size; the last, partial batch of an
	// epoch runs on a second network of its size that shares the weights,
	// so every sample is used, as PyTorch's DataLoader does by default.
	var partial *nn.Net
	defer func() {
		if partial != nil {
			partial.Close()
		}
	}()

	// The prefetcher has its own context: it must stop when the loop
	// ends for any reason, and end before Wait returns.
	pctx, pcancel := context.WithCancel(ctx)
	pf := startPrefetch(pctx, cfg, data.Train, data.Stats, classes)
	r.pf = pf
	defer func() {
		pcancel()
		<-pf.done
	}()

	clk := clock{start: now()}
	var epochLoss, epochCorrect float64
	var epochSamples int
	var epochStart time.Time
	var epochStep time.Duration
	var epochChanges []Change
	earlyStopped := false
	// onecycle cycles the momentum of the optimizers that have one (Adam's
	// β₁ for adam and adamw), as OneCycleLR's cycle_momentum does.
	cycles := cfg.Optimizer.UsesMomentum() || cfg.Optimizer == optim.Adam || cfg.Optimizer == optim.AdamW

	fail := func(err error) {
		prog.Elapsed = clk.elapsed()
		r.mu.Lock()
		r.ended = true
		r.mu.Unlock()
		r.finish(&ErrorEvent{Progress: prog, Err: err, History: r.history, Model: r.snapshot(), Best: r.bestSnapshot(), BestEpoch: r.best.epoch})
	}
	params := r.params() // the live weights, updated in place
	lr := cfg.LR         // the rate the optimizer has
	diverged := func(d *DivergedError) {
		r.guard.restore(params)
		d.LearningRate = lr
		fail(d)
	}
	for {
		clk.paused += r.waitWhilePaused(ctx)
		if ctx.Err() != nil {
			break
		}
		b, ok := <-pf.ready
		if !ok {
			break
		}
		if b.index == 0 {
			epochLoss, epochCorrect, epochSamples = 0, 0, 0
			epochStart, epochStep, epochChanges = now(), 0, nil
		}
		net := r.train
		if b.n != cfg.Batch {
			if partial == nil {
				var err error
				if partial, err = r.model.Compile(nn.Train, b.n, cfg.Loss); err != nil {
					fail(err)
					return
				}
			}
			net = partial
		}

		t0 := now()
		copy(net.X, b.x[:len(net.X)])
		copy(net.Y, b.y[:len(net.Y)])
		if err := net.Run(); err != nil {
			fail(err)
			return
		}
		loss := net.Loss()
		prog.Epoch, prog.Batch, prog.Step = b.epoch, b.index+1, prog.Step+1
		if d := r.guard.step(params, b.epoch, prog.Step, loss); d != nil {
			diverged(d)
			return
		}
		correct := countCorrect(net.Logits(), b.labels[:b.n], classes)
		changes, err := r.applyChanges(prog.Step)
		if err != nil {
			fail(err)
			return
		}
		for _, c := range changes {
			epochChanges = append(epochChanges, c)
			r.send(ctx, &ChangeEvent{Progress: prog, Change: c})
		}
		if m, ok := r.sched.Momentum(prog.Step - 1); ok && cycles {
			if err := r.opt.SetMomentum(m); err != nil {
				fail(err)
				return
			}
		}
		if want := r.sched.LR(prog.Step - 1); want != lr {
			if err := r.opt.SetLearningRate(want); err != nil {
				fail(err)
				return
			}
			lr = want
		}
		momentum := r.opt.MomentumInForce()
		if err := r.opt.Step(params, net.Grads(), nil); err != nil {
			fail(err)
			return
		}
		dt := now().Sub(t0)
		n := b.n
		pf.free <- b // b belongs to the prefetcher again: no use below
		b = nil

		clk.stepTime += dt
		epochStep += dt
		prog.Samples += n
		epochLoss += loss * float64(n)
		epochCorrect += float64(correct)
		epochSamples += n
		prog.Elapsed = clk.elapsed()
		prog.SamplesPerSec = float64(prog.Samples) / clk.stepTime.Seconds()
		prog.ETA = time.Duration(float64(prog.Elapsed) / float64(prog.Step) * float64(prog.Steps-prog.Step))
		r.send(ctx, &BatchEvent{Progress: prog, Loss: loss, Accuracy: float64(correct) / float64(n), LR: lr, Momentum: momentum})

		if prog.Batch == batches {
			val, err := eval.evaluate(data.Val)
			if err != nil {
				fail(err)
				return
			}
			s := EpochSummary{
				Epoch:         prog.Epoch,
				TrainLoss:     epochLoss / float64(epochSamples),
				TrainAcc:      epochCorrect / float64(epochSamples),
				Val:           val,
				Duration:      now().Sub(epochStart),
				SamplesPerSec: float64(epochSamples) / epochStep.Seconds(),
				LR:            lr,
				Changes:       epochChanges,
			}
			s.Best = val.N > 0 && r.best.better(s.Epoch, val)
			if s.Best {
				if r.bestNet == nil {
					r.bestNet = r.model.Clone()
				} else {
					r.bestNet.CopyFrom(r.model)
				}
			}
			r.mu.Lock()
			r.sched.EpochEnd(val.Loss) // plateau's reduction applies from the next batch
			r.mu.Unlock()
			r.history = append(r.history, s)
			r.guard.epochEnded(s.Epoch, s.TrainLoss)
			prog.Elapsed = clk.elapsed()
			prog.ETA = time.Duration(float64(prog.Elapsed) / float64(prog.Step) * float64(prog.Steps-prog.Step))
			ev := &EpochEvent{Progress: prog, Summary: s}
			if r.checkpoints && finite(r.params()) {
				ev.Model = r.snapshot()
			}
			r.send(ctx, ev)
			if p := cfg.EarlyStop.Patience; p > 0 && r.best.since >= p && prog.Step < prog.Steps {
				earlyStopped = true
				break
			}
		}
	}
	pcancel()
	r.mu.Lock()
	r.ended = true
	r.mu.Unlock()

	// The last update has not been checked yet.
	if d := r.guard.final(params, prog.Epoch, prog.Step); d != nil {
		diverged(d)
		return
	}
	last, best := r.snapshot(), r.bestSnapshot()
	kept := last
	if best != nil && cfg.Keep != KeepLast {
		// Training is over: the live weights become the best epoch's, for
		// the test set's evaluation.
		r.model.CopyFrom(r.bestNet)
		kept = best
	}
	test, err := eval.evaluate(data.Test)
	if err != nil {
		fail(err)
		return
	}
	prog.Elapsed = clk.elapsed()
	prog.ETA = 0
	r.finish(&DoneEvent{
		Progress:     prog,
		Stopped:      prog.Step < prog.Steps && !earlyStopped,
		EarlyStopped: earlyStopped,
		Test:         test,
		History:      r.history,
		Model:        kept,
		Last:         last,
		Best:         best,
		BestEpoch:    r.best.epoch,
		Warning:      Warning(test, data.Classes, cfg),
	})
}

// bestSnapshot copies the best epoch's weights into a Model, nil when no
// epoch has been evaluated on a validation set.
func (r *Run) bestSnapshot() *Model {
	if r.bestNet == nil {
		return nil
	}
	m := r.snapshot()
	m.Net = r.bestNet.Clone()
	m.Epoch, m.Best = r.best.epoch, true
	return m
}

func (r *Run) params() [][]float32 {
	ps := make([][]float32, len(r.model.Params))
	for i, p := range r.model.Params {
		ps[i] = p.Data
	}
	return ps
}

// finite reports whether every weight is a finite number.
func finite(params [][]float32) bool {
	for _, p := range params {
		for _, v := range p {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return false
			}
		}
	}
	return true
}

// snapshot copies the current weights into a Model that outlives the run.
func (r *Run) snapshot() *Model {
	cfg := r.cfg
	cfg.Changes = slices.Clone(cfg.Changes)
	return &Model{
		Net:     r.model.Clone(),
		Init:    r.init,
		Classes: append([]string(nil), r.data.Classes...),
		Stats:   r.data.Stats,
		Config:  cfg,
		Source:  r.data.Source,
		Epoch:   len(r.history),
	}
}

// countCorrect counts the rows of logits whose largest value is at the
// label.
func countCorrect(logits []float32, labels []int32, classes int) int {
	correct := 0
	for i, l := range labels {
		if nn.Argmax(logits[i*classes:(i+1)*classes]) == int(l) {
			correct++
		}
	}
	return correct
}
