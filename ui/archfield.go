package ui

import (
	"errors"
	"strings"

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
	archLayers = "Layers, typed"
)

// archChooser picks the network: the hidden-layer rows of a multilayer
// perceptron, a preset, or a list of layers typed in the command line's
// --layers grammar, checked as it is typed by the engine's shape
// inference (which names the layer that does not fit).
type archChooser struct {
	kind    *widget.Select
	text    *field
	hint    *widget.Label
	layers  []nn.LayerSpec // the text's layers while it is valid
	content fyne.CanvasObject
	// mlp is the hidden-layer editor, shown for a multilayer perceptron.
	mlp fyne.CanvasObject
	// setting is true while the chooser shows a preset's layers, so that
	// the text's edit does not make the choice "typed".
	setting bool
}

func newArchChooser(k *keys, mlp fyne.CanvasObject, changed func()) *archChooser {
	a := &archChooser{mlp: mlp}
	a.text = newField(k, "", func(text string) error {
		layers, err := nn.ParseLayerList(text)
		if err == nil {
			_, err = nn.Arch{Input: nn.Shape{C: 1, H: 28, W: 28}, Layers: layers, Classes: 2}.Shapes()
		}
		if err == nil && len(layers) == 0 {
			err = errNoLayers
		}
		if err != nil {
			a.layers = nil
			return err
		}
		a.layers = layers
		return nil
	}, func() {
		if !a.setting && a.kind.Selected != archLayers && a.kind.Selected != archMLP {
			a.kind.SetSelected(archLayers)
			return
		}
		changed()
	})
	a.text.MultiLine = true
	a.text.Wrapping = fyne.TextWrapWord
	a.text.SetMinRowsVisible(3)
	a.hint = hintFor("comma-separated: "+layerGrammarHint, a.text)
	a.kind = &widget.Select{Options: []string{archMLP, archLeNet, archResNet, archLayers}, OnChanged: func(choice string) {
		a.choose(choice)
		changed()
	}}
	a.content = container.NewVBox(a.kind, a.text, a.hint, mlp)
	a.kind.SetSelected(archMLP)
	return a
}

// layerGrammarHint is the layer grammar, for the field's hint.
const layerGrammarHint = "dense(W,act), conv(F,K,stride,pad,act), maxpool(S), avgpool(S), batchnorm(act), dropout(P), flatten, residual(W), globalavgpool"

// errNoLayers is the text's error when it is empty.
var errNoLayers = errors.New("give at least one layer, or choose Multilayer perceptron")

// choose shows the editor for a choice, filling the text with a preset's
// layers.
func (a *archChooser) choose(choice string) {
	preset := map[string]string{archLeNet: "lenet", archResNet: "resnet"}[choice]
	if preset != "" {
		p, _ := nn.Preset(preset, 2)
		a.setting = true
		a.text.SetText(layersText(p.Layers))
		a.setting = false
	}
	if choice == archMLP {
		a.text.Hide()
		a.hint.Hide()
		a.mlp.Show()
	} else {
		a.text.Show()
		a.hint.Show()
		a.mlp.Hide()
	}
}

// set shows a config's network: its layers (a preset's name when they
// are one) or the multilayer perceptron.
func (a *archChooser) set(layers []nn.LayerSpec) {
	if len(layers) == 0 {
		a.kind.SetSelected(archMLP)
		return
	}
	text := nn.LayersString(layers)
	choice := archLayers
	for name, preset := range map[string]string{archLeNet: "lenet", archResNet: "resnet"} {
		if p, _ := nn.Preset(preset, 2); nn.LayersString(p.Layers) == text {
			choice = name
		}
	}
	a.kind.SetSelected(choice)
	a.setting = true
	a.text.SetText(layersText(layers))
	a.setting = false
}

// layersText writes layers for the field: the grammar with a space after
// each layer's comma, so that the text wraps between layers.
func layersText(layers []nn.LayerSpec) string {
	parts := make([]string, len(layers))
	for i, l := range layers {
		parts[i] = l.String()
	}
	return strings.Join(parts, ", ")
}

// isMLP reports whether the form's network is the multilayer perceptron.
func (a *archChooser) isMLP() bool { return a.kind.Selected == archMLP }
