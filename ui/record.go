package ui

import (
	"sort"
	"sync"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/dataset"
)

// record is what a run has reported so far. The goroutine reading the
// run's events writes it; the chart renderer reads snapshots of it.
type record struct {
	mu   sync.Mutex // guards data
	data snapshot
}

// snapshot is a copy of a record that the renderer and the UI own.
type snapshot struct {
	cfg     training.Config
	classes []string
	// per batch: the x coordinates in the three units and the values,
	// and the learning rate the update used
	step, epoch, secs, loss, acc, lr []float64
	// the live changes, in step order
	changes []training.Change
	// per epoch, from the validation set
	vStep, vEpoch, vSecs, vLoss, vAcc []float64
	history                           []training.EpochSummary
	progress                          training.Progress
	done                              *training.DoneEvent
	test                              *dataset.Split // the images the test results count, for the mistakes gallery
	failed                            *training.ErrorEvent
}

func newRecord(cfg training.Config, classes []string) *record {
	return &record{data: snapshot{cfg: cfg, classes: classes}}
}

// cfg is the run's experiment.
func (r *record) cfg() training.Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.data.cfg
}

// setData records the class names and the test set once the data is
// loaded.
func (r *record) setData(data *training.Data) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.data.classes, r.data.test = data.Classes, data.Test
}

// add records one event.
func (r *record) add(ev training.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := &r.data
	switch e := ev.(type) {
	case *training.BatchEvent:
		d.progress = e.Progress
		d.step = append(d.step, float64(e.Step))
		d.epoch = append(d.epoch, float64(e.Step)/float64(e.Batches))
		d.secs = append(d.secs, e.Elapsed.Seconds())
		d.loss = append(d.loss, e.Loss)
		d.acc = append(d.acc, e.Accuracy)
		d.lr = append(d.lr, e.LR)
	case *training.ChangeEvent:
		d.changes = append(d.changes, e.Change)
	case *training.EpochEvent:
		d.progress = e.Progress
		d.history = append(d.history, e.Summary)
		if e.Summary.Val.N > 0 {
			d.vStep = append(d.vStep, float64(e.Step))
			d.vEpoch = append(d.vEpoch, float64(e.Summary.Epoch))
			d.vSecs = append(d.vSecs, e.Elapsed.Seconds())
			d.vLoss = append(d.vLoss, e.Summary.Val.Loss)
			d.vAcc = append(d.vAcc, e.Summary.Val.Accuracy)
		}
	case *training.DoneEvent:
		d.progress, d.done = e.Progress, e
	case *training.ErrorEvent:
		d.progress, d.failed = e.Progress, e
	}
}

// snapshot copies the record.
func (r *record) snapshot() *snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.data
	s.changes = append([]training.Change(nil), s.changes...)
	for _, v := range []*[]float64{&s.step, &s.epoch, &s.secs, &s.loss, &s.acc, &s.lr, &s.vStep, &s.vEpoch, &s.vSecs, &s.vLoss, &s.vAcc} {
		*v = append([]float64(nil), *v...)
	}
	s.history = append([]training.EpochSummary(nil), s.history...)
	return &s
}

// stepX is where step (from 1) lies on the chosen x axis: its batch's
// coordinate, if the snapshot has it.
func (s *snapshot) stepX(axis string, step int) (float64, bool) {
	i := sort.SearchFloat64s(s.step, float64(step))
	if i == len(s.step) || s.step[i] != float64(step) {
		return 0, false
	}
	bx, _ := s.x(axis)
	return bx[i], true
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
