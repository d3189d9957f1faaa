package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// measureEpoch times an experiment's steps for the form's size estimate;
// nil turns the estimate off (the package's tests, which would otherwise
// time every form they build, set it so).
var measureEpoch = func(ctx context.Context, cfg training.Config, data *training.Data) (training.Estimate, error) {
	return training.Probe(ctx, cfg, data, 0, 0)
}

// Thresholds of the estimate: an epoch longer than largeEpoch is a
// network large for this machine.
const (
	largeEpoch = 30 * time.Second
	probeDelay = 700 * time.Millisecond
)

// sizeProbe says under the form's Model section how long an epoch of the
// experiment takes on this machine, from a short timed probe (a few real
// training steps, training.Probe), and warns when that is long. It probes
// an experiment once the form has been still for a moment, again only
// when a setting that changes the speed changes, and never while a run
// or a sweep trains (the two would share the cores and both be slowed,
// and the probe would mismeasure).
type sizeProbe struct {
	tasks   *tasks
	prepare func(training.Config) (*training.Data, error)
	// measure is measureEpoch when the probe was made.
	measure func(context.Context, training.Config, *training.Data) (training.Estimate, error)
	// busy reports whether a run or a sweep trains.
	busy   func() bool
	epochs func() int
	delay  time.Duration
	label  *widget.Label

	// On the UI goroutine: key is the experiment the label is for (or
	// being measured), gen counts the probes asked for so that an old
	// one's result is dropped, timer and cancel stop the pending one.
	key    string
	gen    int
	timer  *time.Timer
	cancel context.CancelFunc
	// result is the last estimate of key's experiment and its training
	// set's size (images 0: none yet), shown again for a new number of
	// epochs.
	result training.Estimate
	images int
}

// newSizeProbe shows its estimates on label; epochs reads the form's
// number of epochs when a probe ends.
func newSizeProbe(t *tasks, prepare func(training.Config) (*training.Data, error), busy func() bool, epochs func() int, label *widget.Label) *sizeProbe {
	label.Wrapping = fyne.TextWrapWord
	label.SizeName = theme.SizeNameCaptionText
	label.Hide()
	return &sizeProbe{tasks: t, prepare: prepare, measure: measureEpoch, busy: busy, epochs: epochs, delay: probeDelay, label: label}
}

// speedKey is what of an experiment decides its speed: the data and its
// size, the network, the batch, the loss and optimizer, augmentation.
func speedKey(cfg training.Config) string {
	b, _ := json.Marshal(struct {
		Dataset   string
		Classes   []string
		ValSplit  float64
		Limit     int
		Hidden    any
		Layers    any
		Batch     int
		Loss      any
		Optimizer any
		Augment   any
	}{cfg.Dataset, cfg.Classes, cfg.ValSplit, cfg.Limit, cfg.Hidden, cfg.Layers, cfg.Batch, cfg.Loss, cfg.Optimizer, cfg.Augment})
	return string(b)
}

// changed is told of the form's experiment (valid or not), on the UI
// goroutine.
func (p *sizeProbe) changed(cfg training.Config, valid bool) {
	if p.measure == nil {
		return
	}
	if !valid {
		p.stop()
		p.key = ""
		p.label.Hide()
		return
	}
	key := speedKey(cfg)
	if key == p.key {
		if p.images > 0 { // measured: the epochs may have changed
			p.showEstimate(cfg.Epochs)
		}
		return // or being measured
	}
	p.stop()
	if p.busy() {
		p.key = "" // measure it once nothing trains
		p.show("How long an epoch takes is measured when nothing is training.", widget.MediumImportance)
		return
	}
	p.key, p.images = key, 0
	p.gen++
	gen := p.gen
	p.show("Timing a few training steps of this network…", widget.MediumImportance)
	if p.delay <= 0 {
		p.start(cfg, gen)
		return
	}
	p.timer = time.AfterFunc(p.delay, func() { bridge.Do(func() { p.start(cfg, gen) }) })
}

// start runs the probe of gen unless a newer one was asked for.
func (p *sizeProbe) start(cfg training.Config, gen int) {
	if gen != p.gen {
		return
	}
	if p.busy() {
		p.key = ""
		p.show("How long an epoch takes is measured when nothing is training.", widget.MediumImportance)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	measure, prepare := p.measure, p.prepare
	p.tasks.start(func() {
		defer cancel()
		data, err := prepare(cfg)
		var est training.Estimate
		if err == nil {
			est, err = measure(ctx, cfg, data)
		}
		if ctx.Err() != nil {
			return // a newer probe, a run or the window's end
		}
		bridge.Do(func() {
			if gen != p.gen {
				return
			}
			if err != nil {
				p.show("Could not time this network: "+err.Error(), widget.WarningImportance)
				return
			}
			p.result, p.images = est, data.Train.Len()
			p.showEstimate(p.epochs())
		})
	})
}

// stop cancels the pending probe: a run is starting, the form changed or
// the window closes.
func (p *sizeProbe) stop() {
	p.gen++
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
}

// runStarting stops a probe before a run takes the cores; its estimate is
// taken again once the run has ended.
func (p *sizeProbe) runStarting() {
	if p.cancel != nil || p.timer != nil {
		p.key = ""
	}
	p.stop()
}

// showEstimate shows the last estimate for a run of epochs.
func (p *sizeProbe) showEstimate(epochs int) {
	text, large := estimateText(p.result, p.images, epochs)
	importance := widget.MediumImportance
	if large {
		importance = widget.WarningImportance
	}
	p.show(text, importance)
}

func (p *sizeProbe) show(text string, importance widget.Importance) {
	p.label.Text, p.label.Importance = text, importance
	p.label.Show()
	p.label.Refresh()
}

// estimateText says what an estimate means for the run: "About 3 s an
// epoch here (19,700 images/s); 5 epochs ≈ 15 s." It reports whether the
// network is large for this machine (an epoch over largeEpoch), when the
// text leads with a warning and a way out.
func estimateText(est training.Estimate, images, epochs int) (string, bool) {
	epoch, word := est.EpochTime, "epochs"
	if epochs == 1 {
		word = "epoch"
	}
	text := fmt.Sprintf("About %s an epoch on this machine (%s images/s over %s training images); %d %s ≈ %s.",
		roughDuration(epoch), thousands(math.Round(est.SamplesPerSec)), thousands(float64(images)),
		epochs, word, roughDuration(time.Duration(epochs)*epoch))
	if epoch <= largeEpoch {
		return text, false
	}
	return "Large for this machine. " + text +
		" Fewer filters, a stride or a pooling layer early on, or fewer classes make it faster.", true
}

// roughDuration is a duration to two significant figures at most: "0.4 s",
// "12 s", "3.5 min", "1.2 h".
func roughDuration(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s < 10:
		return fmt.Sprintf("%.1f s", s)
	case s < 90:
		return fmt.Sprintf("%.0f s", s)
	case s < 90*60:
		return fmt.Sprintf("%.2g min", s/60)
	}
	if s < 10*3600 {
		return fmt.Sprintf("%.2g h", s/3600)
	}
	return fmt.Sprintf("%.0f h", s/3600)
}
