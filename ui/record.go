package ui

import (
	"sync"

	"github.com/neuralworkbench/workbench/training"
)

// record is what a run has reported so far. The goroutine reading the
// run's events writes it; the chart renderer reads snapshots of it. Both
// go through mu.
type record struct {
	mu      sync.Mutex
	cfg     training.Config
	classes []string
	// per batch: the x coordinates in the three units and the values
	step, epoch, secs, loss, acc []float64
	// per epoch, from the validation set
	vStep, vEpoch, vSecs, vLoss, vAcc []float64
	history                           []training.EpochSummary
	progress                          training.Progress
	done                              *training.DoneEvent
	failed                            *training.ErrorEvent
}

func newRecord(cfg training.Config, classes []string) *record {
	return &record{cfg: cfg, classes: classes}
}

// add records one event.
func (r *record) add(ev training.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e := ev.(type) {
	case *training.BatchEvent:
		r.progress = e.Progress
		r.step = append(r.step, float64(e.Step))
		r.epoch = append(r.epoch, float64(e.Step)/float64(e.Batches))
		r.secs = append(r.secs, e.Elapsed.Seconds())
		r.loss = append(r.loss, e.Loss)
		r.acc = append(r.acc, e.Accuracy)
	case *training.EpochEvent:
		r.progress = e.Progress
		r.history = append(r.history, e.Summary)
		if e.Summary.Val.N > 0 {
			r.vStep = append(r.vStep, float64(e.Step))
			r.vEpoch = append(r.vEpoch, float64(e.Summary.Epoch))
			r.vSecs = append(r.vSecs, e.Elapsed.Seconds())
			r.vLoss = append(r.vLoss, e.Summary.Val.Loss)
			r.vAcc = append(r.vAcc, e.Summary.Val.Accuracy)
		}
	case *training.DoneEvent:
		r.progress = e.Progress
		r.done = e
	case *training.ErrorEvent:
		r.progress = e.Progress
		r.failed = e
	}
}

// snapshot is a copy of a record that the renderer and the UI own.
type snapshot struct {
	cfg                               training.Config
	classes                           []string
	step, epoch, secs, loss, acc      []float64
	vStep, vEpoch, vSecs, vLoss, vAcc []float64
	history                           []training.EpochSummary
	progress                          training.Progress
	done                              *training.DoneEvent
	failed                            *training.ErrorEvent
}

func (r *record) snapshot() *snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := func(v []float64) []float64 { return append([]float64(nil), v...) }
	return &snapshot{
		cfg: r.cfg, classes: r.classes,
		step: c(r.step), epoch: c(r.epoch), secs: c(r.secs), loss: c(r.loss), acc: c(r.acc),
		vStep: c(r.vStep), vEpoch: c(r.vEpoch), vSecs: c(r.vSecs), vLoss: c(r.vLoss), vAcc: c(r.vAcc),
		history:  append([]training.EpochSummary(nil), r.history...),
		progress: r.progress, done: r.done, failed: r.failed,
	}
}

// x returns the batch and validation x coordinates in the chosen unit.
func (s *snapshot) x(axis string) (batch, val []float64) {
	switch axis {
	case axisEpoch:
		return s.epoch, s.vEpoch
	case axisSeconds:
		return s.secs, s.vSecs
	}
	return s.step, s.vStep
}
