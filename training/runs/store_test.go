//go:build unix

package runs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training"
)

func TestMetricsAndPerClass(t *testing.T) {
	cfg, data := smallData(t)
	dir := t.TempDir()
	last := record(t, dir, cfg, data, nil)
	done := last.(*training.DoneEvent)
	rows, err := ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range rows {
		count[r.Split]++
	}
	if count["train"] != done.Steps || count["epoch"] != 3 || count["val"] != 3 || count["test"] != 1 {
		t.Errorf("metrics lines by split %v, want %d train, 3 epoch, 3 val, 1 test", count, done.Steps)
	}
	if r := rows[len(rows)-1]; r.Split != "test" || r.Acc != float64(float32(done.Test.Accuracy)) && fmt.Sprintf("%.6g", r.Acc) != fmt.Sprintf("%.6g", done.Test.Accuracy) {
		t.Errorf("last line %+v, want the test accuracy %v", r, done.Test.Accuracy)
	}
	// A torn last line is left out; a damaged line elsewhere is an error.
	path := filepath.Join(dir, MetricsFile)
	b, _ := os.ReadFile(path)
	os.WriteFile(path, append(b, "12,0.5,3.2,tra"...), 0o644)
	if again, err := ReadMetrics(dir); err != nil || len(again) != len(rows) {
		t.Errorf("with a torn last line: %d rows, %v; want %d", len(again), err, len(rows))
	}
	lines := strings.SplitN(string(b), "\n", 4)
	os.WriteFile(path, []byte(lines[0]+"\n"+lines[1]+"\nnot,a,row\n"+lines[3]), 0o644)
	if _, err := ReadMetrics(dir); err == nil || !strings.Contains(err.Error(), "line 3 is not step,epoch,time_s,split,loss,acc") {
		t.Errorf("with a damaged third line: %v", err)
	}

	precision, recall := perClass([]string{"a", "b", "c"}, [][]int{{8, 2, 0}, {1, 9, 0}, {0, 0, 0}})
	want := func(m map[string]*float64, k string, v float64) {
		if m[k] == nil || *m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	want(precision, "a", 8.0/9)
	want(precision, "b", 9.0/11)
	want(recall, "a", 0.8)
	want(recall, "b", 0.9)
	if precision["c"] != nil || recall["c"] != nil {
		t.Errorf("class c, never present nor predicted: precision %v recall %v, want null", precision["c"], recall["c"])
	}
}

func TestStore(t *testing.T) {
	cfg, data := smallData(t)
	store := Store{Dir: t.TempDir()}
	var ids []string
	for range 2 {
		dir, id, err := store.NewRun()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Epochs = 1
		record(t, dir, cfg, data, nil)
		ids = append(ids, id)
	}
	// A folder that is not a record, and one whose summary is garbage.
	os.Mkdir(filepath.Join(store.Dir, "19990101-000000-aaaaaa"), 0o755)
	os.Mkdir(filepath.Join(store.Dir, "19990101-000000-bbbbbb"), 0o755)
	os.WriteFile(filepath.Join(store.Dir, "19990101-000000-bbbbbb", SummaryFile), []byte("{not json"), 0o644)

	list, err := store.List()
	if err != nil || len(list) != 4 {
		t.Fatalf("List = %d runs, %v; want 4", len(list), err)
	}
	for _, e := range list[:2] {
		if e.Damaged != "" || e.Summary.Status != Done || e.Config.Epochs != 1 {
			t.Errorf("run %s: %+v", e.ID, e)
		}
	}
	if !strings.Contains(list[3].Damaged, "no summary.json") || !strings.Contains(list[2].Damaged, "invalid character") {
		t.Errorf("damaged folders listed as %q and %q", list[3].Damaged, list[2].Damaged)
	}

	if e, err := store.Find(ids[0][:len(ids[0])-2]); err != nil || e.ID != ids[0] {
		t.Errorf("Find(a prefix) = %s, %v; want %s", e.ID, err, ids[0])
	}
	if _, err := store.Find("19990101"); err == nil || !strings.Contains(err.Error(), `"19990101" is ambiguous: it starts 2 runs' IDs`) {
		t.Errorf("Find(an ambiguous prefix) = %v", err)
	}
	if _, err := store.Find("2001"); err == nil || !strings.Contains(err.Error(), `no run "2001"`) {
		t.Errorf("Find(unknown) = %v", err)
	}
	e, _ := store.Find(ids[1])
	if err := store.Delete(e); err != nil {
		t.Fatal(err)
	}
	if list, _ := store.List(); len(list) != 3 {
		t.Errorf("after Delete %d runs, want 3", len(list))
	}
	// A run still writing is not deleted.
	dir, _, _ := store.NewRun()
	w, err := Create(dir, cfg, data, "busy", "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	busy, _ := store.Find(filepath.Base(dir))
	if err := store.Delete(busy); err == nil || !strings.Contains(err.Error(), "is still running") {
		t.Errorf("Delete of a running run = %v", err)
	}
}

// BenchmarkList lists a store of 1,000 runs.
func BenchmarkList(b *testing.B) {
	store := Store{Dir: b.TempDir()}
	summary := []byte(`{"name": "784-128-64-3 adam lr 0.001", "status": "done", "classes": ["3","5","8"], "architecture": "784-128-64-3", "parameters": 108931, "seed": 1, "app": "abc", "epochs": 5, "started": "2026-12-02T03:56:00Z", "test_loss": 0.04, "test_acc": 0.984, "confusion": [[1000,3,7],[14,877,1],[6,16,952]]}`)
	config := []byte(`{"dataset": "mnist", "classes": ["3","5","8"], "hidden": [128, 64], "activation": ["relu","relu"], "loss": "ce", "optimizer": "adam", "lr": 0.001, "momentum": 0.9, "batch": 64, "epochs": 5, "weight_decay": 0, "augment": "none", "val_split": 0.1, "seed": 1, "limit": 0}`)
	for i := range 1000 {
		dir := filepath.Join(store.Dir, fmt.Sprintf("20261202-%06d-abcdef", i))
		os.Mkdir(dir, 0o755)
		os.WriteFile(filepath.Join(dir, SummaryFile), summary, 0o644)
		os.WriteFile(filepath.Join(dir, training.ConfigFile), config, 0o644)
	}
	b.ReportAllocs()
	for b.Loop() {
		list, err := store.List()
		if err != nil || len(list) != 1000 || list[0].Damaged != "" {
			b.Fatalf("List = %d, %v", len(list), err)
		}
	}
}
