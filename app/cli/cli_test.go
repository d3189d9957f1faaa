package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training/runs"
)

// run runs the command line in-process and returns its status and output.
func run(args ...string) (status int, stdout, stderr string) {
	var out, errb bytes.Buffer
	status = Main(Env{Stdout: &out, Stderr: &errb}, args)
	return status, out.String(), errb.String()
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"fly"}, `unknown command "fly"`},
		{[]string{"train", "--lr", "-0.1"}, "learning rate must be > 0 (got -0.1)"},
		{[]string{"train", "--lr", "0"}, "learning rate must be > 0 (got 0)"},
		{[]string{"train", "--lr", "fast"}, `invalid value "fast" for flag -lr`},
		{[]string{"train", "--batch", "0"}, "batch size must be between 1"},
		{[]string{"train", "--batch", "-5"}, "batch size must be between 1"},
		{[]string{"train", "--epochs", "0"}, "epochs must be between 1"},
		{[]string{"train", "--hidden", "128,0"}, "hidden layer 2: width must be between 1 and 8192 (got 0)"},
		{[]string{"train", "--hidden", "12x"}, `hidden layer 1: width "12x" is not a whole number`},
		{[]string{"train", "--activation", "swish"}, `unknown activation "swish" (allowed: relu, leaky_relu, elu, gelu, tanh, sigmoid, linear)`},
		{[]string{"train", "--hidden", "8,8", "--activation", "relu,tanh,elu"}, "one activation for all layers or one per layer"},
		{[]string{"train", "--loss", "hinge"}, `unknown loss "hinge" (allowed: ce, mse)`},
		{[]string{"train", "--optimizer", "lbfgs"}, `unknown optimizer "lbfgs"`},
		{[]string{"train", "--classes", "3"}, "at least 2 classes"},
		{[]string{"train", "--classes", "3,3"}, `"3" listed twice`},
		{[]string{"train", "--classes", "3,12"}, "12"},
		{[]string{"train", "--augment", "blur=3"}, "augment"},
		{[]string{"train", "--val-split", "0.9"}, "validation split must be between 0 and 0.5"},
		{[]string{"train", "--dataset", "idx:/nonexistent/dir"}, "/nonexistent/dir"},
		{[]string{"train", "--dataset", "folder:/nonexistent/dir"}, "/nonexistent/dir"},
		{[]string{"train", "--dataset", "cifar"}, "dataset must be mnist, idx:DIR or folder:DIR"},
		{[]string{"train", "--limit", "100", "--batch", "500"}, "batch size must be at most the number of training samples, 100 (got 500)"},
		{[]string{"train", "--config", "/nonexistent.json"}, "--config"},
		{[]string{"train", "extra"}, `unexpected argument "extra"`},
		{[]string{"predict", "x.png"}, "--model is required"},
		{[]string{"predict", "--model", "/nonexistent"}, "no images given"},
		{[]string{"predict", "--model", "/nonexistent", "x.png"}, "/nonexistent"},
	}
	for _, tt := range tests {
		status, _, stderr := run(tt.args...)
		if status != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("workbench %s: status %d, stderr %q; want status 2 and %q", strings.Join(tt.args, " "), status, stderr, tt.want)
		}
		if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
			t.Errorf("workbench %s printed a stack trace: %s", strings.Join(tt.args, " "), stderr)
		}
		if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 1 {
			t.Errorf("workbench %s: want one clear message, got %d lines: %s", strings.Join(tt.args, " "), n+1, stderr)
		}
		if w := repeatedPrefix(stderr); w != "" {
			t.Errorf("workbench %s: %q is said twice in %q", strings.Join(tt.args, " "), w, stderr)
		}
	}
}

// repeatedPrefix returns a word of a prefix of msg ("hidden layer 1: ",
// "loss: ", "model DIR: ") that comes back later in msg, as in "hidden
// layer 1: hidden layer 1: …", "loss: unknown loss …" or "augment:
// augmentation …"; "" when there is none. The command's own prefix,
// "workbench train: ", is not counted.
func repeatedPrefix(msg string) string {
	segs := strings.Split(strings.TrimSpace(msg), ": ")
	if strings.HasPrefix(segs[0], "workbench ") {
		segs = segs[1:]
	}
	trim := func(w string) string { return strings.Trim(w, `"'(),;`) }
	for i, s := range segs[:max(0, len(segs)-1)] {
		words := strings.Fields(s)
		if len(words) > 4 { // a sentence, not a prefix
			continue
		}
		for _, w := range words {
			if w = trim(w); len(w) < 3 {
				continue
			}
			for _, later := range segs[i+1:] {
				for _, l := range strings.Fields(later) {
					if strings.HasPrefix(trim(l), w) {
						return w
					}
				}
			}
		}
	}
	return ""
}

func TestRepeatedPrefix(t *testing.T) {
	for msg, want := range map[string]string{
		"hidden layer 1: hidden layer 1: width must be between 1 and 8192 (got 0)": "hidden",
		`loss: unknown loss "hinge" (allowed: ce, mse)`:                            "loss",
		"augment: augmentation \"blur=3\": unknown augmentation \"blur\"":          "augment",
		"model /x/model.safetensors: open /x/model.safetensors: no such file":      "/x/model.safetensors",
		"hidden layer 2: width must be between 1 and 8192 (got 0)":                 "",
		"workbench train: hidden layer 2: unknown activation \"swish\"":            "",
		"workbench train: training diverged at epoch 1, step 4: the loss exploded": "",
	} {
		if got := repeatedPrefix(msg); got != want {
			t.Errorf("repeatedPrefix(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestBadConfigFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"typo.json":   `{"learning_rate": 0.1}`,
		"broken.json": `{"lr": `,
		"values.json": `{"lr": -1}`,
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o644)
		status, _, stderr := run("train", "--config", path)
		if status != ExitUsage || stderr == "" {
			t.Errorf("train --config %s: status %d, stderr %q; want 2 and a message", name, status, stderr)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"train", "-h"}, {"predict", "--help"}} {
		status, stdout, _ := run(args...)
		if status != ExitOK || !strings.Contains(stdout, "Usage") {
			t.Errorf("workbench %v: status %d, stdout %q", args, status, stdout)
		}
	}
	_, stdout, _ := run("train", "-h")
	for _, flag := range []string{"-dataset", "-classes", "-hidden", "-activation", "-loss", "-optimizer", "-lr", "-momentum",
		"-batch", "-epochs", "-weight-decay", "-augment", "-val-split", "-seed", "-limit", "-config", "-out", "-json"} {
		if !strings.Contains(stdout, flag) {
			t.Errorf("train -h does not document %s", flag)
		}
	}
}

// TestTrainJSONAndPredict trains a small run with --json and --out, checks
// every line and file, then classifies images with the saved model.
func TestTrainJSONAndPredict(t *testing.T) {
	out := t.TempDir()
	status, stdout, stderr := run("train", "--json", "--epochs", "2", "--limit", "1500", "--hidden", "32",
		"--augment", "rotate=10,shift=1", "--out", out)
	if status != ExitOK {
		t.Fatalf("status %d, stderr %s", status, stderr)
	}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("stdout line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 3 {
		t.Fatalf("got %d JSON lines, want 2 epochs and done:\n%s", len(lines), stdout)
	}
	for i, m := range lines[:2] {
		if m["event"] != "epoch" || m["epoch"] != float64(i+1) {
			t.Errorf("line %d = %v, want epoch %d", i+1, m, i+1)
		}
		for _, k := range []string{"train_loss", "train_acc", "val_loss", "val_acc", "samples_per_s", "elapsed_s"} {
			if _, ok := m[k].(float64); !ok {
				t.Errorf("epoch line lacks number %q: %v", k, m)
			}
		}
	}
	done := lines[2]
	if done["event"] != "done" || done["train_samples"] != float64(1500) || done["epochs"] != float64(2) {
		t.Errorf("done line = %v", done)
	}
	if w, ok := done["warning"]; ok {
		t.Errorf("a run that learnt has warning %v", w)
	}
	if acc, _ := done["test_acc"].(float64); acc < 0.9 {
		t.Errorf("test_acc = %v, want ≥ 0.9", done["test_acc"])
	}
	conf, _ := done["confusion"].([]any)
	if len(conf) != 3 {
		t.Errorf("confusion = %v, want 3 rows", done["confusion"])
	}
	for _, f := range []string{"config.json", "metrics.csv", "model.safetensors", "summary.json"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("--out is missing %s (%v)", f, err)
		}
	}
	rows, err := runs.ReadMetrics(out)
	if err != nil {
		t.Fatal(err)
	}
	splits := map[string]int{}
	for _, r := range rows {
		splits[r.Split]++
	}
	if splits["epoch"] != 2 || splits["val"] != 2 || splits["test"] != 1 || splits["train"] != 48 {
		t.Errorf("metrics.csv lines by split %v, want 48 batches (1,500 samples in 24 batches, twice), 2 epochs, 2 val, 1 test", splits)
	}
	// The saved config reproduces the run's settings.
	status, _, stderr = run("train", "--config", filepath.Join(out, "config.json"), "--epochs", "1", "--limit", "300")
	if status != ExitOK {
		t.Errorf("train --config <saved config.json>: status %d, %s", status, stderr)
	}

	dir := t.TempDir()
	eight := drawEight(t, filepath.Join(dir, "eight.png"))
	junk := filepath.Join(dir, "junk.png")
	os.WriteFile(junk, []byte("this is not a png"), 0o644)

	status, stdout, stderr = run("predict", "--model", out, "--json", eight)
	if status != ExitOK {
		t.Fatalf("predict: status %d, %s", status, stderr)
	}
	var p struct {
		File  string             `json:"file"`
		Class string             `json:"class"`
		Probs map[string]float64 `json:"probs"`
	}
	if err := json.Unmarshal([]byte(stdout), &p); err != nil {
		t.Fatalf("predict --json printed %q: %v", stdout, err)
	}
	sum := 0.0
	for _, v := range p.Probs {
		sum += v
	}
	if p.File != eight || len(p.Probs) != 3 || sum < 0.999 || sum > 1.001 {
		t.Errorf("predict --json = %+v", p)
	}
	if p.Class != "8" {
		t.Errorf("a drawn 8 was classified as %q (%v)", p.Class, p.Probs)
	}

	// A corrupt image is reported, the good one still classified.
	status, stdout, stderr = run("predict", "--model", out, eight, junk)
	if status != ExitUsage || !strings.Contains(stdout, "eight.png: 8") || !strings.Contains(stderr, "junk.png") {
		t.Errorf("predict good+corrupt: status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
}

// drawEight writes a dark-on-light "8" as a user's photo or drawing might
// be: two stacked rings.
func drawEight(t *testing.T, path string) string {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 120, 160))
	for i := range img.Pix {
		img.Pix[i] = 245
	}
	ring := func(cx, cy, r float64) {
		for y := 0; y < 160; y++ {
			for x := 0; x < 120; x++ {
				dx, dy := float64(x)-cx, float64(y)-cy
				if d := dx*dx + dy*dy; d < r*r && d > (r-9)*(r-9) {
					img.SetGray(x, y, color.Gray{20})
				}
			}
		}
	}
	ring(60, 48, 30)
	ring(60, 108, 34)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDefaultsReach98 is the README's promise: three epochs of the
// defaults reach 98% test accuracy.
func TestDefaultsReach98(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the full default experiment")
	}
	status, stdout, stderr := run("train", "--json", "--epochs", "3")
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var done struct {
		Event   string  `json:"event"`
		TestAcc float64 `json:"test_acc"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &done); err != nil || done.Event != "done" {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if done.TestAcc < 0.98 {
		t.Errorf("test accuracy after 3 epochs = %.4f, want ≥ 0.98", done.TestAcc)
	}
}

// TestTrainWarnsOfFailure: a run that ends having learnt nothing (MSE
// with sgd at learning rate 10 predicts one class for every image) says
// so in every output: the done line, the printed summary, summary.json.
func TestTrainWarnsOfFailure(t *testing.T) {
	out := t.TempDir()
	args := []string{"train", "--loss", "mse", "--optimizer", "sgd", "--lr", "10", "--limit", "500", "--epochs", "1"}
	const want = "the run failed to learn; try a lower learning rate (now 10), e.g. 1"
	status, stdout, stderr := run(append(args, "--json", "--out", out)...)
	if status != ExitDiverged {
		t.Fatalf("status %d, stderr %s; want %d, a run that did not learn", status, stderr, ExitDiverged)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var done struct{ Event, Warning string }
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &done); err != nil || done.Event != "done" || !strings.Contains(done.Warning, want) {
		t.Errorf("done line %s (%v): want a warning saying %q", lines[len(lines)-1], err, want)
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var summary struct{ Warning string }
	if err := json.Unmarshal(b, &summary); err != nil || !strings.Contains(summary.Warning, want) {
		t.Errorf("summary.json = %s (%v): want a warning saying %q", b, err, want)
	}
	_, stdout, _ = run(args...)
	if !strings.Contains(stdout, "\nwarning   the network predicts") || !strings.Contains(stdout, want) {
		t.Errorf("train printed\n%s\nwant a warning line saying %q", stdout, want)
	}
}
