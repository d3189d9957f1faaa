//go:build unix

package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/neuralworkbench/workbench/training/runs"
)

// lineWatcher is an output that reports when a line containing a given
// text has been written.
type lineWatcher struct {
	mu   sync.Mutex // guards buf and seen
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.want != "" && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
		w.want = ""
	}
	return len(p), nil
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestInterruptSavesModel presses Ctrl-C (SIGINT to this process) once
// the first epoch has been reported, and sends SIGTERM as a service
// manager would: either way the run stops, reports it, saves its model
// and exits with 128 + the signal's number (130, 143), never 0.
func TestInterruptSavesModel(t *testing.T) {
	for _, tt := range []struct {
		sig    syscall.Signal
		status int
	}{{syscall.SIGINT, ExitInterrupted}, {syscall.SIGTERM, ExitTerminated}} {
		t.Run(tt.sig.String(), func(t *testing.T) { stopBySignal(t, tt.sig, tt.status) })
	}
}

func stopBySignal(t *testing.T, signum syscall.Signal, want int) {
	// While the test is notified of the signal, it cannot kill the
	// process, whenever it comes.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, signum)
	defer signal.Stop(sig)

	out := t.TempDir()
	stdout := &lineWatcher{want: `"event":"epoch"`, seen: make(chan struct{})}
	var stderr bytes.Buffer
	status := make(chan int)
	go func() {
		status <- Main(Env{Stdout: stdout, Stderr: &stderr}, []string{"train", "--json", "--epochs", "1000", "--limit", "300", "--out", out})
	}()
	select {
	case <-stdout.seen: // training runs, under runTrain's signal handler
	case s := <-status:
		t.Fatalf("train ended with status %d before its first epoch: %s", s, stderr.String())
	}
	if err := syscall.Kill(os.Getpid(), signum); err != nil {
		t.Fatal(err)
	}
	if s := <-status; s != want {
		t.Errorf("status after %v = %d, want %d; stderr %s", signum, s, want, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var done struct {
		Event   string
		Stopped bool
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &done); err != nil || done.Event != "done" || !done.Stopped {
		t.Errorf("last line after %v = %s (%v), want a done event with stopped true", signum, lines[len(lines)-1], err)
	}
	if _, err := os.Stat(filepath.Join(out, "model.safetensors")); err != nil {
		t.Errorf("no model saved after %v: %v", signum, err)
	}
	if s, err := runs.ReadSummary(out); err != nil || s.Status != runs.Stopped {
		t.Errorf("summary after %v: %+v, %v; want stopped", signum, s, err)
	}
}
