//go:build unix

package runs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training"
)

// fakeRun writes a finished run's summary.json and config.json into a new
// folder of store, as a run would leave them, and returns it as listed.
func fakeRun(t *testing.T, store Store, id, status string) Entry {
	t.Helper()
	dir := filepath.Join(store.Dir, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	summary := `{"name": "784-128-64-3 adam lr 0.001", "status": "` + status + `", "classes": ["3","5","8"], "architecture": "784-128-64-3",
		"parameters": 108931, "seed": 1, "app": "abc", "epochs": 5, "started": "2026-12-02T03:56:00Z", "test_loss": 0.04, "test_acc": 0.984,
		"confusion": [[1000,3,7],[14,877,1],[6,16,952]], "precision": {"3": 0.98, "5": null, "8": 0.99}}`
	os.WriteFile(filepath.Join(dir, SummaryFile), []byte(summary), 0o644)
	os.WriteFile(filepath.Join(dir, training.ConfigFile), []byte(`{"dataset": "mnist", "hidden": [128, 64], "lr": 0.001, "epochs": 5}`), 0o644)
	e, err := store.Find(id)
	if err != nil || e.Damaged != "" {
		t.Fatalf("the fake run %s: %v %s", id, err, e.Damaged)
	}
	return e
}

func TestSetNameAndNote(t *testing.T) {
	store := Store{Dir: t.TempDir()}
	e := fakeRun(t, store, "20261202-035600-3fa2c1", "done")
	if err := store.SetName(e, "  wide first layer  "); err != nil {
		t.Fatal(err)
	}
	if err := store.SetNote(e, "Tried after the sweep:\n\tlr 1e-3 was best."); err != nil {
		t.Fatal(err)
	}
	got, err := store.Find(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := e.Summary
	want.Name, want.Note = "wide first layer", "Tried after the sweep:\n\tlr 1e-3 was best."
	if !reflect.DeepEqual(got.Summary, want) {
		t.Errorf("after SetName and SetNote the summary is\n%+v\nwant\n%+v", got.Summary, want)
	}
	// Written whole with the record's permissions; no temporary left.
	entries, _ := os.ReadDir(e.Dir)
	for _, f := range entries {
		if strings.HasPrefix(f.Name(), "."+SummaryFile) {
			t.Errorf("a temporary file %s is left", f.Name())
		}
	}
	if fi, err := os.Stat(filepath.Join(e.Dir, SummaryFile)); err != nil || fi.Mode().Perm()&^0o022 != 0o644&^0o022 {
		t.Errorf("summary.json: %v, %v; want mode 0644 (less the umask)", fi.Mode(), err)
	}
	// An empty note removes it.
	if err := store.SetNote(got, ""); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(e.Dir, SummaryFile))
	if strings.Contains(string(b), `"note"`) {
		t.Errorf("an empty note is still written: %s", b)
	}
}

func TestSetNameRefuses(t *testing.T) {
	store := Store{Dir: t.TempDir()}
	e := fakeRun(t, store, "20261202-035600-3fa2c1", "done")
	tests := []struct {
		name, want string
	}{
		{"   ", "a run's name cannot be blank"},
		{"two\nlines", "the name must be one line"},
		{"bell\a", "the name holds a control character (U+0007)"},
		{strings.Repeat("é", MaxName+1), "the name is 201 characters long; at most 200 are kept"},
		{"bad \xff byte", "the name is not valid UTF-8 text"},
	}
	for _, tt := range tests {
		if err := store.SetName(e, tt.name); err == nil || err.Error() != tt.want {
			t.Errorf("SetName(%q) = %v, want %q", tt.name, err, tt.want)
		}
	}
	if err := store.SetNote(e, strings.Repeat("x", MaxNote+1)); err == nil || !strings.Contains(err.Error(), "at most 10000") {
		t.Errorf("SetNote(too long) = %v", err)
	}
	if got, _ := store.Find(e.ID); got.Summary.Name != e.Summary.Name {
		t.Errorf("a refused name changed the run's name to %q", got.Summary.Name)
	}

	other := Store{Dir: t.TempDir()}
	if err := other.SetName(e, "x"); err == nil || !strings.Contains(err.Error(), "is not a run of "+other.Dir) {
		t.Errorf("SetName of another store's run = %v", err)
	}
	damaged := Entry{ID: "19990101-000000-aaaaaa", Dir: filepath.Join(store.Dir, "19990101-000000-aaaaaa"), Damaged: "no summary.json"}
	if err := store.SetName(damaged, "x"); err == nil || !strings.Contains(err.Error(), "cannot be edited: no summary.json") {
		t.Errorf("SetName of a damaged run = %v", err)
	}
}

// A running run rewrites its summary every epoch: an edit is refused,
// saying why, and the summary is left alone. Once it has ended, it works.
func TestSetNameOfARunningRun(t *testing.T) {
	store := Store{Dir: t.TempDir()}
	e := fakeRun(t, store, "20261202-035600-3fa2c1", "running")
	l, err := lockFolder(e.Dir) // what a run's Writer holds
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(e.Dir, SummaryFile))
	err = store.SetName(e, "renamed")
	if err == nil || !strings.Contains(err.Error(), "run 20261202-035600-3fa2c1 is still running") || !strings.Contains(err.Error(), "once it has ended") {
		t.Errorf("SetName of a running run = %v, want it refused, saying why", err)
	}
	if after, _ := os.ReadFile(filepath.Join(e.Dir, SummaryFile)); string(after) != string(before) {
		t.Error("a refused edit changed summary.json")
	}
	l.release()

	// Now it reads as interrupted (killed); renaming it keeps its status
	// "running" in the file, so that it still reads as interrupted.
	if err := store.SetName(e, "renamed"); err != nil {
		t.Fatalf("SetName of an interrupted run: %v", err)
	}
	got, _ := store.Find(e.ID)
	if got.Summary.Name != "renamed" || got.Summary.Status != Interrupted {
		t.Errorf("after renaming an interrupted run: name %q, status %s; want renamed, interrupted", got.Summary.Name, got.Summary.Status)
	}
	if b, _ := os.ReadFile(filepath.Join(e.Dir, SummaryFile)); !strings.Contains(string(b), `"status": "running"`) {
		t.Errorf("summary.json lost its status: %s", b)
	}
}
