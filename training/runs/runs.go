// Package runs keeps a training run's record in a folder, written as the
// run goes so that a run stopped in any way, Ctrl-C, SIGTERM, SIGKILL or
// the machine running out of memory, leaves every finished epoch behind:
//
//   - config.json, the experiment's settings, and summary.json, status
//     "running", as soon as the run starts;
//   - metrics.csv, a line appended (and synced) for every finished epoch;
//   - model.safetensors and init.safetensors, the weights of the last
//     finished epoch and the initial ones, and summary.json, replaced
//     whole (written to a temporary name, then renamed) after every epoch;
//   - at the end, the final model and summary: status done, stopped,
//     diverged or failed.
//
// A run holds a lock on its folder while it writes (a second run into the
// same folder is refused); a summary that still says "running" when no
// run holds the lock is read as "interrupted". A record's files have the
// same permissions (0644), and a new run in a folder first removes the
// previous run's files and any temporary file a killed write left.
package runs

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
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
	lockFile    = ".lock"
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
	Status       Status   `json:"status"`
	Classes      []string `json:"classes"`
	Architecture string   `json:"architecture"`
	Parameters   int      `json:"parameters"`
	Epochs       int      `json:"epochs"` // finished epochs
	Started      string   `json:"started"`
	// The last finished epoch's validation metrics, while running.
	ValLoss *float64 `json:"val_loss,omitempty"`
	ValAcc  *float64 `json:"val_acc,omitempty"`
	// At the end.
	TestLoss      *float64 `json:"test_loss,omitempty"`
	TestAcc       *float64 `json:"test_acc,omitempty"`
	Confusion     [][]int  `json:"confusion,omitempty"`
	SamplesPerSec float64  `json:"samples_per_s,omitempty"`
	ElapsedS      float64  `json:"elapsed_s,omitempty"`
	Warning       string   `json:"warning,omitempty"`
	Error         string   `json:"error,omitempty"`
}

// Writer writes a run's record into its folder.
type Writer struct {
	dir     string
	lock    *lock
	metrics *os.File
	summary Summary
}

// the record's files, removed when a new run starts in a folder
var recordFiles = []string{training.WeightsFile, training.InitFile, training.ConfigFile, MetricsFile, SummaryFile}

// Create starts a record in dir (created if needed) for a run of cfg on
// data: it takes the folder's lock, removes a previous run's files and
// stray temporary files, and writes config.json, the header of
// metrics.csv and a summary saying "running". A folder another run is
// writing to, or one that cannot be written, is an error.
func Create(dir string, cfg training.Config, data *training.Data) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l, err := lockFolder(dir)
	if err != nil {
		return nil, err
	}
	w := &Writer{dir: dir, lock: l}
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
	if err := w.appendRow(metricsHeader); err != nil {
		return err
	}
	spec := cfg.Spec(len(data.Classes))
	w.summary = Summary{
		Status: Running, Classes: data.Classes, Architecture: spec.String(), Parameters: spec.ParamCount(),
		Started: time.Now().UTC().Format(time.RFC3339),
	}
	return w.writeSummary()
}

var metricsHeader = []string{"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "samples_per_s", "duration_s"}

// appendRow appends one CSV line to metrics.csv and syncs it to disk, so
// that a killed run loses at most the line being written.
func (w *Writer) appendRow(row []string) error {
	var b strings.Builder
	cw := csv.NewWriter(&b)
	cw.Write(row)
	cw.Flush()
	if _, err := w.metrics.WriteString(b.String()); err != nil {
		return err
	}
	return w.metrics.Sync()
}

// Epoch records a finished epoch: its metrics line, its weights (when the
// event carries them; see training.Checkpoints) and the summary.
func (w *Writer) Epoch(e *training.EpochEvent) error {
	s := e.Summary
	val, valAcc := "", ""
	w.summary.ValLoss, w.summary.ValAcc = nil, nil
	if s.Val.N > 0 {
		val, valAcc = ftoa(s.Val.Loss), ftoa(s.Val.Accuracy)
		w.summary.ValLoss, w.summary.ValAcc = finite(s.Val.Loss), finite(s.Val.Accuracy)
	}
	if err := w.appendRow([]string{strconv.Itoa(s.Epoch), ftoa(s.TrainLoss), ftoa(s.TrainAcc), val, valAcc,
		ftoa(math.Round(s.SamplesPerSec)), ftoa(seconds(s.Duration))}); err != nil {
		return err
	}
	if e.Model != nil {
		if err := e.Model.Save(w.dir); err != nil {
			return err
		}
	}
	w.summary.Epochs = s.Epoch
	return w.writeSummary()
}

// Finish records the run's last event: the final model (when there is
// one) and the summary with its status and test metrics. The lock is
// released.
func (w *Writer) Finish(last training.Event) error {
	defer w.Close()
	var model *training.Model
	switch e := last.(type) {
	case *training.DoneEvent:
		model = e.Model
		w.summary.Status = Done
		if e.Stopped {
			w.summary.Status = Stopped
		}
		w.summary.Epochs = len(e.History)
		w.summary.TestLoss, w.summary.TestAcc = finite(e.Test.Loss), finite(e.Test.Accuracy)
		w.summary.Confusion = e.Test.Confusion
		w.summary.SamplesPerSec, w.summary.ElapsedS = math.Round(e.SamplesPerSec), seconds(e.Elapsed)
		w.summary.Warning = e.Warning
	case *training.ErrorEvent:
		model = e.Model
		w.summary.Status = Failed
		if errors.As(e.Err, new(*training.DivergedError)) {
			w.summary.Status = Diverged
		}
		w.summary.Epochs = len(e.History)
		w.summary.Error = e.Err.Error()
	default:
		return fmt.Errorf("the run ended without a result (last event %T)", last)
	}
	if model != nil {
		if err := model.Save(w.dir); err != nil {
			return err
		}
	}
	return w.writeSummary()
}

// Close releases the folder's lock; a record left saying "running" then
// reads as interrupted. It may be called more than once.
func (w *Writer) Close() {
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

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }
