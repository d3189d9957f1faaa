package ui

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
)

// pauseParked pauses the window's run and waits until its loop has
// stopped at a batch boundary; it returns the run.
func pauseParked(t *testing.T, wb *Workbench) *training.Run {
	t.Helper()
	var run *training.Run
	onUI(func() {
		test.Tap(wb.controls.pause)
		wb.runner.mu.Lock()
		run = wb.runner.run
		wb.runner.mu.Unlock()
	})
	if run == nil || !run.Paused() {
		t.Fatal("Pause did not pause the run")
	}
	<-run.Parked()
	return run
}

// TestLiveChangesFromTheForm changes the learning rate of a paused run
// twice, by Enter in its field and by the slider, and checks what the
// window says and records: the form's notices, the markers on the
// charts, the per-epoch table and the run's record, whose config makes
// the changes again when it is run again.
func TestLiveChangesFromTheForm(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	ended := make(chan struct{}, 1)
	var started <-chan struct{}
	onUI(func() {
		wb.form.epochs.SetText("300")
		wb.OnRunEnded = func() { ended <- struct{}{} }
		started = startsRunning(wb)
		if wb.form.live.content.Visible() {
			t.Error("the live box shows with no run")
		}
		test.Tap(wb.controls.train)
	})
	<-started
	pauseParked(t, wb)
	onUI(func() {
		f := wb.form
		if !f.live.content.Visible() || !strings.Contains(f.live.about.Text, "act on the run that trains, from its next step") {
			t.Errorf("the live box: shown %v, %q", f.live.content.Visible(), f.live.about.Text)
		}
		if strings.Contains(f.live.about.Text, "momentum") {
			t.Errorf("adam has no momentum to change, yet the live box offers it: %q", f.live.about.Text)
		}
		f.lr.SetText("0.0003")
		if st := wb.training.stale; !st.Visible() || !strings.Contains(st.Text, "Not applied yet: lr 3e-4 (the run has 1e-3)") {
			t.Errorf("an lr not yet applied: notice shown %v, %q", st.Visible(), st.Text)
		}
		f.lr.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if got := f.live.outcome.Text; got != "From the next step: lr 1e-3 → 3e-4." {
			t.Errorf("after Enter: %q", got)
		}
		if wb.training.stale.Visible() {
			t.Errorf("after the change the notice still says %q", wb.training.stale.Text)
		}
		// A setting that cannot change mid-run waits for the next run.
		f.batch.SetText("32")
		if st := wb.training.stale; !st.Visible() || !strings.Contains(st.Text, "they apply to the next run") {
			t.Errorf("batch size changed mid-run: %q", st.Text)
		}
		f.batch.SetText("64")
		// An impossible value is refused, naming it.
		f.weightDecay.SetText("2")
		test.Tap(f.live.apply)
		if got := f.live.outcome.Text; !strings.Contains(got, "weight decay not changed: weight decay must be in [0, 1) (got 2)") || f.live.outcome.Importance != widget.DangerImportance {
			t.Errorf("weight decay 2: %q", got)
		}
		f.weightDecay.SetText("0")
		test.Tap(f.live.apply)
		if got := f.live.outcome.Text; got != "Nothing to apply: the form's values are the ones in force." {
			t.Errorf("Apply with nothing new: %q", got)
		}
		test.Tap(wb.controls.pause) // resume
	})
	pauseParked(t, wb)
	onUI(func() {
		f := wb.form
		f.lrSlider.SetValue(-2) // 0.01, as a drag to it and a release
		if got := f.live.outcome.Text; got != "From the next step: lr 3e-4 → 0.01." {
			t.Errorf("after the slider: %q", got)
		}
		test.Tap(wb.controls.pause)
	})
	// Once an epoch has ended, its row lists its changes.
	rec := func() *record {
		wb.training.mu.Lock()
		defer wb.training.mu.Unlock()
		return wb.training.rec
	}()
	for len(rec.snapshot().history) == 0 {
		runtime.Gosched()
	}
	onUI(func() { test.Tap(wb.controls.stop) })
	select {
	case <-ended:
	case <-time.After(2 * time.Minute):
		t.Fatal("the run did not end")
	}
	wb.settle()
	onUI(func() {
		if wb.form.live.content.Visible() {
			t.Error("the live box still shows after the run")
		}
		s := wb.training.current()
		if len(s.changes) != 2 || s.changes[1].Step <= s.changes[0].Step {
			t.Fatalf("the run's changes: %+v", s.changes)
		}
		ms := changeMarkers(s, axisStep)
		want0 := "lr 1e-3 → 3e-4 at step " + training.Thousands(s.changes[0].Step)
		if len(ms) != 2 || ms[0].Label != want0 || ms[0].X != float64(s.changes[0].Step) || ms[1].Label != "lr 3e-4 → 0.01 at step "+training.Thousands(s.changes[1].Step) {
			t.Errorf("markers %+v, want two, the first %q", ms, want0)
		}
		loss, acc := curveSpecs(s, wb.training.opts, plots.LightTheme())
		if len(loss.opts.Markers) != 2 || len(acc.opts.Markers) != 2 {
			t.Error("the charts do not carry the markers")
		}
		// The per-epoch table lists each change in its epoch's row.
		var cells []string
		for row := range wb.training.history {
			l := wb.training.tableCell().(*widget.Label)
			wb.training.tableUpdate(cellID(row, 1), l)
			cells = append(cells, l.Text)
		}
		if joined := strings.Join(cells, "|"); !strings.Contains(joined, "lr 1e-3 → 3e-4 @"+training.Thousands(s.changes[0].Step)) {
			t.Errorf("the table's changes column: %q", joined)
		}
	})
	// The record keeps the changes; Run again replays them.
	entries, err := wb.runner.store.List()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range entries {
		if len(e.Config.Changes) != 2 {
			continue
		}
		found = true
		onUI(func() {
			wb.form.set(e.Config)
			if !wb.form.replayBox.Visible() || !strings.Contains(wb.form.replayMsg.Text, "replays the live changes") {
				t.Errorf("Run again: replay box shown %v, %q", wb.form.replayBox.Visible(), wb.form.replayMsg.Text)
			}
			cfg, err := wb.form.config()
			if err != nil || len(cfg.Changes) != 2 || cfg.Changes[0].Value != 0.0003 || cfg.LR != 0.001 {
				t.Errorf("the form's config: lr %g, changes %+v, %v", cfg.LR, cfg.Changes, err)
			}
		})
	}
	if !found {
		t.Fatalf("no record with the two changes among %d runs", len(entries))
	}
}

// TestBestWeightsShown: a run that early-stops says so, names the epoch
// whose weights are the model, stars it in the table, and lets the user
// hand either weights to the Classify tab.
func TestBestWeightsShown(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	cfg := training.DefaultConfig()
	cfg.Limit, cfg.Epochs = 1000, 40
	cfg.Hidden = []nn.Layer{{Width: 64, Activation: nn.ReLU}}
	cfg.LR = 0.01
	cfg.EarlyStop = training.EarlyStop{Patience: 2}
	data, err := training.Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run, err := training.Start(context.Background(), cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecord(cfg, data.Classes)
	var done *training.DoneEvent
	for ev := range run.Events() {
		rec.add(ev)
		if d, ok := ev.(*training.DoneEvent); ok {
			done = d
		}
	}
	run.Wait()
	if done == nil || !done.EarlyStopped || done.BestEpoch == len(done.History) {
		t.Fatalf("the run did not early-stop after its best epoch: %+v", done)
	}
	onUI(func() {
		tt := wb.training
		tt.start(rec)
		s := rec.snapshot()
		tt.showSnapshot(s)
		if !strings.Contains(tt.results.Text, "Early stopped after epoch") || !strings.Contains(tt.results.Text, "validation loss did not improve for 2 epochs") {
			t.Errorf("results: %q", tt.results.Text)
		}
		if !strings.Contains(tt.weights.Text, "the best epoch's weights, epoch "+strconv.Itoa(done.BestEpoch)) || !tt.useWeights.Visible() || tt.useWeights.Selected != useBest {
			t.Errorf("weights: %q, choice shown %v, %q", tt.weights.Text, tt.useWeights.Visible(), tt.useWeights.Selected)
		}
		l := tt.tableCell().(*widget.Label)
		tt.tableUpdate(cellID(done.BestEpoch-1, 0), l)
		if l.Text != strconv.Itoa(done.BestEpoch)+" ★" {
			t.Errorf("the best epoch's row reads %q", l.Text)
		}
		tt.useWeights.SetSelected(useLast)
		if m := wb.models.current(); m != done.Last {
			t.Error("choosing the last weights did not hand them on")
		}
		tt.useWeights.SetSelected(useBest)
		if m := wb.models.current(); m != done.Best {
			t.Error("choosing the best weights did not hand them on")
		}
	})
}

func cellID(row, col int) widget.TableCellID { return widget.TableCellID{Row: row, Col: col} }

// TestStaleRenderIgnored: a redraw of the previous run that finishes after
// a new run has started (an option toggled just before Train) shows
// nothing of the old run: its error stayed under the new run's curves.
func TestStaleRenderIgnored(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	old := newRecord(training.DefaultConfig(), []string{"3", "5", "8"})
	old.add(&training.ErrorEvent{Err: errors.New("training diverged at epoch 1")})
	onUI(func() {
		wb.training.start(old)
		wb.training.start(newRecord(training.DefaultConfig(), nil))
	})
	wb.training.draw(old)
	onUI(func() {
		if wb.training.errorBox.Visible() {
			t.Errorf("the previous run's error shows under the new run: %q", wb.training.errorText.Text)
		}
	})
	onUI(func() { wb.training.start(old) })
	wb.training.draw(old)
	onUI(func() {
		if !wb.training.errorBox.Visible() {
			t.Error("the run on screen's own error is not shown")
		}
	})
}
