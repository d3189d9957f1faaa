package cli

import (
	"fmt"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/export"
)

// runExport is `workbench export (--run ID|--model DIR) --pytorch OUT`.
func runExport(env Env, args []string) int {
	const name = "export"
	fs := newFlagSet(env, name, "(--run ID | --model DIR) --pytorch OUT [--keep best|last]")
	runID := fs.String("run", "", "a run in the run store, by its ID (or the start of one, or its folder)")
	modelDir := fs.String("model", "", "a saved model: the directory written by Save model… or 'workbench train --out'")
	out := fs.String("pytorch", "", "the folder to write model.safetensors, model.py, train.py and README.md into")
	keepText := fs.String("keep", "", "best or last: which of a run's weights (default: those its config keeps, the best)")
	rest, status, ok := parse(env, fs, args)
	if !ok {
		return status
	}
	switch {
	case len(rest) > 0:
		return fail(env, name, ExitUsage, "unexpected argument %q (export takes only flags)", rest[0])
	case (*runID == "") == (*modelDir == ""):
		return fail(env, name, ExitUsage, "give one of --run ID and --model DIR")
	case *out == "":
		return fail(env, name, ExitUsage, "give --pytorch OUT, the folder to write the export into")
	}
	dir := *modelDir
	if *runID != "" {
		store, err := defaultStore()
		if err != nil {
			return fail(env, name, ExitFailure, "the run store: %v", err)
		}
		e, err := store.Find(*runID)
		if err != nil {
			return fail(env, name, ExitUsage, "%v", err)
		}
		dir = e.Dir
	}
	var m *training.Model
	var err error
	if *keepText == "" {
		m, err = training.LoadModel(dir)
	} else {
		keep, kerr := training.ParseKeep(*keepText)
		if kerr != nil {
			return fail(env, name, ExitUsage, "--%v", kerr)
		}
		m, err = training.LoadModelKeeping(dir, keep)
	}
	if err != nil {
		return fail(env, name, ExitUsage, "%v", err)
	}
	if err := export.PyTorch(m, *out); err != nil {
		return fail(env, name, ExitFailure, "writing %s: %v", escaped(*out), err)
	}
	which := "the last weights"
	if m.Best {
		which = fmt.Sprintf("the best epoch's weights, epoch %d", m.Epoch)
	}
	fmt.Fprintf(env.Stdout, "exported %s (%s) to %s: %s, %s, %s, %s\n", m.Net.Spec, which, escaped(*out),
		export.WeightsFile, export.ModelFile, export.TrainFile, export.ReadmeFile)
	return ExitOK
}
