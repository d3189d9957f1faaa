package ui

import (
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/runs"
	"github.com/neuralworkbench/workbench/training/sweep"
)

// quickSweepBase is a small experiment: a sweep of it takes a second.
func quickSweepBase() training.Config {
	c := training.DefaultConfig()
	c.Hidden = []nn.Layer{{Width: 16, Activation: nn.ReLU}}
	c.Epochs, c.Limit = 1, 512
	return c
}

func TestSweepDialogSaysWhatItMakes(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		sd := wb.sweeps.newDialog(quickSweepBase())
		// It opens on a learning-rate sweep.
		if sd.queue.Disabled() || !strings.Contains(sd.count.Text, "4 learning rate values: 4 runs of 1 epochs") {
			t.Errorf("the dialog opens saying %q (queue disabled: %v)", sd.count.Text, sd.queue.Disabled())
		}
		sd.rows[1].setting.SetSelected("optimizer") // fills in its example values
		if sd.rows[1].values.Text != "sgd,momentum,adam" || sd.queue.Text != "Queue 12 runs" {
			t.Errorf("with optimizers: values %q, button %q", sd.rows[1].values.Text, sd.queue.Text)
		}
		tests := []struct{ values, want string }{
			{"1e-4..1e-1", "say how many values"},
			{"1e-4..1e-1 x2000", "between 2 and 1000"},
			{"fast", `"fast" is not a number`},
		}
		for _, tt := range tests {
			test.Type(clear(sd.rows[0].values), tt.values)
			if !sd.queue.Disabled() || !strings.Contains(sd.count.Text, tt.want) {
				t.Errorf("lr=%s: the dialog says %q (queue disabled: %v), want %q", tt.values, sd.count.Text, sd.queue.Disabled(), tt.want)
			}
		}
		test.Type(clear(sd.rows[0].values), "1e-5..1e-1 x100 log")
		sd.rows[2].setting.SetSelected("batch")
		test.Type(clear(sd.rows[2].values), "1..20 x20")
		if !sd.queue.Disabled() || !strings.Contains(sd.count.Text, "100 × 3 × 20 = 6000 runs; at most 1000") {
			t.Errorf("a sweep too large: %q", sd.count.Text)
		}
	})
}

// clear empties an entry and returns it, for test.Type.
func clear(e *widget.Entry) *widget.Entry {
	e.SetText("")
	return e
}

// TestSweepRunsAndShowsResults queues a two-setting sweep from the dialog
// and checks that every run ends in the store, the queue says so, the
// results table has a row per combination and the heat map is drawn; and
// that Train waits while the sweep trains.
func TestSweepRunsAndShowsResults(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	var s *sweepsTab
	onUI(func() {
		s = wb.sweeps
		wb.tabs.SelectIndex(4)
		sd := s.newDialog(quickSweepBase())
		test.Type(clear(sd.rows[0].values), "0.001,0.01")
		sd.rows[1].setting.SetSelected("optimizer")
		test.Type(clear(sd.rows[1].values), "sgd,adam")
		if sd.queue.Disabled() {
			t.Fatalf("cannot queue: %s", sd.count.Text)
		}
		test.Tap(sd.queue)
		if !s.running() {
			t.Fatalf("no sweep is running: %s", sd.count.Text)
		}
		wb.Train() // refused while the sweep trains
		if !strings.Contains(wb.controls.status.Text, "A sweep is training") {
			t.Errorf("Train during a sweep says %q", wb.controls.status.Text)
		}
	})
	s.mu.Lock()
	q := s.q
	s.mu.Unlock()
	q.Wait()
	wb.settle()
	onUI(func() {
		if len(s.jobs) != 4 {
			t.Fatalf("the queue shows %d runs, want 4", len(s.jobs))
		}
		for i, j := range s.jobs {
			if j.State != sweep.Finished || j.Status != runs.Done {
				t.Errorf("run %d (%s): %v %v %v", i, j.Name, j.State, j.Status, j.Err)
			}
		}
		if !strings.Contains(s.queueTitle.Text, "4 of 4 runs ended") {
			t.Errorf("the queue's title is %q", s.queueTitle.Text)
		}
		if s.result == nil || s.result.ID != q.ID() || len(s.rows) != 4 || s.header[0] != "learning rate" || s.header[1] != "optimizer" {
			t.Fatalf("results: %v rows %v", s.header, s.rows)
		}
		if !strings.Contains(s.summary.Text, "4 runs") || !strings.Contains(s.summary.Text, "Best: ") {
			t.Errorf("the summary says %q", s.summary.Text)
		}
		if s.chart.current() == nil {
			t.Errorf("no chart was drawn; the summary says %q", s.summary.Text)
		}
		if s.cancelAll.Disabled() == false {
			t.Error("Cancel all is enabled after the sweep")
		}
	})
}

// TestSweepCancel cancels one pending run from its row and then the rest
// with Cancel all, while the first run's data is still loading.
func TestSweepCancel(t *testing.T) {
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	var ts tasks
	release := make(chan struct{})
	preparing := make(chan struct{}, 1)
	data := newDatasetCache()
	s := newSweepsTab(sweepDeps{
		win: win, store: runs.Store{Dir: t.TempDir()}, tasks: &ts,
		prepare: func(cfg training.Config) (*training.Data, error) {
			preparing <- struct{}{}
			<-release
			return data.prepare(cfg)
		},
		formConfig: func() (training.Config, error) { return quickSweepBase(), nil },
		training:   func() bool { return false },
		ended:      func() {},
	})
	t.Cleanup(s.stop)
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before s.stop, should the test fail with the run blocked
	axis, err := sweep.Parse("lr=0.001,0.003,0.01")
	if err != nil {
		t.Fatal(err)
	}
	onUI(func() {
		if err := s.start(sweep.Plan{Base: quickSweepBase(), Axes: []sweep.Axis{axis}}); err != nil {
			t.Fatal(err)
		}
	})
	<-preparing // the first run is loading its data
	s.throttle.Wait()
	onUI(func() {
		s.showQueue()
		row := s.newJobRow()
		s.updateJobRow(1, row)
		right := row.(*fyne.Container).Objects[1].(*fyne.Container)
		test.Tap(right.Objects[1].(*widget.Button)) // run 2's cancel
		test.Tap(s.cancelAll)
	})
	unblock()
	s.mu.Lock()
	q := s.q
	s.mu.Unlock()
	q.Wait()
	ts.wait()
	s.throttle.Wait()
	for i, j := range q.Jobs() {
		if j.State != sweep.Cancelled {
			t.Errorf("run %d is %v, want cancelled", i+1, j.State)
		}
	}
	onUI(func() {
		if got := jobOutcome(q.Jobs()[1]); got != "cancelled" {
			t.Errorf("run 2 reads %q", got)
		}
	})
	if entries, _ := s.store.List(); len(entries) != 0 {
		t.Errorf("the store holds %d runs; cancelled runs leave none", len(entries))
	}
}
