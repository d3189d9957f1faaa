package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSweepBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"sweep"}, "vary at least one setting"},
		{[]string{"sweep", "--vary", "lr"}, "write a setting and its values"},
		{[]string{"sweep", "--vary", "speed=1,2"}, `unknown setting "speed"`},
		{[]string{"sweep", "--vary", "lr=1e-4..1e-1"}, "say how many values"},
		{[]string{"sweep", "--vary", "lr=1e-4..1e-1 x7 cubic"}, "lin or log"},
		{[]string{"sweep", "--vary", "lr=-1,1"}, "learning rate must be > 0"},
		{[]string{"sweep", "--vary", "lr=1e-5..1e-1 x100 log", "--vary", "batch=1..11 x11"}, "100 × 11 = 1100 runs; at most 1000"},
		{[]string{"sweep", "--vary", "lr=1,2", "--vary", "batch=8,16", "--vary", "epochs=1,2", "--vary", "seed=1,2"}, "at most 3 settings"},
		{[]string{"sweep", "--vary", "lr=0.1,0.2", "--vary", "lr=0.3"}, "lr is varied twice"},
		{[]string{"sweep", "--vary", "lr=1e-4..1e-1", "x7"}, `unexpected argument "x7"`},
		{[]string{"sweep", "--vary", "lr=0.1,0.2", "--markdown", "--csv"}, "not both"},
		{[]string{"sweep", "--vary", "lr=0.1,0.2", "--epochs", "0"}, "epochs must be between 1"},
	}
	for _, tt := range tests {
		status, _, stderr := run(tt.args...)
		if status != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: status %d, stderr %q; want %d and %q", tt.args, status, stderr, ExitUsage, tt.want)
		}
		if strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: stderr is not one line: %q", tt.args, stderr)
		}
	}
}

func TestSweepDryRun(t *testing.T) {
	status, stdout, stderr := run("sweep", "--dry-run", "--epochs", "2", "--vary", "lr=1e-3..1e-1 x3 log", "--vary", "hidden=none;32,16")
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	for _, want := range []string{"lr=0.001 hidden=none", "lr=0.01 hidden=32,16", "lr=0.1 hidden=32,16", "6 runs of 2 epochs each"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, stdout)
		}
	}
}

// TestSweepRunsAndTabulates runs a small sweep over two settings and two
// seeds and checks the JSON lines: one per run with its settings, then
// the table with mean ± sd over the seeds; and that its runs are in the
// store, listed by --sweep.
func TestSweepRunsAndTabulates(t *testing.T) {
	status, stdout, stderr := run("sweep", "--json", "--epochs", "1", "--limit", "640", "--hidden", "16",
		"--vary", "optimizer=sgd,adam", "--vary", "seed=1,2")
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 4 runs and the table:\n%s", len(lines), stdout)
	}
	ids := map[string]bool{}
	for i, l := range lines[:4] {
		var m struct {
			Event, Name, Run, Status string
			Values                   map[string]string
			TestAcc                  float64 `json:"test_acc"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		wantOpt := []string{"sgd", "sgd", "adam", "adam"}[i]
		if m.Event != "run" || m.Status != "done" || m.Values["optimizer"] != wantOpt || m.Run == "" || !(m.TestAcc > 0.34) {
			t.Errorf("run line %d: %s", i, l)
		}
		ids[m.Run] = true
	}
	var table struct {
		Event, Sweep string
		Runs, Seeds  int
		Settings     []string
		Header       []string
		Rows         [][]string
		Best         []string
	}
	if err := json.Unmarshal([]byte(lines[4]), &table); err != nil {
		t.Fatal(err)
	}
	if table.Event != "sweep" || table.Runs != 4 || table.Seeds != 2 || len(table.Rows) != 2 ||
		strings.Join(table.Settings, ",") != "optimizer" || table.Header[1] != "test accuracy" {
		t.Fatalf("table line: %s", lines[4])
	}
	for _, row := range table.Rows {
		if !strings.Contains(row[1], " ± ") || row[5] != "2" {
			t.Errorf("row %v: want mean ± sd over 2 runs", row)
		}
	}

	status, stdout, _ = run("runs", "list", "--json", "--sweep", table.Sweep)
	if status != ExitOK {
		t.Fatal(status)
	}
	if n := strings.Count(strings.TrimSpace(stdout), "\n") + 1; n != 4 {
		t.Errorf("runs list --sweep lists %d runs, want 4:\n%s", n, stdout)
	}
	for id := range ids {
		if !strings.Contains(stdout, id) {
			t.Errorf("run %s is not listed with its sweep", id)
		}
		if _, show, _ := run("runs", "show", id); !strings.Contains(show, "sweep     "+table.Sweep+", over optimizer, seed") {
			t.Errorf("runs show %s does not name its sweep:\n%s", id, show)
		}
	}
}

// TestSweepMarkdown checks the human run's Markdown table, the form the
// README's question-4 table is made with.
func TestSweepMarkdown(t *testing.T) {
	status, stdout, stderr := run("sweep", "--markdown", "--epochs", "1", "--limit", "640", "--vary", "hidden=none;16")
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	for _, want := range []string{"| hidden layers | test accuracy | test loss | parameters | time | runs |", "| none | ", "| 16 | ", "best: hidden="} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}
