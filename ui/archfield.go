package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training/nn"
)

// The network choices of the form's Model section.
const (
	archMLP    = "Multilayer perceptron"
	archLeNet  = "LeNet-5"
	archResNet = "ResNet (3 blocks of 16)"
	archLayers = "Custom layers"
)

// archChooser picks the network: the hidden-layer rows of a multilayer
// perceptron, or a network of layers in the layer editor, which a preset
// fills and the user edits (the choice then says Custom layers, or the
// preset's name again when the rows are the preset's).
type archChooser struct {
	kind   *widget.Select
	editor *layerEditor
	// layers are the editor's layers while they are valid, else nil.
	layers  []nn.LayerSpec
	content fyne.CanvasObject
	// mlp is the hidden-layer editor, shown for a multilayer perceptron.
	mlp fyne.CanvasObject
	// setting is true while the chooser fills the editor, so that the
	// editor's change does not change the choice.
	setting bool
}

func newArchChooser(k *keys, mlp fyne.CanvasObject, classes func() int, changed func()) *archChooser {
	a := &archChooser{mlp: mlp}
	a.editor = newLayerEditor(k, classes, func() {
		a.layers = a.editor.valid
		if !a.setting {
			a.setting = true
			a.kind.SetSelected(presetChoice(a.editor.valid))
			a.setting = false
		}
		changed()
	})
	a.kind = &widget.Select{Options: []string{archMLP, archLeNet, archResNet, archLayers}, OnChanged: func(choice string) {
		if a.setting {
			return
		}
		a.choose(choice)
		changed()
	}}
	a.content = container.NewVBox(a.kind, a.editor.content, mlp)
	a.kind.SetSelected(archMLP)
	return a
}

// layerGrammarHint is the layer grammar, for the text dialog's hint.
const layerGrammarHint = "dense(W,act), conv(F,K,stride,pad,act), maxpool(S), avgpool(S), batchnorm(act), dropout(P), flatten, residual(W), globalavgpool"

// errNoLayers is the editor's problem when it has no rows.
var errNoLayers = errors.New("give at least one layer, or choose Multilayer perceptron")

// presets are the chooser's preset choices and the presets they name.
var presets = map[string]string{archLeNet: "lenet", archResNet: "resnet"}

// presetChoice is the choice that names layers: a preset's when they are
// one, else Custom layers.
func presetChoice(layers []nn.LayerSpec) string {
	if len(layers) > 0 {
		text := nn.LayersString(layers)
		for choice, preset := range presets {
			if p, _ := nn.Preset(preset, 2); nn.LayersString(p.Layers) == text {
				return choice
			}
		}
	}
	return archLayers
}

// choose shows the editor for a choice, filling it with a preset's
// layers (Custom layers keeps the rows there are).
func (a *archChooser) choose(choice string) {
	if preset := presets[choice]; preset != "" {
		p, _ := nn.Preset(preset, 2)
		a.fill(p.Layers)
	}
	if choice == archMLP {
		a.editor.content.Hide()
		a.mlp.Show()
	} else {
		if choice == archLayers && len(a.editor.rows) == 0 {
			a.fill(nil) // says how to begin
		}
		a.editor.content.Show()
		a.mlp.Hide()
	}
}

// fill puts layers into the editor without changing the choice.
func (a *archChooser) fill(layers []nn.LayerSpec) {
	a.setting = true
	a.editor.set(layers)
	a.layers = a.editor.valid
	a.setting = false
}

// set shows a config's network: its layers (a preset's name when they
// are one) or the multilayer perceptron.
func (a *archChooser) set(layers []nn.LayerSpec) {
	if len(layers) == 0 {
		a.kind.SetSelected(archMLP)
		return
	}
	a.fill(layers)
	a.setting = true
	a.kind.SetSelected(presetChoice(layers))
	a.setting = false
	a.choose(a.kind.Selected)
}

// err is what is wrong with the network of layers, naming the layer.
func (a *archChooser) err() error { return a.editor.err }

// isMLP reports whether the form's network is the multilayer perceptron.
func (a *archChooser) isMLP() bool { return a.kind.Selected == archMLP }
