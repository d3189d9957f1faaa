//go:build unix

package runs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/neuralworkbench/workbench/training"
)

var (
	dataOnce sync.Once
	data     *training.Data
	dataErr  error
)

func smallData(t *testing.T) (training.Config, *training.Data) {
	t.Helper()
	cfg := training.DefaultConfig()
	cfg.Limit, cfg.Epochs = 600, 3
	dataOnce.Do(func() { data, dataErr = training.Prepare(cfg) })
	if dataErr != nil {
		t.Fatal(dataErr)
	}
	return cfg, data
}

// record runs cfg to its end into a record in dir, calling after for each
// epoch once it is written; it returns the run's last event.
func record(t *testing.T, dir string, cfg training.Config, data *training.Data, after func(epoch int)) training.Event {
	t.Helper()
	w, err := Create(dir, cfg, data, "", "")
	if err != nil {
		t.Fatal(err)
	}
	run, err := training.Start(context.Background(), cfg, data, training.Checkpoints())
	if err != nil {
		t.Fatal(err)
	}
	var last training.Event
	for ev := range run.Events() {
		last = ev
		if err := w.Event(ev); err != nil {
			t.Fatal(err)
		}
		if e, ok := ev.(*training.EpochEvent); ok && after != nil {
			after(e.Summary.Epoch)
		}
	}
	run.Wait()
	if err := w.Finish(last); err != nil {
		t.Fatal(err)
	}
	return last
}

// epochRows returns the record's metrics lines of split "epoch".
func epochRows(t *testing.T, dir string) []Row {
	t.Helper()
	rows, err := ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []Row
	for _, r := range rows {
		if r.Split == "epoch" {
			out = append(out, r)
		}
	}
	return out
}

// TestRecordAsTheRunGoes: after every epoch the folder is a usable
// record (its metrics so far, a loadable model of that epoch, a summary
// saying running); a second run into the folder is refused meanwhile; at
// the end the summary says done, and every file has the same permissions.
func TestRecordAsTheRunGoes(t *testing.T) {
	cfg, data := smallData(t)
	dir := t.TempDir()
	// A previous run's files and a temporary file a killed write left.
	os.WriteFile(filepath.Join(dir, MetricsFile), []byte("epoch\n9,old\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "."+training.WeightsFile+".12345"), []byte("half a model"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)

	last := record(t, dir, cfg, data, func(epoch int) {
		s, err := ReadSummary(dir)
		if err != nil || s.Status != Running || s.Epochs != epoch {
			t.Errorf("after epoch %d: summary %+v, %v; want running, %d epochs", epoch, s, err, epoch)
		}
		if n := len(epochRows(t, dir)); n != epoch {
			t.Errorf("after epoch %d: %d epoch lines in the metrics", epoch, n)
		}
		if _, err := training.LoadModel(dir); err != nil {
			t.Errorf("after epoch %d: the model does not load: %v", epoch, err)
		}
		if _, err := Create(dir, cfg, data, "", ""); err == nil || !strings.Contains(err.Error(), "is in use by another run (process ") {
			t.Errorf("a second run into a busy folder: %v, want it refused naming the process", err)
		}
	})
	done, ok := last.(*training.DoneEvent)
	if !ok {
		t.Fatalf("the run ended with %T", last)
	}
	s, err := ReadSummary(dir)
	if err != nil || s.Status != Done || s.Epochs != 3 || s.TestAcc == nil || *s.TestAcc != done.Test.Accuracy {
		t.Errorf("final summary %+v, %v; want done, 3 epochs, test accuracy %v", s, err, done.Test.Accuracy)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, _ := e.Info()
		switch {
		case strings.HasPrefix(e.Name(), "."+training.WeightsFile):
			t.Errorf("the stray temporary file %s is still there", e.Name())
		case e.Name() != lockFile && info.Mode().Perm() != 0o644&^os.FileMode(umask()):
			t.Errorf("%s has permissions %v, want %v", e.Name(), info.Mode().Perm(), 0o644&^os.FileMode(umask()))
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
		t.Errorf("a file that is not the record's was touched")
	}
}

// TestKilledRunReadsInterrupted: a record whose writer went away without
// finishing (its process killed) reads as interrupted, and the folder can
// take a new run.
func TestKilledRunReadsInterrupted(t *testing.T) {
	cfg, data := smallData(t)
	dir := t.TempDir()
	w, err := Create(dir, cfg, data, "", "")
	if err != nil {
		t.Fatal(err)
	}
	w.Close() // as the system does for a killed process
	if s, err := ReadSummary(dir); err != nil || s.Status != Interrupted {
		t.Errorf("summary of a run gone without finishing: %+v, %v; want interrupted", s, err)
	}
	w, err = Create(dir, cfg, data, "", "")
	if err != nil {
		t.Fatalf("a new run in the folder of an interrupted one: %v", err)
	}
	w.Close()
}
