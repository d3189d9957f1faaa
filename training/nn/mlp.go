// Package nn is the multilayer perceptron Neural Workbench trains: its
// architecture, its weights in PyTorch's layout, and the gorgonia graphs
// that train and evaluate it.
package nn

import (
	"fmt"
	"math/rand/v2"
)

// Layer is one hidden layer: its number of units and its activation.
type Layer struct {
	Width      int        `json:"width"`
	Activation Activation `json:"activation"`
}

// Spec is a network's architecture: Inputs values in, the hidden layers in
// order, and a softmax output of Classes units. When Layers is not empty
// the network is instead that list of layers over a 1×28×28 image (Inputs
// 784, no Hidden): a convolutional network, say (see Arch).
type Spec struct {
	Inputs  int         `json:"inputs"`
	Hidden  []Layer     `json:"hidden"`
	Classes int         `json:"classes"`
	Layers  []LayerSpec `json:"layers,omitempty"`
}

// IsMLP reports whether the network is the multilayer perceptron of
// Hidden, rather than a list of Layers.
func (s Spec) IsMLP() bool { return len(s.Layers) == 0 }

// Arch is the network as an input shape and a list of layers, for either
// form.
func (s Spec) Arch() Arch {
	if !s.IsMLP() {
		return Arch{Input: imageShape, Layers: s.Layers, Classes: s.Classes}
	}
	a := MLP(s.Hidden, s.Classes)
	a.Input = Shape{s.Inputs, 1, 1}
	return a
}

// imageShape is the images' shape: one channel of 28×28.
var imageShape = Shape{1, 28, 28}

// MaxWidth bounds a hidden layer's width and MaxLayers the number of hidden
// layers: beyond them a desktop run would take hours or exhaust memory.
const (
	MaxWidth  = 8192
	MaxLayers = 32
)

// MaxClasses bounds the outputs: a folder of images with more classes
// than this is not a desktop experiment, and a model file claiming more is
// not one this program wrote.
const MaxClasses = 10000

// Validate reports the first thing wrong with the architecture.
func (s Spec) Validate() error {
	if s.Inputs < 1 {
		return fmt.Errorf("inputs must be ≥ 1 (got %d)", s.Inputs)
	}
	if s.Classes < 2 || s.Classes > MaxClasses {
		return fmt.Errorf("a classifier needs between 2 and %d classes (got %d)", MaxClasses, s.Classes)
	}
	if !s.IsMLP() {
		if s.Inputs != imageShape.Size() || len(s.Hidden) > 0 {
			return fmt.Errorf("a network of layers takes the %s image (%d inputs, got %d) and no hidden layers (got %d)", imageShape, imageShape.Size(), s.Inputs, len(s.Hidden))
		}
		_, err := s.Arch().Shapes()
		return err
	}
	if len(s.Hidden) > MaxLayers {
		return fmt.Errorf("hidden layers: at most %d allowed (got %d)", MaxLayers, len(s.Hidden))
	}
	for i, l := range s.Hidden {
		if l.Width < 1 || l.Width > MaxWidth {
			return fmt.Errorf("hidden layer %d: width must be between 1 and %d (got %d)", i+1, MaxWidth, l.Width)
		}
		if _, err := ParseActivation(string(l.Activation)); err != nil {
			return fmt.Errorf("hidden layer %d: %w", i+1, err)
		}
	}
	return nil
}

// Sizes returns the width of every layer from input to output, of a
// multilayer perceptron.
func (s Spec) Sizes() []int {
	sizes := []int{s.Inputs}
	for _, l := range s.Hidden {
		sizes = append(sizes, l.Width)
	}
	return append(sizes, s.Classes)
}

// activation returns the activation after linear layer i (the output
// layer's is the softmax, which the loss applies).
func (s Spec) activation(i int) Activation {
	if i < len(s.Hidden) {
		return s.Hidden[i].Activation
	}
	return Linear
}

// ParamCount is the number of trainable weights and biases (0 for an
// architecture that does not fit its input).
func (s Spec) ParamCount() int {
	if !s.IsMLP() {
		n, _ := s.Arch().ParamCount()
		return n
	}
	sizes := s.Sizes()
	n := 0
	for i := 1; i < len(sizes); i++ {
		n += sizes[i]*sizes[i-1] + sizes[i]
	}
	return n
}

// String is the architecture in the form 784-128-64-3, or for a list of
// layers its preset's name ("lenet-3", "resnet:3:16-10") or the layers
// ("conv(8,3,1,1,relu),maxpool(2)-3").
func (s Spec) String() string {
	if !s.IsMLP() {
		return archName(s.Arch()) + "-" + fmt.Sprint(s.Classes)
	}
	str := ""
	for i, n := range s.Sizes() {
		if i > 0 {
			str += "-"
		}
		str += fmt.Sprint(n)
	}
	return str
}

// Param is one named tensor of the model, row-major.
type Param struct {
	Name  string
	Shape []int
	Data  []float32
}

// Model is a network's architecture and weights. Linear layer i has the
// parameters "layers.i.weight" (out×in, as in PyTorch's nn.Linear) and
// "layers.i.bias"; Params holds them in that order, weight before bias.
// A network of layers has the tensors Arch.Tensors names: the trainable
// ones in Params, in that order, and the state gradients do not train
// (batch normalisation's running statistics) in Buffers.
type Model struct {
	Spec    Spec
	Params  []Param
	Buffers []Param
	// seed seeds dropout's masks (New's seed; 0 for a model read from a
	// file).
	seed uint64
}

// New returns a model with fresh weights: He uniform for layers followed by
// a ReLU-family activation, Glorot uniform otherwise, zero biases, all drawn
// from a generator seeded with seed.
func New(spec Spec, seed uint64) (*Model, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6e6e2d696e6974)) // "nn-init"
	if !spec.IsMLP() {
		return newArch(spec, seed, rng)
	}
	m := &Model{Spec: spec, Params: spec.Shapes()}
	for i := range m.Params {
		p := &m.Params[i]
		p.Data = make([]float32, elements(p.Shape))
		if i%2 == 1 {
			continue // biases start at zero
		}
		in, out := p.Shape[1], p.Shape[0]
		bound := spec.activation(i/2).initBound(in, out)
		for j := range p.Data {
			p.Data[j] = float32((2*rng.Float64() - 1) * bound)
		}
	}
	return m, nil
}

// Shapes returns the parameters the architecture has, in Model.Params's
// order, with their names and shapes but no data: what a model file must
// hold, known before anything the size of the network is allocated. A
// network of layers that does not fit its input has none.
func (s Spec) Shapes() []Param {
	if !s.IsMLP() {
		params, _ := s.archTensors(false)
		return params
	}
	sizes := s.Sizes()
	params := make([]Param, 0, 2*(len(sizes)-1))
	for i := 1; i < len(sizes); i++ {
		in, out := sizes[i-1], sizes[i]
		params = append(params,
			Param{Name: fmt.Sprintf("layers.%d.weight", i-1), Shape: []int{out, in}},
			Param{Name: fmt.Sprintf("layers.%d.bias", i-1), Shape: []int{out}})
	}
	return params
}

func elements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Clone returns a deep copy of the model.
func (m *Model) Clone() *Model {
	c := &Model{Spec: m.Spec, Params: cloneParams(m.Params), Buffers: cloneParams(m.Buffers), seed: m.seed}
	c.Spec.Hidden = append([]Layer(nil), m.Spec.Hidden...)
	c.Spec.Layers = append([]LayerSpec(nil), m.Spec.Layers...)
	return c
}

// CopyFrom overwrites the model's weights with src's, which must have the
// same architecture.
func (m *Model) CopyFrom(src *Model) {
	for i := range m.Params {
		copy(m.Params[i].Data, src.Params[i].Data)
	}
	for i := range m.Buffers {
		copy(m.Buffers[i].Data, src.Buffers[i].Data)
	}
}

func cloneParams(ps []Param) []Param {
	if ps == nil {
		return nil
	}
	c := make([]Param, len(ps))
	for i, p := range ps {
		c[i] = Param{Name: p.Name, Shape: append([]int(nil), p.Shape...), Data: append([]float32(nil), p.Data...)}
	}
	return c
}

// checkParams verifies that the parameters match the architecture, as a
// model read from a file must.
func (m *Model) checkParams() error {
	if !m.Spec.IsMLP() {
		return m.checkArch()
	}
	sizes := m.Spec.Sizes()
	if len(m.Params) != 2*(len(sizes)-1) {
		return fmt.Errorf("model has %d tensors, architecture %s needs %d", len(m.Params), m.Spec, 2*(len(sizes)-1))
	}
	for i := 1; i < len(sizes); i++ {
		w, b := m.Params[2*i-2], m.Params[2*i-1]
		in, out := sizes[i-1], sizes[i]
		if len(w.Shape) != 2 || w.Shape[0] != out || w.Shape[1] != in || len(w.Data) != out*in {
			return fmt.Errorf("%s has shape %v, want [%d %d]", w.Name, w.Shape, out, in)
		}
		if len(b.Shape) != 1 || b.Shape[0] != out || len(b.Data) != out {
			return fmt.Errorf("%s has shape %v, want [%d]", b.Name, b.Shape, out)
		}
	}
	return nil
}
