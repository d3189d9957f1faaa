package cli

import (
	"encoding/json"
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
