package ui

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/neuralworkbench/workbench/training"
)

// describeConfig is one line naming an experiment's settings, as the
// Training tab shows above a run's charts and exported plots carry as a
// subtitle: "mnist 3,5,8 · 784-128-64-3 relu · cross-entropy · adam lr
// 0.001 · batch 64 · 5 epochs · no augmentation · seed 1". classes are
// the run's class names when known (nil before its data is loaded).
func describeConfig(cfg training.Config, classes []string) string {
	if len(classes) == 0 {
		classes = cfg.Classes
	}
	data := sourceName(cfg.Dataset)
	n := len(classes)
	if n == 0 {
		data += " (all classes)"
		n = 2
	} else {
		data += " " + strings.Join(classes, ",")
	}
	spec := cfg.Spec(n)
	net := spec.String()
	if len(classes) == 0 {
		net = strings.TrimSuffix(net, "-2") + "-…"
	}
	if acts := activationsOf(cfg); acts != "" {
		net += " " + acts
	}
	opt := fmt.Sprintf("%s lr %g", cfg.Optimizer, cfg.LR)
	if cfg.Optimizer.UsesMomentum() {
		opt += fmt.Sprintf(" momentum %g", cfg.Momentum)
	}
	if cfg.WeightDecay != 0 {
		opt += fmt.Sprintf(" weight decay %g", cfg.WeightDecay)
	}
	aug := "no augmentation"
	if cfg.Augment.Enabled() {
		aug = "augment " + cfg.Augment.String()
	}
	epochs := fmt.Sprintf("%d epochs", cfg.Epochs)
	if cfg.Epochs == 1 {
		epochs = "1 epoch"
	}
	return strings.Join([]string{data, net, cfg.Loss.String(), opt, fmt.Sprintf("batch %d", cfg.Batch), epochs, aug,
		fmt.Sprintf("seed %d", cfg.Seed)}, " · ")
}

// sourceName is a data source as a person names it: mnist, or the
// folder's name without its path.
func sourceName(spec string) string {
	kind, dir, ok := strings.Cut(spec, ":")
	if !ok {
		return spec
	}
	return kind + " " + filepath.Base(dir)
}

// activationsOf names the hidden layers' activations: one name when they
// all share it, else one per layer.
func activationsOf(cfg training.Config) string {
	var names []string
	uniform := true
	for _, l := range cfg.Hidden {
		names = append(names, string(l.Activation))
		uniform = uniform && l.Activation == cfg.Hidden[0].Activation
	}
	if uniform && len(names) > 0 {
		return names[0]
	}
	return strings.Join(names, ",")
}
