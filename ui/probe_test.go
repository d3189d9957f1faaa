package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
)

// TestSizeProbe: under the Model section the form says how long an epoch
// of its experiment takes here, from a timed probe of the network (faked
// here: the real one is training.TestProbe's), probes again only when a
// setting that changes the speed changes, warns when the network is large
// for the machine, says why it could not time one, and waits while
// something trains.
func TestSizeProbe(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	var probed []training.Config
	epoch := 900 * time.Millisecond
	var fail error
	onUI(func() {
		wb.form.epochs.SetText("3")
		p := wb.probe
		p.delay = 0
		p.measure = func(_ context.Context, cfg training.Config, data *training.Data) (training.Estimate, error) {
			probed = append(probed, cfg)
			if fail != nil {
				return training.Estimate{}, fail
			}
			return training.Estimate{SamplesPerSec: float64(data.Train.Len()) / epoch.Seconds(), EpochTime: epoch}, nil
		}
		wb.form.arch.kind.SetSelected(archLeNet)
	})
	wb.settle()
	label := wb.form.estimate
	onUI(func() {
		if len(probed) != 1 || len(probed[0].Layers) != 6 {
			t.Fatalf("%d probes after choosing LeNet-5 (%v)", len(probed), probed)
		}
		if !label.Visible() || !strings.HasPrefix(label.Text, "About 0.9 s an epoch on this machine (") ||
			!strings.HasSuffix(label.Text, " training images); 3 epochs ≈ 2.7 s.") || label.Importance != widget.MediumImportance {
			t.Errorf("the estimate reads %q (importance %v)", label.Text, label.Importance)
		}
		// The learning rate does not change the speed: no new probe; the
		// epochs change the run's total only.
		wb.form.lr.SetText("0.003")
		wb.form.epochs.SetText("4")
		if !strings.HasSuffix(label.Text, "; 4 epochs ≈ 3.6 s.") {
			t.Errorf("with 4 epochs the estimate reads %q", label.Text)
		}
		wb.form.epochs.SetText("3")
	})
	wb.settle()
	onUI(func() {
		if len(probed) != 1 {
			t.Errorf("changing the learning rate probed again (%d probes)", len(probed))
		}
		epoch = 3 * time.Minute
		wb.form.arch.kind.SetSelected(archResNet)
	})
	wb.settle()
	onUI(func() {
		if len(probed) != 2 || !strings.HasPrefix(label.Text, "Large for this machine. About 3 min an epoch") ||
			!strings.Contains(label.Text, "3 epochs ≈ 9 min.") || label.Importance != widget.WarningImportance {
			t.Errorf("a large network's estimate (%d probes): %q (importance %v)", len(probed), label.Text, label.Importance)
		}
		fail = errors.New("batch size must be at most the training set's 100 images")
		wb.form.batch.SetText("128")
	})
	wb.settle()
	onUI(func() {
		if label.Text != "Could not time this network: batch size must be at most the training set's 100 images" {
			t.Errorf("a probe that failed: %q", label.Text)
		}
		// An invalid form hides the estimate; while something trains the
		// probe waits.
		wb.form.batch.SetText("0")
		if label.Visible() {
			t.Errorf("an invalid form still shows %q", label.Text)
		}
		wb.probe.busy = func() bool { return true }
		wb.form.batch.SetText("64")
		if label.Text != "How long an epoch takes is measured when nothing is training." {
			t.Errorf("while a run trains: %q", label.Text)
		}
	})
	wb.settle()
	if len(probed) != 3 {
		t.Errorf("%d probes, want 3 (none while something trains)", len(probed))
	}
}

// TestEstimateText: the estimate's words and where a network becomes
// large.
func TestEstimateText(t *testing.T) {
	for _, c := range []struct {
		epoch  time.Duration
		epochs int
		want   string
		large  bool
	}{
		{400 * time.Millisecond, 1, "About 0.4 s an epoch on this machine (42,500 images/s over 17,000 training images); 1 epoch ≈ 0.4 s.", false},
		{30 * time.Second, 5, "About 30 s an epoch on this machine (567 images/s over 17,000 training images); 5 epochs ≈ 2.5 min.", false},
		{95 * time.Second, 20, "Large for this machine. About 1.6 min an epoch on this machine (179 images/s over 17,000 training images); 20 epochs ≈ 32 min." +
			" Fewer filters, a stride or a pooling layer early on, or fewer classes make it faster.", true},
		{2 * time.Hour, 10, "Large for this machine. About 2 h an epoch on this machine (2 images/s over 17,000 training images); 10 epochs ≈ 20 h." +
			" Fewer filters, a stride or a pooling layer early on, or fewer classes make it faster.", true},
	} {
		est := training.Estimate{SamplesPerSec: 17000 / c.epoch.Seconds(), EpochTime: c.epoch}
		got, large := estimateText(est, 17000, c.epochs)
		if got != c.want || large != c.large {
			t.Errorf("%v × %d: %q (large %v)\nwant %q (large %v)", c.epoch, c.epochs, got, large, c.want, c.large)
		}
	}
}
