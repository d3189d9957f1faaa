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

// A running run rewrites its summary every epoch: an edit goes beside it,
// reads at once, and survives the run being killed; editing the killed
// run later folds it into summary.json.
func TestSetNameOfARunningRun(t *testing.T) {
	store := Store{Dir: t.TempDir()}
	e := fakeRun(t, store, "20261202-035600-3fa2c1", "running")
	l, err := lockFolder(e.Dir) // what a run's Writer holds
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(e.Dir, SummaryFile))
	if err := store.SetName(e, "renamed"); err != nil {
		t.Fatalf("SetName of a running run: %v", err)
	}
	if err := store.SetNote(e, "still going"); err != nil {
		t.Fatalf("SetNote of a running run: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(e.Dir, SummaryFile)); string(after) != string(before) {
		t.Error("an edit of a running run wrote summary.json, which its writer owns")
	}
	got, _ := store.Find(e.ID)
	if got.Summary.Name != "renamed" || got.Summary.Note != "still going" || got.Summary.Status != Running {
		t.Errorf("a running run after the edits: %q, %q, %s", got.Summary.Name, got.Summary.Note, got.Summary.Status)
	}
	l.release()

	// Killed: it reads as interrupted, with its edits; editing it again
	// writes them into summary.json, keeping "running" in the file.
	got, _ = store.Find(e.ID)
	if got.Summary.Name != "renamed" || got.Summary.Status != Interrupted {
		t.Errorf("the killed run: name %q, status %s; want renamed, interrupted", got.Summary.Name, got.Summary.Status)
	}
	if err := store.SetName(got, "renamed again"); err != nil {
		t.Fatalf("SetName of an interrupted run: %v", err)
	}
	got, _ = store.Find(e.ID)
	if got.Summary.Name != "renamed again" || got.Summary.Note != "still going" || got.Summary.Status != Interrupted {
		t.Errorf("after renaming the interrupted run: %q, %q, %s", got.Summary.Name, got.Summary.Note, got.Summary.Status)
	}
	b, _ := os.ReadFile(filepath.Join(e.Dir, SummaryFile))
	if !strings.Contains(string(b), `"status": "running"`) || !strings.Contains(string(b), `"note": "still going"`) {
		t.Errorf("summary.json: %s", b)
	}
	if _, err := os.Stat(filepath.Join(e.Dir, EditsFile)); err == nil {
		t.Error("edits.json is left once folded into the summary")
	}
	// A damaged edits.json is ignored, not a damaged run.
	os.WriteFile(filepath.Join(e.Dir, EditsFile), []byte("{nonsense"), 0o644)
	if got, err := store.Find(e.ID); err != nil || got.Damaged != "" || got.Summary.Name != "renamed again" {
		t.Errorf("with a damaged edits.json: %v %q %q", err, got.Damaged, got.Summary.Name)
	}
}

// TestRenameWhileTraining renames a real run between its epochs: the
// writer folds the name in and the finished record keeps it.
func TestRenameWhileTraining(t *testing.T) {
	cfg, data := smallData(t)
	store := Store{Dir: t.TempDir()}
	dir := filepath.Join(store.Dir, "20261202-035600-3fa2c1")
	record(t, dir, cfg, data, func(epoch int) {
		if epoch == 1 {
			if err := store.SetName(Entry{ID: filepath.Base(dir), Dir: dir}, "renamed while training"); err != nil {
				t.Fatal(err)
			}
		}
	})
	b, _ := os.ReadFile(filepath.Join(dir, SummaryFile))
	if !strings.Contains(string(b), `"name": "renamed while training"`) || !strings.Contains(string(b), `"status": "done"`) {
		t.Errorf("the finished summary: %s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, EditsFile)); err == nil {
		t.Error("edits.json is left after the run")
	}
}
