package ui

import (
	"fmt"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
)

// layerList edits the hidden layers: a row per layer with its width and
// activation, rows added, removed and reordered; no rows is softmax
// regression.
type layerList struct {
	keys    *keys
	changed func()
	rows    []*layerRow
	box     *fyne.Container
	empty   *widget.Label
}

type layerRow struct {
	width *field
	act   *widget.Select
	del   *widget.Button
}

func newLayerList(k *keys, changed func()) *layerList {
	l := &layerList{keys: k, changed: changed, box: container.NewVBox()}
	l.empty = widget.NewLabel("No hidden layers: softmax regression.")
	return l
}

// widget returns the list with its Add button.
func (l *layerList) widget() fyne.CanvasObject {
	add := &widget.Button{Text: "Add layer", Icon: theme.ContentAddIcon(), OnTapped: l.add}
	return container.NewVBox(l.box, container.NewHBox(add))
}

// set replaces the rows with layers.
func (l *layerList) set(layers []nn.Layer) {
	l.rows = nil
	for _, layer := range layers {
		l.rows = append(l.rows, l.newRow(layer))
	}
	l.rebuild()
}

func (l *layerList) newRow(layer nn.Layer) *layerRow {
	r := &layerRow{}
	// The width's message is the engine's without a layer number: the
	// form says "hidden layer N: " once, as Config.Validate does.
	r.width = &field{keys: l.keys}
	newFieldOf(r.width, strconv.Itoa(layer.Width), func(s string) error {
		r.width.number, r.width.err = parseNumber(s, true)
		if r.width.err == nil {
			r.width.err = training.ValidateLayer(nn.Layer{Width: int(r.width.number), Activation: nn.ReLU})
		}
		return r.width.err
	}, l.changed)
	r.act = &widget.Select{Options: activationNames(), OnChanged: func(string) { l.changed() }}
	r.act.SetSelected(string(layer.Activation))
	return r
}

func activationNames() []string {
	names := make([]string, len(nn.Activations))
	for i, a := range nn.Activations {
		names[i] = string(a)
	}
	return names
}

// add appends a layer like the last one (or 64 ReLU units).
func (l *layerList) add() {
	layer := nn.Layer{Width: 64, Activation: nn.ReLU}
	if n := len(l.rows); n > 0 {
		if w, err := strconv.Atoi(l.rows[n-1].width.Text); err == nil && w > 0 {
			layer.Width = w
		}
		layer.Activation = nn.Activation(l.rows[n-1].act.Selected)
	}
	l.rows = append(l.rows, l.newRow(layer))
	l.rebuild()
	l.changed()
}

func (l *layerList) remove(i int) {
	l.rows = append(l.rows[:i], l.rows[i+1:]...)
	l.rebuild()
	l.changed()
}

func (l *layerList) move(i, by int) {
	j := i + by
	if j < 0 || j >= len(l.rows) {
		return
	}
	l.rows[i], l.rows[j] = l.rows[j], l.rows[i]
	l.rebuild()
	l.changed()
}

// rebuild lays the rows out again after a structural change.
func (l *layerList) rebuild() {
	l.box.RemoveAll()
	if len(l.rows) == 0 {
		l.box.Add(l.empty)
	}
	for i, r := range l.rows {
		up := &widget.Button{Icon: theme.MoveUpIcon(), Importance: widget.LowImportance, OnTapped: func() { l.move(i, -1) }}
		down := &widget.Button{Icon: theme.MoveDownIcon(), Importance: widget.LowImportance, OnTapped: func() { l.move(i, 1) }}
		del := &widget.Button{Icon: theme.DeleteIcon(), Importance: widget.LowImportance, OnTapped: func() { l.remove(i) }}
		r.del = del
		if i == 0 {
			up.Disable()
		}
		if i == len(l.rows)-1 {
			down.Disable()
		}
		buttons := container.NewHBox(up, down, del)
		width := container.NewGridWrap(fyne.NewSize(86, r.width.MinSize().Height), r.width)
		// Tab follows the order of the objects: width, activation, buttons,
		// as they stand (NewBorder would put the activation first).
		l.box.Add(container.New(layout.NewBorderLayout(nil, nil, width, buttons), width, r.act, buttons))
	}
	l.box.Refresh()
}

// layers returns the hidden layers, or the first row's error.
func (l *layerList) layers() ([]nn.Layer, error) {
	out := make([]nn.Layer, 0, len(l.rows))
	for i, r := range l.rows {
		if r.width.err != nil {
			return nil, fmt.Errorf("hidden layer %d: %w", i+1, r.width.err)
		}
		out = append(out, nn.Layer{Width: int(r.width.number), Activation: nn.Activation(r.act.Selected)})
	}
	return out, nil
}
