package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainArch: --arch and --layers train a network of layers, and bad
// layer strings or impossible shapes exit 2 with one line naming the
// layer.
func TestTrainArch(t *testing.T) {
	status, stdout, stderr := run("train", "--json", "--epochs", "1", "--limit", "640", "--arch", "lenet")
	if status != ExitOK {
		t.Fatalf("--arch lenet: status %d: %s", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var done struct {
		Event   string
		TestAcc float64 `json:"test_acc"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &done); err != nil || done.Event != "done" || done.TestAcc < 0.5 {
		t.Errorf("--arch lenet's done line: %s (%v)", lines[len(lines)-1], err)
	}
	status, stdout, stderr = run("train", "--epochs", "3", "--limit", "1000", "--lr", "0.01", "--layers", "conv(4,3,2,1,relu),maxpool(2),dense(16)")
	if status != ExitOK || !strings.Contains(stdout, "conv(4,3,2,1,relu),maxpool(2),dense(16,relu)") {
		t.Errorf("--layers: status %d: %s%s", status, stdout, stderr)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--layers", "conv(8,3),maxpool(2),maxpool(16)"}, "layer 3 maxpool(16): input 13×13 is smaller than the 16×16 window"},
		{[]string{"--layers", "conv(8)"}, "--layers: layer 1 conv(8): conv takes 2 to 5 arguments (got 1)"},
		{[]string{"--layers", "dense(8),pool(2)"}, `layer 2 pool(2): unknown layer "pool"`},
		{[]string{"--arch", "vgg"}, `--arch: unknown architecture "vgg" (allowed: mlp, lenet, resnet[:N[:W]])`},
		{[]string{"--arch", "lenet", "--hidden", "64"}, "--hidden and --activation describe a multilayer perceptron"},
		{[]string{"--arch", "lenet", "--layers", "dense(8)"}, "--arch and --layers both choose the network"},
	} {
		status, _, stderr := run(append([]string{"train"}, tt.args...)...)
		if status != ExitUsage || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: status %d, %q; want 2 and %q", tt.args, status, stderr, tt.want)
		}
	}
}

// TestExport: a run in the store exports by its ID, a saved model by its
// folder; bad input exits 2 with one line.
func TestExport(t *testing.T) {
	status, stdout, stderr := run("train", "--json", "--epochs", "1", "--limit", "640", "--arch", "lenet")
	if status != ExitOK {
		t.Fatalf("train: %d %s", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var done struct{ Run, Dir string }
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &done); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	status, stdout, stderr = run("export", "--run", done.Run, "--pytorch", out)
	if status != ExitOK || !strings.Contains(stdout, "exported lenet-3 (the best epoch's weights, epoch 1)") {
		t.Errorf("export --run: %d %s%s", status, stdout, stderr)
	}
	for _, f := range []string{"model.py", "model.safetensors", "README.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if status, stdout, stderr = run("export", "--model", done.Dir, "--keep", "last", "--pytorch", t.TempDir()); status != ExitOK || !strings.Contains(stdout, "the last weights") {
		t.Errorf("export --model --keep last: %d %s%s", status, stdout, stderr)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--pytorch", out}, "give one of --run ID and --model DIR"},
		{[]string{"--run", "x", "--model", "y", "--pytorch", out}, "give one of --run ID and --model DIR"},
		{[]string{"--model", done.Dir}, "give --pytorch OUT"},
		{[]string{"--model", filepath.Join(out, "nothing"), "--pytorch", out}, "does not exist"},
		{[]string{"--model", done.Dir, "--keep", "first", "--pytorch", out}, `--keep: unknown choice "first"`},
	} {
		status, _, stderr := run(append([]string{"export"}, tt.args...)...)
		if status != ExitUsage || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: status %d, %q; want 2 and %q", tt.args, status, stderr, tt.want)
		}
	}
}
