//go:build unix

package runs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training/schedule"
)

// TestMetricsCarryTheLearningRate: every line of a scheduled run's
// metrics.csv has the rate in force, and a record written before
// schedules (six columns) still reads.
func TestMetricsCarryTheLearningRate(t *testing.T) {
	cfg, data := smallData(t)
	cfg.Optimizer, cfg.LR = "sgd", 0.1
	var err error
	if cfg.Schedule, err = schedule.Parse("step:1:0.5"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	record(t, dir, cfg, data, nil)
	rows, err := ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]float64{1: 0.1, 2: 0.05, 3: 0.025}
	for _, r := range rows {
		epoch := int(r.Epoch)
		if r.Split == "train" {
			epoch = int(r.Epoch-1e-9) + 1 // a batch line's epoch is fractional
		}
		if r.Split == "test" {
			epoch = 3
		}
		if r.LR != want[epoch] {
			t.Fatalf("line %+v has lr %g, want %g", r, r.LR, want[epoch])
		}
	}

	old := t.TempDir()
	os.WriteFile(filepath.Join(old, MetricsFile), []byte("step,epoch,time_s,split,loss,acc\n1,0.5,0.1,train,1.2,0.4\n2,1,0.2,epoch,1.1,0.5\n"), 0o644)
	rows, err = ReadMetrics(old)
	if err != nil || len(rows) != 2 || rows[1].Split != "epoch" || rows[1].LR != 0 {
		t.Errorf("an old record: %+v, %v", rows, err)
	}
	os.WriteFile(filepath.Join(old, MetricsFile), []byte(metricsHeader+"\n1,0.5,0.1,train,1.2,0.4\n"), 0o644)
	if _, err := ReadMetrics(old); err == nil || !strings.Contains(err.Error(), "line 2 is not "+metricsHeader) {
		t.Errorf("a line without its lr: %v", err)
	}
}
