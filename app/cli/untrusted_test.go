//go:build unix

package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/runs"
)

// TestConfigOnlyFromAFile: --config reads a regular file of at most 1 MB.
// A named pipe, a device or a huge file would otherwise block or read
// until memory runs out; each is refused at once with a short message.
func TestConfigOnlyFromAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "config.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, []byte(`{"lr": 0.1, "note": "`+strings.Repeat("x", 2<<20)+`"}`), 0o644)
	long := filepath.Join(dir, "long.json")
	os.WriteFile(long, []byte(`{"lr": 1`+strings.Repeat("0", 900_000)+`}`), 0o644)
	dup := filepath.Join(dir, "dup.json")
	os.WriteFile(dup, []byte(`{"lr": 0.01, "lr": 50}`), 0o644)
	tests := []struct{ path, want string }{
		{fifo, fifo + " is a named pipe, not a regular file"},
		{"/dev/zero", "/dev/zero is a device, not a regular file"},
		{big, big + " is larger than the 1 MB allowed"},
		{long, "--config " + long + ": "},
		{dup, `key "lr" is given twice`},
	}
	for _, tt := range tests {
		status, _, stderr := run("train", "--config", tt.path)
		if status != ExitUsage || !strings.Contains(stderr, tt.want) || len(stderr) > 600 {
			t.Errorf("train --config %s: status %d, stderr (%d bytes) %.300q; want %d and %q", tt.path, status, len(stderr), stderr, ExitUsage, tt.want)
		}
	}
}

// TestOutMustBeWritable: an --out that cannot be written is found before
// the run, not after it when the model would be lost.
func TestOutMustBeWritable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	outs := []string{filepath.Join(file, "run")}
	if os.Geteuid() != 0 { // root writes in read-only folders
		ro := filepath.Join(dir, "read-only")
		os.Mkdir(ro, 0o555)
		outs = append(outs, ro)
	}
	for _, out := range outs {
		status, stdout, stderr := run("train", "--epochs", "1000", "--limit", "300", "--out", out)
		if status != ExitUsage || !strings.HasPrefix(stderr, "workbench train: --out: ") || strings.Contains(stdout, "epoch") {
			t.Errorf("train --out %s: status %d, stderr %q, stdout %q; want %d before any epoch", out, status, stderr, stdout, ExitUsage)
		}
	}
}

// TestPredictJSONAlwaysAnswers: with --json every image gets one JSON
// object, whatever goes wrong with it, and the status says something did.
func TestPredictJSONAlwaysAnswers(t *testing.T) {
	model := trainedModel(t)
	m, err := training.LoadModel(model)
	if err != nil {
		t.Fatal(err)
	}
	// Finite weights so large that the outputs overflow.
	for i := range m.Net.Params[0].Data {
		m.Net.Params[0].Data[i] = 3e38
	}
	huge := t.TempDir()
	if err := m.Save(huge); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	digit := drawEight(t, filepath.Join(dir, "eight.png"))
	notImage := filepath.Join(dir, "notes.png")
	os.WriteFile(notImage, []byte("not an image"), 0o644)

	for _, tt := range []struct {
		model  string
		status int
		want   []string // per image: "class" or "error"
	}{
		{model, ExitUsage, []string{"class", "error"}},
		{huge, ExitUsage, []string{"error", "error"}},
	} {
		status, stdout, _ := run("predict", "--json", "--model", tt.model, digit, notImage)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if status != tt.status || len(lines) != 2 {
			t.Errorf("predict --json with %s: status %d, %d lines; want %d and 2:\n%s", tt.model, status, len(lines), tt.status, stdout)
			continue
		}
		for i, l := range lines {
			var obj map[string]any
			if err := json.Unmarshal([]byte(l), &obj); err != nil || obj["file"] == nil || obj[tt.want[i]] == nil {
				t.Errorf("predict --json with %s: line %q, want an object with file and %s", tt.model, l, tt.want[i])
			}
		}
	}
	status, _, _ := run("predict", "--json", "--model", huge, digit)
	if status != ExitFailure {
		t.Errorf("predict with overflowing weights: status %d, want %d", status, ExitFailure)
	}
}

func TestEscaped(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"eight.png", "eight.png"},
		{"ünïcode 8", "ünïcode 8"},
		{"a\nb.png", `a\nb.png`},
		{"\x1b[31mred", `\x1b[31mred`},
		{"bad\xffbyte", `bad\xffbyte`},
	} {
		if got := escaped(tt.in); got != tt.want {
			t.Errorf("escaped(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A file name with a line break is printed on one line.
	dir := t.TempDir()
	odd := filepath.Join(dir, "two\nlines.png")
	os.WriteFile(odd, []byte("not an image"), 0o644)
	_, _, stderr := run("predict", "--model", trainedModel(t), odd)
	if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, `two\nlines.png`) {
		t.Errorf("predict of a file named with a line break printed %q, want one line with it escaped", stderr)
	}
}

// childArgs names the environment variable that makes the test binary run
// the command line it holds (separated by the unit separator, 0x1f) instead of the tests.
const childArgs = "WORKBENCH_TEST_CHILD_ARGS"

// TestKilledRunLeavesItsEpochs kills a training run with SIGKILL, as the
// out-of-memory killer would, after its second epoch: the --out folder
// holds every finished epoch's metrics, a model of the last one, and a
// summary that reads as interrupted; a new run can use the folder.
func TestKilledRunLeavesItsEpochs(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgs+"="+strings.Join([]string{"train", "--json", "--epochs", "1000", "--limit", "300", "--out", out}, "\x1f"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	epochs := 0
	for epochs < 2 && sc.Scan() {
		if strings.Contains(sc.Text(), `"event":"epoch"`) {
			epochs++
		}
	}
	// The epoch's line is printed before its record is written: wait for
	// the summary to say two epochs, reading it as the run writes it.
	for {
		s, err := runs.ReadSummary(out)
		if err == nil && s.Epochs >= 2 {
			break
		}
		if !sc.Scan() {
			t.Fatalf("the run ended early: %v", cmd.Wait())
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	s, err := runs.ReadSummary(out)
	if err != nil || s.Status != runs.Interrupted || s.Epochs < 2 {
		t.Fatalf("summary after SIGKILL: %+v, %v; want interrupted with at least 2 epochs", s, err)
	}
	b, _ := os.ReadFile(filepath.Join(out, runs.MetricsFile))
	if rows := strings.Count(string(b), "\n") - 1; rows < s.Epochs {
		t.Errorf("metrics.csv has %d rows for %d finished epochs:\n%s", rows, s.Epochs, b)
	}
	if _, err := training.LoadModel(out); err != nil {
		t.Errorf("the last epoch's model does not load: %v", err)
	}
	if status, _, stderr := run("train", "--epochs", "1", "--limit", "300", "--out", out); status != ExitOK {
		t.Errorf("a new run in the killed run's folder: status %d, %s", status, stderr)
	}
	if s, _ := runs.ReadSummary(out); s.Status != runs.Done {
		t.Errorf("after the new run the summary says %s, want done", s.Status)
	}
}

// TestCrashIsNotBadInput: a panic in a command exits with 1 and says it
// is an internal error, never 2, the status of bad input.
func TestCrashIsNotBadInput(t *testing.T) {
	var stderr strings.Builder
	status := runCommand(Env{Stderr: &stderr}, "train", func(Env, []string) int { panic("index out of range") }, nil)
	if status != ExitFailure || !strings.Contains(stderr.String(), "workbench train: internal error (please report it): index out of range") {
		t.Errorf("a panicking command: status %d, stderr %q; want %d and an internal error", status, stderr.String(), ExitFailure)
	}
}

// TestPredictNamesAFolder: a folder named like an image is reported as a
// folder, not as an empty image.
func TestPredictNamesAFolder(t *testing.T) {
	folder := filepath.Join(t.TempDir(), "x.png")
	os.Mkdir(folder, 0o755)
	status, _, stderr := run("predict", "--model", trainedModel(t), folder)
	if status != ExitUsage || !strings.Contains(stderr, folder+" is a directory, not a regular file") {
		t.Errorf("predict of a folder named x.png: status %d, stderr %q", status, stderr)
	}
}

// TestRunsCommand: every run is kept in the store, listed, shown by a
// prefix of its ID and deleted.
func TestRunsCommand(t *testing.T) {
	status, stdout, stderr := run("train", "--json", "--epochs", "1", "--limit", "300", "--name", "tiny", "--note", "first try")
	if status != ExitOK {
		t.Fatalf("train: %d %s", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var done struct{ Run, Dir string }
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &done); err != nil || done.Run == "" {
		t.Fatalf("the done line %s names no run (%v)", lines[len(lines)-1], err)
	}
	if !strings.HasPrefix(done.Dir, os.Getenv("WORKBENCH_HOME")) {
		t.Errorf("the run was kept in %s, not under WORKBENCH_HOME", done.Dir)
	}
	_, stdout, _ = run("runs", "list")
	if !strings.Contains(stdout, done.Run) || !strings.Contains(stdout, "tiny") || !strings.Contains(stdout, "done") {
		t.Errorf("runs list:\n%s\nwant the run %s, tiny, done", stdout, done.Run)
	}
	status, stdout, _ = run("runs", "show", done.Run[:len(done.Run)-3])
	if status != ExitOK || !strings.Contains(stdout, "note      first try") || !strings.Contains(stdout, "test      accuracy") {
		t.Errorf("runs show: %d\n%s", status, stdout)
	}
	if status, _, stderr := run("runs", "show", "1999"); status != ExitUsage || !strings.Contains(stderr, `no run "1999"`) {
		t.Errorf("runs show of an unknown run: %d %s", status, stderr)
	}
	// A second run with another learning rate, compared with the first.
	status, stdout, stderr = run("train", "--json", "--epochs", "1", "--limit", "300", "--lr", "0.01")
	if status != ExitOK {
		t.Fatalf("train: %d %s", status, stderr)
	}
	lines = strings.Split(strings.TrimSpace(stdout), "\n")
	var second struct{ Run string }
	json.Unmarshal([]byte(lines[len(lines)-1]), &second)
	status, stdout, stderr = run("runs", "compare", "--markdown", "--baseline", done.Run, second.Run)
	if status != ExitOK || !strings.HasPrefix(stdout, "| run | name | lr | test acc | Δ test acc |") ||
		!strings.Contains(stdout, "| "+done.Run+" | tiny | 0.001 |") || !strings.Contains(stdout, " pt |") {
		t.Errorf("runs compare --markdown: %d %s\n%s", status, stderr, stdout)
	}
	if status, _, stderr := run("runs", "compare", done.Run); status != ExitUsage || !strings.Contains(stderr, "at least two") {
		t.Errorf("runs compare of one run: %d %s", status, stderr)
	}
	if status, stdout, _ := run("runs", "delete", "--yes", done.Run); status != ExitOK || !strings.Contains(stdout, "deleted "+done.Run) {
		t.Errorf("runs delete: %d %s", status, stdout)
	}
	if _, stdout, _ := run("runs", "list", "--json"); strings.Contains(stdout, done.Run) {
		t.Errorf("the deleted run is still listed")
	}
}
