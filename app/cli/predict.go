package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/imageproc"
)

func runPredict(env Env, args []string) int {
	fs := newFlagSet(env, "predict", "--model DIR [--json] IMAGE...")
	model := fs.String("model", "", "a saved model: the directory written by 'workbench train --out' or its model.safetensors")
	asJSON := fs.Bool("json", false, `print one JSON line per image: {"file":…,"class":…,"probs":{…}}`)
	images, status, ok := parse(env, fs, args)
	if !ok {
		return status
	}
	if *model == "" {
		return fail(env, "predict", ExitUsage, "--model is required: the directory written by 'workbench train --out DIR'")
	}
	if len(images) == 0 {
		return fail(env, "predict", ExitUsage, "no images given (usage: workbench predict --model DIR IMAGE...)")
	}
	m, err := training.LoadModel(*model)
	if err != nil {
		return fail(env, "predict", ExitUsage, "%v", err)
	}
	status = ExitOK
	for _, path := range images {
		p, err := classify(m, path)
		if err != nil {
			if errors.Is(err, training.ErrNotFinite) {
				status = max(status, ExitFailure)
				err = fmt.Errorf("%s: %w", path, err)
			} else {
				status = max(status, ExitUsage)
			}
			if *asJSON {
				line(env, map[string]any{"file": path, "error": err.Error()})
			} else {
				fmt.Fprintf(env.Stderr, "workbench predict: %s\n", escaped(err.Error()))
			}
			continue
		}
		if *asJSON {
			probs := map[string]float64{}
			for i, c := range m.Classes {
				probs[c] = p.Probs[i]
			}
			line(env, map[string]any{"file": path, "class": m.Classes[p.Class], "probs": probs})
			continue
		}
		fmt.Fprintf(env.Stdout, "%s: %s (%.1f%%)", escaped(path), escaped(m.Classes[p.Class]), 100*p.Probs[p.Class])
		order := make([]int, len(p.Probs))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return p.Probs[order[a]] > p.Probs[order[b]] })
		var parts []string
		for _, i := range order {
			parts = append(parts, fmt.Sprintf("%s %.1f%%", escaped(m.Classes[i]), 100*p.Probs[i]))
		}
		fmt.Fprintf(env.Stdout, "   [%s]\n", strings.Join(parts, ", "))
	}
	return status
}

func classify(m *training.Model, path string) (*training.Prediction, error) {
	stages, err := imageproc.PreprocessFile(path)
	if err != nil {
		return nil, err
	}
	return m.Classify(stages)
}

// line prints one JSON object; one that cannot be written becomes an
// error object for the same file, never an empty line.
func line(env Env, v map[string]any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"file": v["file"], "error": err.Error()})
	}
	env.Stdout.Write(append(b, '\n'))
}
