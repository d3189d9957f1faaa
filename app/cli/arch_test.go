package cli

import (
	"encoding/json"
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
