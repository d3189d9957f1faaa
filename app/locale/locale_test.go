package locale

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFix(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string // LANGUAGE afterwards
	}{
		{map[string]string{"LANG": "C.UTF-8"}, "en"},
		{map[string]string{"LANG": "C.utf8"}, "en"},
		{map[string]string{"LC_ALL": "POSIX.UTF-8", "LANG": "de_DE.UTF-8"}, "en"},
		{map[string]string{"LC_MESSAGES": "C@euro"}, "en"},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "fr"}, "fr"},
		{map[string]string{"LANG": "C"}, ""},
		{map[string]string{"LANG": "POSIX"}, ""},
		{map[string]string{"LANG": "de_DE.UTF-8"}, ""},
		{map[string]string{"LC_ALL": "en_GB.UTF-8", "LANG": "C.UTF-8"}, ""},
		{map[string]string{}, ""},
	}
	for _, tt := range tests {
		env := map[string]string{}
		for k, v := range tt.env {
			env[k] = v
		}
		fix(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
		if env["LANGUAGE"] != tt.want {
			t.Errorf("fix(%v) sets LANGUAGE=%q, want %q", tt.env, env["LANGUAGE"], tt.want)
		}
	}
}

// TestCommandLinePrintsNothingOfFyne builds the workbench and runs its
// command line under LANG=C.UTF-8: Fyne, linked in for the window, must
// not write to stderr.
func TestCommandLinePrintsNothingOfFyne(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the app")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the app with")
	}
	bin := filepath.Join(t.TempDir(), "workbench")
	build := exec.Command(gobin, "build", "-o", bin, "github.com/neuralworkbench/workbench/app")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE":
		default:
			env = append(env, kv)
		}
	}
	env = append(env, "LANG=C.UTF-8")
	for _, args := range [][]string{{"-h"}, {"train", "--epochs", "1", "--limit", "500"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("LANG=C.UTF-8 workbench %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		if stderr.Len() > 0 {
			t.Errorf("LANG=C.UTF-8 workbench %s wrote to stderr:\n%s", strings.Join(args, " "), stderr.String())
		}
	}
}
