package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/runs"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// runner is the window's training-run lifecycle: it starts one run at a
// time on a goroutine it tracks, records the run's events for the
// Training tab, pauses, resumes and stops it, and hands the trained model
// on when it ends.
type runner struct {
	tasks    *tasks
	prepare  func(training.Config) (*training.Data, error)
	controls *runControls
	view     *trainingTab
	models   *modelHolder
	// started is called on the UI goroutine once a run trains; ended once
	// its results are shown.
	started, ended func()
	// store keeps every run's record (see package runs); its Dir is ""
	// when there is no data directory, and then runs are not kept.
	store runs.Store

	mu     sync.Mutex // guards cancel, run, cfg and live
	cancel context.CancelFunc
	run    *training.Run
	cfg    training.Config
	// live holds the value in force of each setting changed while the run
	// trains (see Run.Change); the others are cfg's.
	live map[training.Setting]float64
}

// liveConfig is the config of the run that trains, and whether one does.
func (r *runner) liveConfig() (training.Config, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg, r.run != nil
}

// inForce is a live setting's value in the run that trains: the last
// change made, or the run's own.
func (r *runner) inForce(s training.Setting) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.live[s]; ok {
		return v
	}
	return liveOf(r.cfg, s)
}

// change makes a live change to the run that trains (see Run.Change).
func (r *runner) change(s training.Setting, v float64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.run == nil {
		return errors.New("no run is training: the setting applies to the next run")
	}
	if err := r.run.Change(s, v); err != nil {
		return err
	}
	r.live[s] = v
	return nil
}

// effective is the config of the run with its live changes in force, to
// compare with the form's.
func (r *runner) effective(cfg training.Config) training.Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	for s, v := range r.live {
		setLive(&cfg, s, v)
	}
	return cfg
}

// training reports whether a run takes live changes now.
func (r *runner) training() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.run != nil
}

// start begins a run of cfg unless one is going; on the UI goroutine.
func (r *runner) start(cfg training.Config) {
	if r.controls.state != idle {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	rec := newRecord(cfg, nil)
	r.controls.setState(preparing)
	r.view.start(rec)
	if !r.tasks.start(func() { r.execute(ctx, cfg, rec) }) {
		cancel()
	}
}

// execute prepares the data, runs the training and records its events; on
// its own goroutine.
func (r *runner) execute(ctx context.Context, cfg training.Config, rec *record) {
	defer func() {
		r.mu.Lock()
		r.cancel, r.run = nil, nil
		r.mu.Unlock()
	}()
	r.mu.Lock()
	r.cfg, r.live = cfg, map[training.Setting]float64{}
	r.mu.Unlock()
	data, err := r.prepare(cfg)
	if err == nil && ctx.Err() != nil {
		bridge.Do(func() {
			r.controls.setState(idle)
			r.controls.status.SetText("Stopped before training started.")
			r.view.stoppedBeforeStart()
			r.ended()
		})
		return
	}
	var run *training.Run
	if err == nil {
		run, err = training.Start(ctx, cfg, data, training.Checkpoints())
	}
	if err != nil {
		bridge.Do(func() {
			r.controls.setState(idle)
			r.controls.status.SetText("Could not start: " + err.Error())
			r.view.fail(err)
			r.ended()
		})
		return
	}
	rec.setData(data)
	r.mu.Lock()
	r.run = run
	r.mu.Unlock()
	// The run's lasting record, written as it goes; a run that cannot be
	// kept still trains, and the window says why it is not kept.
	keep, keepErr := r.keep(cfg, data)
	bridge.Do(func() {
		if r.controls.state == preparing {
			r.controls.setState(running)
		}
		if keepErr != nil {
			r.controls.status.SetText("This run is not being saved: " + keepErr.Error())
		}
		r.started()
	})
	var model *training.Model
	var last training.Event
	for ev := range run.Events() {
		rec.add(ev)
		r.view.redraw()
		last = ev
		if keep != nil {
			if err := keep.Event(ev); err != nil {
				keep.Close()
				keep, keepErr = nil, err
			}
		}
		switch e := ev.(type) {
		case *training.DoneEvent:
			model = e.Model
		case *training.ErrorEvent:
			model = e.Model
		}
	}
	run.Wait()
	if keep != nil {
		keepErr = keep.Finish(last)
	}
	r.view.redraw()
	bridge.Do(func() {
		r.controls.setState(idle)
		if model != nil {
			r.models.set(model, describeModel(model, rec.snapshot()))
		}
		r.ended()
		if keepErr != nil {
			r.controls.status.SetText(r.controls.status.Text + " Not saved: " + keepErr.Error())
		}
	})
}

// keep starts the run's record in the store.
func (r *runner) keep(cfg training.Config, data *training.Data) (*runs.Writer, error) {
	if r.store.Dir == "" {
		return nil, errors.New("no folder for the run store (set WORKBENCH_HOME)")
	}
	dir, _, err := r.store.NewRun()
	if err != nil {
		return nil, err
	}
	return runs.Create(dir, cfg, data, "", "")
}

// describeModel is the one-line description of a trained model.
func describeModel(m *training.Model, s *snapshot) string {
	d := fmt.Sprintf("Last run: %s, %s", m.Net.Spec, m.Source)
	switch {
	case s.failed != nil:
		d += " (diverged; the last good weights)"
	case s.done != nil:
		d += fmt.Sprintf(", test accuracy %.2f%%", 100*s.done.Test.Accuracy)
	}
	if m.Best {
		d += fmt.Sprintf(", the best epoch's weights (epoch %d)", m.Epoch)
	}
	return d
}

// pauseResume toggles a running run; on the UI goroutine.
func (r *runner) pauseResume() {
	r.mu.Lock()
	run := r.run
	r.mu.Unlock()
	if run == nil {
		return
	}
	if run.Paused() {
		run.Resume()
		r.controls.setState(running)
	} else {
		run.Pause()
		r.controls.setState(paused)
	}
}

// stop asks the run to stop; it ends with its test results. It reports
// whether there was a run to stop.
func (r *runner) stop() bool {
	r.mu.Lock()
	cancel := r.cancel
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return cancel != nil
}
