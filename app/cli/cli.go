// Package cli is the workbench command line: headless training and
// prediction with the same engine the window uses.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Exit statuses. A crash (a panic in the command) exits with ExitFailure
// and a stack trace, never with 2; only the Go runtime's own fatal errors
// (running out of memory) exit 2, which the limits on every input are
// there to prevent.
const (
	ExitOK          = 0
	ExitFailure     = 1   // the command failed: a file could not be written, an image could not be classified
	ExitUsage       = 2   // bad input: flags, files, datasets, models
	ExitDiverged    = 3   // the run diverged, or ended without learning (its warning says what to try)
	ExitInterrupted = 130 // stopped by Ctrl-C (SIGINT), 128 + 2
	ExitTerminated  = 143 // stopped by SIGTERM, 128 + 15
)

// Env is what a command talks to; tests substitute buffers.
type Env struct {
	Stdout, Stderr io.Writer
	// Interactive is true when Stderr is a terminal, which gets a live
	// progress bar.
	Interactive bool
}

// Commands lists the subcommands and their one-line help.
var commands = []struct {
	name, help string
	run        func(env Env, args []string) int
}{
	{"train", "train a network and report its curves and test accuracy", runTrain},
	{"predict", "classify images with a saved model", runPredict},
	{"runs", "list, show, compare or delete the runs kept in the run store", runRuns},
	{"sweep", "train every combination of up to three settings' values and tabulate the results (mean ± sd when seeds vary)", runSweep},
	{"surface", "loss, gradient and Hessian of one sigmoid unit over a (w, b) grid: CE against MSE", runSurface},
	{"landscape", "a trained model's loss over a 2-D or 1-D slice of its weights, or from its initial weights", runLandscape},
	{"curvature", "the largest and smallest eigenvalue of a trained model's loss Hessian", runCurvature},
	{"export", "write a trained model as PyTorch code and weights (model.py, model.safetensors)", runExport},
	{"lr-find", "the learning-rate range test (Smith 2017, as fastai runs it): loss against a growing learning rate, and a suggested rate", runLRFind},
}

// IsCommand reports whether args ask for the command line rather than
// the window: any argument does.
func IsCommand(args []string) bool { return len(args) > 0 }

// Main runs the subcommand named by args[0] and returns the exit status.
func Main(env Env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		usage(env.Stdout)
		return ExitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return runCommand(env, c.name, c.run, args[1:])
		}
	}
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	fmt.Fprintf(env.Stderr, "workbench: unknown command %q (commands: %s; run without arguments for the window)\n", args[0], strings.Join(names, ", "))
	return ExitUsage
}

// runCommand runs a command, turning a panic into a message with its
// stack and ExitFailure: Go's own exit status for a panic is 2, which would
// make a crash look like bad input.
func runCommand(env Env, name string, run func(Env, []string) int, args []string) (status int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(env.Stderr, "workbench %s: internal error (please report it): %v\n%s", name, p, debug.Stack())
			status = ExitFailure
		}
	}()
	return run(env, args)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Neural Workbench: train small image classifiers and see why they work.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  workbench                 open the workbench window")
	for _, c := range commands {
		fmt.Fprintf(w, "  workbench %-15s %s\n", c.name+" [flags]", c.help)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'workbench COMMAND -h' for a command's flags.")
}

// newFlagSet returns a flag set whose parse errors are short: the error,
// then where to find help.
func newFlagSet(env Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(env.Stdout, "Usage: workbench %s %s\n\nFlags:\n", name, synopsis)
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses args, allowing flags after positional arguments. It
// returns the positional arguments, or the exit status to return at once.
func parse(env Env, fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) { // the flag set has printed Usage
				return nil, ExitOK, false
			}
			fmt.Fprintf(env.Stderr, "workbench %s: %v\nRun 'workbench %s -h' for help.\n", fs.Name(), err, fs.Name())
			return nil, ExitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, 0, true
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// fail prints a one-line error for command and returns status.
func fail(env Env, command string, status int, format string, a ...any) int {
	fmt.Fprintf(env.Stderr, "workbench %s: %s\n", command, escaped(fmt.Sprintf(format, a...)))
	return status
}

// escaped writes the control characters and invalid bytes of a file or
// class name (or a message holding one) as Go escapes, \n, \x1b, so that
// a name cannot break a line or drive the terminal, as --json's escaping
// already ensures.
func escaped(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && len(s[i:]) > 0:
			q := strconv.Quote(s[i : i+1])
			b.WriteString(q[1 : len(q)-1])
		case unicode.IsControl(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isTerminal reports whether f is a character device.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// StdEnv is the process's own environment.
func StdEnv() Env {
	return Env{Stdout: os.Stdout, Stderr: os.Stderr, Interactive: isTerminal(os.Stderr)}
}
