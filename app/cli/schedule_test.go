package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainSchedule: --schedule's rate is in every epoch's JSON, and bad
// schedules exit 2 naming the field.
func TestTrainSchedule(t *testing.T) {
	status, stdout, stderr := run("train", "--json", "--epochs", "3", "--limit", "640", "--hidden", "16",
		"--optimizer", "sgd", "--lr", "0.1", "--schedule", "step:1:0.5")
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	var lrs []float64
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var m struct {
			Event string
			LR    float64
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		if m.Event == "epoch" {
			lrs = append(lrs, m.LR)
		}
	}
	if len(lrs) != 3 || lrs[0] != 0.1 || lrs[1] != 0.05 || lrs[2] != 0.025 {
		t.Errorf("epochs' lr %v, want [0.1 0.05 0.025]", lrs)
	}
	for _, tt := range []struct{ schedule, want string }{
		{"step:0:0.5", "--schedule: step: N must be ≥ 1 epoch (got 0)"},
		{"step:2:1.5", "GAMMA"},
		{"exp", `unknown schedule "exp"`},
		{"onecycle:0.0001", "MAXLR must be at least the base learning rate"},
	} {
		status, _, stderr := run("train", "--schedule", tt.schedule)
		if status != ExitUsage || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("--schedule %s: status %d, %q; want 2 and %q", tt.schedule, status, stderr, tt.want)
		}
	}
}

// TestTrainEarlyStop: --early-stop ends an overfitting run early, the
// done line names the best epoch and the record keeps both weights;
// --config replays a record's live changes and reports them; bad values
// exit 2 naming the flag.
func TestTrainEarlyStop(t *testing.T) {
	dir := t.TempDir()
	status, stdout, stderr := run("train", "--json", "--epochs", "40", "--limit", "1000", "--hidden", "64",
		"--lr", "0.01", "--early-stop", "2", "--out", dir)
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var done struct {
		Event        string
		BestEpoch    int  `json:"best_epoch"`
		EarlyStopped bool `json:"early_stopped"`
		Kept         string
		Epochs       int
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &done); err != nil {
		t.Fatal(err)
	}
	if done.Event != "done" || !done.EarlyStopped || done.Epochs != done.BestEpoch+2 || done.Kept != "best" {
		t.Errorf("done line %s", lines[len(lines)-1])
	}
	for _, f := range []string{"model.safetensors", "best.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}

	// In the store, runs show names the best epoch and the changes.
	status, stdout, stderr = run("train", "--json", "--epochs", "2", "--limit", "640", "--hidden", "16", "--config", writeChanges(t))
	lines = strings.Split(strings.TrimSpace(stdout), "\n")
	var stored struct{ Run string }
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &stored); status != ExitOK || err != nil || stored.Run == "" {
		t.Fatalf("status %d, %v: %s", status, err, stderr)
	}
	_, shown, _ := run("runs", "show", stored.Run)
	for _, want := range []string{"weights   best epoch", "the test metrics are the best epoch's", "change    lr 1e-3 → 3e-4 at step 3"} {
		if !strings.Contains(shown, want) {
			t.Errorf("runs show lacks %q:\n%s", want, shown)
		}
	}

	cfg := writeChanges(t)
	status, stdout, stderr = run("train", "--config", cfg, "--epochs", "1", "--limit", "640", "--hidden", "16")
	if status != ExitOK || !strings.Contains(stdout, "change    lr 1e-3 → 3e-4 at step 3") {
		t.Errorf("a replayed change: status %d, %s%s", status, stdout, stderr)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--early-stop", "x"}, "--early-stop: patience must be a whole number of epochs"},
		{[]string{"--early-stop", "3:loss"}, `unknown metric "loss" (allowed: val_loss, val_acc)`},
		{[]string{"--early-stop", "3", "--val-split", "0"}, "early stop watches the validation set"},
		{[]string{"--keep", "first"}, `--keep: unknown choice "first" (allowed: best, last)`},
	} {
		status, _, stderr := run(append([]string{"train"}, tt.args...)...)
		if status != ExitUsage || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: status %d, %q; want 2 and %q", tt.args, status, stderr, tt.want)
		}
	}
}

// writeChanges writes a config file with one live change, lr 3e-4 from
// step 3.
func writeChanges(t *testing.T) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "changes.json")
	if err := os.WriteFile(cfg, []byte(`{"changes": [{"step": 3, "setting": "lr", "value": 0.0003}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}
