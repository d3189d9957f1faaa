// Package runs keeps a training run's record in a folder, written as the
// run goes so that a run stopped in any way, Ctrl-C, SIGTERM, SIGKILL or
// the machine running out of memory, leaves every finished epoch behind:
//
//   - config.json, the experiment's settings, and summary.json, status
//     "running", as soon as the run starts;
//   - metrics.csv, columns step,epoch,time_s,split,loss,acc,lr (lr the
//     learning rate in force; records written before schedules lack it): a line for
//     every batch (split "train"), for every finished epoch its training
//     average ("epoch") and validation ("val"), and at the end the test
//     set ("test"); appended as the run goes and synced at every epoch's
//     end (a torn last line, from a run killed while writing, is ignored
//     on reading);
//   - model.safetensors and init.safetensors, the weights of the last
//     finished epoch and the initial ones, and summary.json, replaced
//     whole (written to a temporary name, then renamed) after every epoch;
//   - at the end, the final model and summary: status done, stopped,
//     diverged or failed;
//   - edits.json, only while a run renamed as it trains waits for its
//     writer to fold the new name or note into the summary.
//
// A run holds a lock on its folder while it writes (a second run into the
// same folder is refused); a summary that still says "running" when no
// run holds the lock is read as "interrupted". A record's files have the
// same permissions (0644), and a new run in a folder first removes the
// previous run's files and any temporary file a killed write left.
package runs

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/regular"
)

// The files of a record.
const (
	MetricsFile = "metrics.csv"
	SummaryFile = "summary.json"
	// EditsFile holds a name or note given while the run was writing
	// its record (see Store.SetName); the writer folds it into the
	// summary at its next rewrite and removes it when the run ends.
	EditsFile = "edits.json"
	lockFile  = ".lock"
)

// Status is where a run stands.
type Status string

const (
	Running     Status = "running"
	Done        Status = "done"
	Stopped     Status = "stopped"     // by the user: Stop, Ctrl-C, SIGTERM
	Diverged    Status = "diverged"    // its loss or weights stopped being finite numbers
	Failed      Status = "failed"      // an error ended it
	Interrupted Status = "interrupted" // killed while running: read from a record left saying "running"
)

// Summary is summary.json.
type Summary struct {
	Name         string   `json:"name"`
	Note         string   `json:"note,omitempty"`
	Status       Status   `json:"status"`
	Classes      []string `json:"classes"`
	Architecture string   `json:"architecture"`
	Parameters   int      `json:"parameters"`
	Seed         uint64   `json:"seed"`
	App          string   `json:"app"`    // the program's version: its commit, when built from one
	Epochs       int      `json:"epochs"` // finished epochs
	Started      string   `json:"started"`
	Finished     string   `json:"finished,omitempty"`
	// The last finished epoch's validation metrics, while running.
	ValLoss *float64 `json:"val_loss,omitempty"`
	ValAcc  *float64 `json:"val_acc,omitempty"`
	// At the end.
	TestLoss  *float64 `json:"test_loss,omitempty"`
	TestAcc   *float64 `json:"test_acc,omitempty"`
	Confusion [][]int  `json:"confusion,omitempty"`
	// Per class, by name: null where undefined (no test images of the
	// class, or none predicted as it).
	Precision     map[string]*float64 `json:"precision,omitempty"`
	Recall        map[string]*float64 `json:"recall,omitempty"`
	SamplesPerSec float64             `json:"samples_per_s,omitempty"`
	ElapsedS      float64             `json:"elapsed_s,omitempty"`
	Warning       string              `json:"warning,omitempty"`
	// BestEpoch is the epoch with the best validation metric, whose
	// weights are best.safetensors (0: none, no validation split); Kept
	// says which weights the test metrics are of, "best" or "last".
	BestEpoch    int    `json:"best_epoch,omitempty"`
	Kept         string `json:"kept,omitempty"`
	EarlyStopped bool   `json:"early_stopped,omitempty"`
	Error        string `json:"error,omitempty"`
	// Sweep is set for a run made by a sweep.
	Sweep *SweepInfo `json:"sweep,omitempty"`
}

// SweepInfo places a run in its sweep: the sweep's ID, the settings it
// varies, in order, and this run's value of each (as the sweep's grammar
// writes them), so that a sweep's table and plots can be rebuilt from the
// store alone.
type SweepInfo struct {
	ID       string   `json:"id"`
	Settings []string `json:"settings"`
	Values   []string `json:"values"`
}

// Writer writes a run's record into its folder.
type Writer struct {
	dir     string
	lock    *lock
	metrics *os.File
	rows    *bufio.Writer // metrics.csv, flushed at every epoch's end
	summary Summary
	saved   bool    // a checkpoint has been written: init.safetensors and config.json are there
	lr      float64 // the learning rate of the last line written
	changes int     // the live changes config.json holds
}

// the record's files, removed when a new run starts in a folder
var recordFiles = []string{training.WeightsFile, training.BestFile, training.InitFile, training.ConfigFile, MetricsFile, SummaryFile, EditsFile}

// Create starts a record in dir (created if needed) for a run of cfg on
// data: it takes the folder's lock, removes a previous run's files and
// stray temporary files, and writes config.json, the header of
// metrics.csv and a summary saying "running". A folder another run is
// writing to, or one that cannot be written, is an error.
func Create(dir string, cfg training.Config, data *training.Data, name, note string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l, err := lockFolder(dir)
	if err != nil {
		return nil, err
	}
	w := &Writer{dir: dir, lock: l, summary: Summary{Name: name, Note: note}}
	if err := w.start(cfg, data); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

func (w *Writer) start(cfg training.Config, data *training.Data) error {
	entries, err := os.ReadDir(w.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		stray := false
		for _, f := range recordFiles {
			// training's atomic writes use "."+name+".*" temporaries.
			stray = stray || name == f || strings.HasPrefix(name, "."+f+".")
		}
		if stray {
			if err := os.Remove(filepath.Join(w.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	js, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	if err := training.WriteFileAtomic(filepath.Join(w.dir, training.ConfigFile), append(js, '\n')); err != nil {
		return err
	}
	w.metrics, err = os.OpenFile(filepath.Join(w.dir, MetricsFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	w.rows = bufio.NewWriterSize(w.metrics, 64<<10)
	w.rows.WriteString(metricsHeader + "\n")
	if err := w.sync(); err != nil {
		return err
	}
	spec := cfg.Spec(len(data.Classes))
	s := &w.summary
	s.Status, s.Classes, s.Architecture, s.Parameters = Running, data.Classes, spec.String(), spec.ParamCount()
	s.Seed, s.App, s.Started = cfg.Seed, appVersion(), now()
	if s.Name == "" {
		s.Name = spec.String() + " " + string(cfg.Optimizer) + " lr " + strconv.FormatFloat(cfg.LR, 'g', -1, 64)
	}
	return w.writeSummary()
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

// appVersion is the commit the program was built from ("+" if modified),
// or "devel".
func appVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	rev, dirty := "", false
	for _, kv := range info.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value[:min(12, len(kv.Value))]
		case "vcs.modified":
			dirty = kv.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if dirty {
		rev += "+"
	}
	return rev
}

const (
	metricsHeader = "step,epoch,time_s,split,loss,acc,lr"
	// oldMetricsHeader is metrics.csv's header before learning-rate
	// schedules, which ReadMetrics still reads.
	oldMetricsHeader = "step,epoch,time_s,split,loss,acc"
)

// row appends one line to metrics.csv's buffer.
func (w *Writer) row(step int, epoch, secs float64, split string, loss, acc, lr float64) {
	b := w.rows.AvailableBuffer()
	b = strconv.AppendInt(b, int64(step), 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, epoch, 'g', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, math.Round(secs*1000)/1000, 'g', -1, 64)
	b = append(b, ',')
	b = append(b, split...)
	b = append(b, ',')
	b = strconv.AppendFloat(b, loss, 'g', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, acc, 'g', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, lr, 'g', 6, 64)
	b = append(b, '\n')
	w.lr = lr
	w.rows.Write(b)
}

// sync writes metrics.csv's buffered lines and syncs them to disk.
func (w *Writer) sync() error {
	if err := w.rows.Flush(); err != nil {
		return err
	}
	return w.metrics.Sync()
}

// SetSweep marks the run as part of a sweep; call it before the run's
// first event.
func (w *Writer) SetSweep(info SweepInfo) error {
	w.summary.Sweep = &info
	return w.writeSummary()
}

// Record feeds a run's events to w and to observe (which may be nil) until
// the run ends, and returns its last event. A failure to write the record
// stops the run (it still ends with its results, which observe sees) and
// is returned once the run has ended; Finish is left to the caller.
func Record(w *Writer, run *training.Run, observe func(training.Event)) (last training.Event, err error) {
	for ev := range run.Events() {
		last = ev
		if observe != nil {
			observe(ev)
		}
		if err == nil {
			if err = w.Event(ev); err != nil {
				run.Stop()
			}
		}
	}
	run.Wait()
	return last, err
}

// Event records one of a run's events: a batch's line; or at an epoch's
// end its lines, synced, its weights (when the event carries them; see
// training.Checkpoints) and the summary. The run's last event goes to
// Finish.
func (w *Writer) Event(ev training.Event) error {
	switch e := ev.(type) {
	case *training.BatchEvent:
		w.row(e.Step, float64(e.Step)/float64(e.Batches), e.Elapsed.Seconds(), "train", e.Loss, e.Accuracy, e.LR)
	case *training.EpochEvent:
		return w.epoch(e)
	}
	return nil
}

func (w *Writer) epoch(e *training.EpochEvent) error {
	s := e.Summary
	w.row(e.Step, float64(s.Epoch), e.Elapsed.Seconds(), "epoch", s.TrainLoss, s.TrainAcc, s.LR)
	w.summary.ValLoss, w.summary.ValAcc = nil, nil
	if s.Val.N > 0 {
		w.row(e.Step, float64(s.Epoch), e.Elapsed.Seconds(), "val", s.Val.Loss, s.Val.Accuracy, s.LR)
		w.summary.ValLoss, w.summary.ValAcc = finite(s.Val.Loss), finite(s.Val.Accuracy)
	}
	if err := w.sync(); err != nil {
		return err
	}
	if e.Model != nil {
		if err := w.save(e.Model); err != nil {
			return err
		}
		if s.Best {
			if err := e.Model.SaveBest(w.dir); err != nil {
				return err
			}
		}
	}
	if s.Best {
		w.summary.BestEpoch = s.Epoch
	}
	w.summary.Epochs = s.Epoch
	return w.writeSummary()
}

// Finish records the run's last event: the final model (when there is
// one) and the summary with its status and test metrics. The lock is
// released.
func (w *Writer) Finish(last training.Event) error {
	defer w.Close()
	var model, best *training.Model
	w.summary.Finished = now()
	w.summary.Status = StatusOf(last)
	switch e := last.(type) {
	case *training.DoneEvent:
		model, best = e.Model, e.Best
		if e.Last != nil {
			model = e.Last
		}
		w.summary.BestEpoch, w.summary.EarlyStopped = e.BestEpoch, e.EarlyStopped
		w.summary.Kept = "last"
		if e.Model != nil && e.Model.Best {
			w.summary.Kept = "best"
		}
		w.summary.Epochs = len(e.History)
		w.summary.TestLoss, w.summary.TestAcc = finite(e.Test.Loss), finite(e.Test.Accuracy)
		w.summary.Confusion = e.Test.Confusion
		w.summary.Precision, w.summary.Recall = perClass(w.summary.Classes, e.Test.Confusion)
		w.row(e.Step, float64(e.Step)/float64(max(1, e.Batches)), e.Elapsed.Seconds(), "test", e.Test.Loss, e.Test.Accuracy, w.lr)
		w.summary.SamplesPerSec, w.summary.ElapsedS = math.Round(e.SamplesPerSec), seconds(e.Elapsed)
		w.summary.Warning = e.Warning
	case *training.ErrorEvent:
		model, best = e.Model, e.Best
		w.summary.BestEpoch = e.BestEpoch
		w.summary.Epochs = len(e.History)
		w.summary.Error = e.Err.Error()
	default:
		return fmt.Errorf("the run ended without a result (last event %T)", last)
	}
	if err := w.sync(); err != nil {
		return err
	}
	if model != nil {
		if err := w.save(model); err != nil {
			return err
		}
	}
	if best != nil {
		if err := best.SaveBest(w.dir); err != nil {
			return err
		}
	}
	if err := w.writeSummary(); err != nil {
		return err
	}
	return removeEdits(w.dir) // folded into the summary for good
}

// StatusOf is the status of a run that ended with the event last: done,
// stopped, diverged or failed (Running for an event that does not end a
// run).
func StatusOf(last training.Event) Status {
	switch e := last.(type) {
	case *training.DoneEvent:
		if e.Stopped {
			return Stopped
		}
		return Done
	case *training.ErrorEvent:
		if errors.As(e.Err, new(*training.DivergedError)) {
			return Diverged
		}
		return Failed
	}
	return Running
}

// save writes a checkpoint: the whole model the first time, then only
// its trained weights, since the initial weights and the config stay.
func (w *Writer) save(m *training.Model) error {
	if !w.saved {
		err := m.Save(w.dir)
		w.saved, w.changes = err == nil, len(m.Config.Changes)
		return err
	}
	if err := m.SaveTrained(w.dir); err != nil {
		return err
	}
	// The live changes made since the last checkpoint join the config.
	if n := len(m.Config.Changes); n != w.changes {
		if err := m.SaveConfig(w.dir); err != nil {
			return err
		}
		w.changes = n
	}
	return nil
}

// perClass returns each class's precision and recall from a confusion
// matrix (rows: true class, columns: predicted), nil where undefined.
func perClass(classes []string, confusion [][]int) (precision, recall map[string]*float64) {
	precision, recall = map[string]*float64{}, map[string]*float64{}
	for k, name := range classes {
		if k >= len(confusion) {
			break
		}
		var predicted, actual int
		for i := range confusion {
			if k < len(confusion[i]) {
				predicted += confusion[i][k]
			}
			actual += confusion[k][i]
		}
		ratio := func(n, d int) *float64 {
			if d == 0 {
				return nil
			}
			v := float64(n) / float64(d)
			return &v
		}
		precision[name], recall[name] = ratio(confusion[k][k], predicted), ratio(confusion[k][k], actual)
	}
	return precision, recall
}

// Close releases the folder's lock; a record left saying "running" then
// reads as interrupted. It may be called more than once.
func (w *Writer) Close() {
	if w.rows != nil {
		w.rows.Flush()
		w.rows = nil
	}
	if w.metrics != nil {
		w.metrics.Close()
		w.metrics = nil
	}
	if w.lock != nil {
		w.lock.release()
		w.lock = nil
	}
}

func (w *Writer) writeSummary() error {
	if ed, ok := readEdits(w.dir); ok {
		ed.apply(&w.summary)
	}
	js, err := json.MarshalIndent(w.summary, "", "  ")
	if err != nil {
		return err
	}
	return training.WriteFileAtomic(filepath.Join(w.dir, SummaryFile), append(js, '\n'))
}

// ReadSummary reads a record's summary.json. A record saying "running"
// whose folder no run holds is reported as Interrupted: its run was killed.
func ReadSummary(dir string) (Summary, error) {
	var s Summary
	b, err := regular.ReadFile(filepath.Join(dir, SummaryFile), 16<<20)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", filepath.Join(dir, SummaryFile), err)
	}
	if ed, ok := readEdits(dir); ok {
		ed.apply(&s)
	}
	if s.Status == Running && !locked(dir) {
		s.Status = Interrupted
	}
	return s, nil
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }
