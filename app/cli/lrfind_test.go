package cli

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestLRFindBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"--start", "0"}, "start learning rate must be > 0 (got 0)"},
		{[]string{"--start", "-1e-3"}, "start learning rate must be > 0 (got -0.001)"},
		{[]string{"--start", "1", "--end", "1"}, "end learning rate must be greater than the start learning rate, 1 (got 1)"},
		{[]string{"--start", "1", "--end", "0.1"}, "end learning rate must be greater than the start learning rate, 1 (got 0.1)"},
		{[]string{"--end", "1000"}, "end learning rate must be ≤ 100 (got 1000)"},
		{[]string{"--iterations", "1"}, "iterations must be between 2 and 10000 (got 1)"},
		{[]string{"--iterations", "10001"}, "iterations must be between 2 and 10000 (got 10001)"},
		{[]string{"--iterations", "many"}, `invalid value "many" for flag -iterations`},
		{[]string{"--hidden", "0"}, "hidden layer 1: width must be between 1 and 8192 (got 0)"},
		{[]string{"--limit", "100", "--batch", "500"}, "batch size must be at most the number of training samples, 100 (got 500)"},
		{[]string{"--plot", "curve.gif"}, `--plot must name a .png or .svg file (got "curve.gif")`},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		args := append([]string{"lr-find"}, tt.args...)
		status, stdout, stderr := run(args...)
		if status != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("workbench %s: status %d, stderr %q; want status 2 and %q", strings.Join(args, " "), status, stderr, tt.want)
		}
		// A flag the flag package cannot parse gets a second line, where to
		// find help (and the usage on stdout), as every command's does.
		lines, parseError := strings.Count(strings.TrimSpace(stderr), "\n")+1, strings.Contains(tt.want, "invalid value")
		if !parseError && (lines != 1 || stdout != "") || parseError && lines != 2 {
			t.Errorf("workbench %s: want one line on stderr and nothing on stdout, got %q and %q", strings.Join(args, " "), stderr, stdout)
		}
		if w := repeatedPrefix(stderr); w != "" {
			t.Errorf("workbench %s: %q is said twice in %q", strings.Join(args, " "), w, stderr)
		}
	}
}

func TestLRFindHelp(t *testing.T) {
	status, stdout, _ := run("lr-find", "-h")
	if status != ExitOK || !strings.Contains(stdout, "Usage: workbench lr-find") {
		t.Fatalf("lr-find -h: status %d, stdout %q", status, stdout)
	}
	for _, flag := range []string{"-start", "-end", "-iterations", "-json", "-dataset", "-classes", "-hidden", "-optimizer", "-batch", "-seed", "-limit", "-config"} {
		if !strings.Contains(stdout, flag) {
			t.Errorf("lr-find -h does not document %s", flag)
		}
	}
	if _, out, _ := run("help"); !strings.Contains(out, "lr-find") {
		t.Errorf("workbench help does not list lr-find:\n%s", out)
	}
}

// TestLRFindJSON checks the one JSON object --json prints, and the chart
// --plot draws.
func TestLRFindJSON(t *testing.T) {
	chart := filepath.Join(t.TempDir(), "lr.png")
	status, stdout, stderr := run("lr-find", "--json", "--limit", "1500", "--hidden", "16", "--iterations", "60", "--plot", chart)
	if status != ExitOK {
		t.Fatalf("status %d, stderr %s", status, stderr)
	}
	if n := strings.Count(strings.TrimSpace(stdout), "\n"); n != 0 {
		t.Errorf("want one line of JSON, got %d:\n%s", n+1, stdout)
	}
	var got struct {
		LRs, Losses, Smoothed []float64
		Suggestion, Valley    *float64
		Iterations, Requested int
		StoppedBecause        string `json:"stopped_because"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not the JSON object: %v\n%s", err, stdout)
	}
	n := got.Iterations
	if n < 2 || n > 60 || len(got.LRs) != n || len(got.Losses) != n || len(got.Smoothed) != n || got.Requested != 60 {
		t.Errorf("iterations %d of %d, %d lrs, %d losses, %d smoothed", n, got.Requested, len(got.LRs), len(got.Losses), len(got.Smoothed))
	}
	if got.LRs[0] != 1e-7 || got.LRs[n-1] >= 10 {
		t.Errorf("lrs from %g to %g, want from 1e-07 to below 10", got.LRs[0], got.LRs[n-1])
	}
	switch got.StoppedBecause {
	case "exploded", "reached_end":
	default:
		t.Errorf("stopped_because %q, want exploded or reached_end", got.StoppedBecause)
	}
	if got.Suggestion == nil || got.Valley == nil || *got.Suggestion < got.LRs[0] || *got.Suggestion > got.LRs[n-1] {
		t.Errorf("suggestion %v, valley %v: want rates from the curve", got.Suggestion, got.Valley)
	}
	b, err := os.ReadFile(chart)
	if err != nil {
		t.Fatal(err)
	}
	if img, err := png.Decode(bytes.NewReader(b)); err != nil || img.Bounds().Dx() != 800 {
		t.Errorf("--plot %s: %v, want an 800-pixel-wide PNG", chart, err)
	}
}

// TestLRFindTable checks what a person reads, and that a test that
// explodes too soon to suggest anything says so and exits 3.
func TestLRFindTable(t *testing.T) {
	chart := filepath.Join(t.TempDir(), "lr.svg")
	status, stdout, stderr := run("lr-find", "--limit", "1500", "--hidden", "16", "--iterations", "60", "--plot", chart)
	if status != ExitOK {
		t.Fatalf("status %d, stderr %s", status, stderr)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^range test of 784-16-3, cross-entropy loss, adam, batch 64, on 1,500 images of 3,5,8 \(mnist\)$`),
		regexp.MustCompile(`(?m)^iteration +lr +smoothed loss$`),
		regexp.MustCompile(`(?m)^ +1 +1\.0e-07 +\d+\.\d{4}$`),
		regexp.MustCompile(`(?m)^ +\d+ +\d\.\de-\d\d +\d+\.\d{4}  ← steepest descent$`),
		regexp.MustCompile(`(?m)^suggested learning rate: \d\.\de[-+]\d\d \(steepest descent of the smoothed loss\)$`),
	} {
		if !want.MatchString(stdout) {
			t.Errorf("output lacks a line matching %s:\n%s", want, stdout)
		}
	}
	if b, err := os.ReadFile(chart); err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("--plot %s: %v, want an SVG", chart, err)
	}

	// SGD from rate 1 blows up within two batches: nothing is left to
	// suggest from once the first 2 and the last 5 points are left out.
	status, stdout, _ = run("lr-find", "--limit", "1500", "--optimizer", "sgd", "--start", "1", "--end", "100", "--iterations", "20")
	if status != ExitDiverged || !strings.Contains(stdout, "no suggested learning rate") || !strings.Contains(stdout, "the smoothed loss passed 4 times its best") {
		t.Errorf("an early explosion: status %d, stdout:\n%s\nwant status 3 and why there is no suggestion", status, stdout)
	}
}
