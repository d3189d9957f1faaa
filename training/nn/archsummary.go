package nn

import (
	"fmt"
	"strconv"
	"strings"
)

// LayerInfo is what a layer editor shows beside one layer: the shape it
// outputs and the trainable values it holds, or why it does not fit.
type LayerInfo struct {
	Out    Shape
	Params int
	// Err is what is wrong with this layer; Known is false for the
	// layers after one that does not fit, whose input is unknown.
	Err   error
	Known bool
}

// Summary describes each layer of the architecture, input side first and
// the output layer last, as far as the shapes can be inferred: every
// layer up to the first that does not fit is Known with its output shape
// and parameter count, that layer carries its error (as Shapes words it,
// without the "layer N" that the editor's row already says), and the
// layers after it are not Known. The parameter counts add up to
// ParamCount when every layer fits.
func (a Arch) Summary() []LayerInfo {
	infos := make([]LayerInfo, len(a.Layers)+1)
	in := a.Input
	for i, l := range a.Layers {
		out, err := l.fit(in)
		if err != nil {
			infos[i] = LayerInfo{Err: err}
			return infos
		}
		infos[i] = LayerInfo{Out: out, Known: true}
		in = out
	}
	head := len(a.Layers)
	if a.Classes < 2 || a.Classes > MaxClasses {
		infos[head] = LayerInfo{Err: fmt.Errorf("a classifier needs between 2 and %d classes (got %d)", MaxClasses, a.Classes)}
		return infos
	}
	infos[head] = LayerInfo{Out: Shape{a.Classes, 1, 1}, Known: true}
	ts, err := a.Tensors()
	if err != nil { // every layer fits, so only the input or the count of layers is wrong
		infos[head] = LayerInfo{Err: err}
		return infos
	}
	for _, t := range ts {
		if t.Buffer {
			continue
		}
		// Names are "layers.i.…" (Tensors's contract; the test checks
		// that the counts add up to ParamCount).
		index, _, _ := strings.Cut(strings.TrimPrefix(t.Name, "layers."), ".")
		if i, err := strconv.Atoi(index); err == nil && i >= 0 && i <= head {
			infos[i].Params += elements(t.Shape)
		}
	}
	return infos
}

// fit is the layer's output shape for an input of shape in, or why the
// layer does not fit it: its own rules, and a cap on the values a sample
// holds.
func (l LayerSpec) fit(in Shape) (Shape, error) {
	out, err := l.output(in)
	if err == nil && out.Size() > MaxActivations {
		err = fmt.Errorf("its output, %s, has %d values a sample (at most %d)", out, out.Size(), MaxActivations)
	}
	return out, err
}
