//go:build unix

package runs

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/neuralworkbench/workbench/training"
)

// TestRecordKeepsBestAndChanges: a run's record holds the best epoch's
// weights beside the last, its summary names the best epoch, a model
// loaded from the folder is the best one (its test accuracy the summary's)
// and config.json holds the run's changes, so that the run can be made
// again.
func TestRecordKeepsBestAndChanges(t *testing.T) {
	cfg, data := smallData(t)
	cfg.Epochs = 4
	cfg.Changes = []training.Change{{Step: 12, Setting: training.SettingLR, Value: 0.003}, {Step: 20, Setting: training.SettingWeightDecay, Value: 0.01}}
	dir := t.TempDir()
	done, ok := record(t, dir, cfg, data, nil).(*training.DoneEvent)
	if !ok || done.BestEpoch == 0 {
		t.Fatalf("the run ended without a best epoch: %+v", done)
	}
	s, err := ReadSummary(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.BestEpoch != done.BestEpoch || s.Kept != "best" || s.EarlyStopped {
		t.Errorf("summary: best epoch %d, kept %q, early stopped %v; the run: best epoch %d", s.BestEpoch, s.Kept, s.EarlyStopped, done.BestEpoch)
	}
	m, err := training.LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Best || m.Epoch != done.BestEpoch {
		t.Errorf("LoadModel(dir) gave best %v, epoch %d", m.Best, m.Epoch)
	}
	if m.Init == nil {
		t.Error("the best model has no initial weights (the landscape needs them)")
	}
	p, err := m.PredictSplit(data.Test)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Accuracy(); s.TestAcc == nil || got != *s.TestAcc {
		t.Errorf("the loaded model scores %.4f, the summary says %v", got, s.TestAcc)
	}
	want := []training.Change{
		{Step: 12, Setting: training.SettingLR, From: cfg.LR, Value: 0.003},
		{Step: 20, Setting: training.SettingWeightDecay, From: 0, Value: 0.01},
	}
	if !reflect.DeepEqual(m.Config.Changes, want) {
		t.Errorf("config.json's changes:\n%+v\nwant\n%+v", m.Config.Changes, want)
	}
	if _, err := os.Stat(filepath.Join(dir, training.BestFile)); err != nil {
		t.Error(err)
	}
	last, err := training.LoadModelKeeping(dir, training.KeepLast)
	if err != nil {
		t.Fatal(err)
	}
	if last.Best || last.Epoch != cfg.Epochs {
		t.Errorf("the last weights read as best %v, epoch %d", last.Best, last.Epoch)
	}
}
