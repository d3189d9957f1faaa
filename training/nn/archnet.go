package nn

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// archGraph builds a network of layers into a graph: its parameters as
// nodes over the model's own slices, and each layer as the kernels of
// conv.go, pool.go, norm.go, dropout.go and add.go, all on n × (C·H·W)
// matrices.
type archGraph struct {
	g        *G.ExprGraph
	m        *Model
	batch    int
	training bool // batch normalisation and dropout in training mode
	params   map[string]Param
	buffers  map[string]Param
	nodes    G.Nodes // the parameters' nodes, in Model.Params's order
	byName   map[string]*G.Node
	norms    []normSync
	seed     uint64
}

// normSync ties a batch normalisation's state to the model's
// num_batches_tracked buffer, which is a float32 in the model and an int64
// in the kernel's state.
type normSync struct {
	st      *BatchNormState
	tracked []float32
}

// buildArch adds the network's layers over the input x and returns the
// logits and the parameters' nodes, in Model.Params's order.
func (m *Model) buildArch(g *G.ExprGraph, x *G.Node, batch int, mode Mode) (logits *G.Node, params G.Nodes, norms []normSync, err error) {
	a := m.Spec.Arch()
	shapes, err := a.Shapes()
	if err != nil {
		return nil, nil, nil, err
	}
	b := &archGraph{g: g, m: m, batch: batch, training: mode == Train, params: map[string]Param{}, buffers: map[string]Param{},
		byName: map[string]*G.Node{}, seed: m.seed}
	for _, p := range m.Params {
		b.params[p.Name] = p
	}
	for _, p := range m.Buffers {
		b.buffers[p.Name] = p
	}
	// Parameter nodes first, in order, so that gradients come back in
	// Model.Params's order.
	for _, p := range m.Params {
		shape := p.Shape
		if len(shape) > 2 { // a convolution's F×C×k×k is the kernel's F × (C·k·k)
			shape = []int{shape[0], elements(shape[1:])}
		}
		data := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(p.Data))
		var n *G.Node
		if len(shape) == 1 {
			n = G.NewVector(g, tensor.Float32, G.WithShape(shape...), G.WithName(p.Name), G.WithValue(data))
		} else {
			n = G.NewMatrix(g, tensor.Float32, G.WithShape(shape...), G.WithName(p.Name), G.WithValue(data))
		}
		b.nodes = append(b.nodes, n)
		b.byName[p.Name] = n
	}
	h, in := x, a.Input
	for i, l := range a.Layers {
		if h, err = b.layer(fmt.Sprintf("layers.%d.", i), l, h, in, i == 0); err != nil {
			return nil, nil, nil, fmt.Errorf("layer %d %s: %w", i+1, l, err)
		}
		in = shapes[i]
	}
	out := fmt.Sprintf("layers.%d.", len(a.Layers))
	logits, err = linear(out+"linear", h, b.byName[out+"weight"], b.byName[out+"bias"], len(a.Layers) > 0)
	return logits, b.nodes, b.norms, err
}

// layer adds one layer on h, whose per-sample shape is in.
func (b *archGraph) layer(p string, l LayerSpec, h *G.Node, in Shape, first bool) (*G.Node, error) {
	var err error
	switch l.Kind {
	case Dense:
		if h, err = linear(p+"linear", h, b.byName[p+"weight"], b.byName[p+"bias"], !first); err != nil {
			return nil, err
		}
		return b.activate(p, l.Activation, h)
	case Conv:
		if l.Activation == ReLU {
			return conv2dReLU(p+"conv", p+string(ReLU), h, b.byName[p+"weight"], b.byName[p+"bias"], in.C, in.H, in.W, l.Width, l.Kernel, l.Stride, l.Pad, !first)
		}
		if h, err = conv2d(p+"conv", h, b.byName[p+"weight"], b.byName[p+"bias"], in.C, in.H, in.W, l.Width, l.Kernel, l.Stride, l.Pad, !first); err != nil {
			return nil, err
		}
		return b.activate(p, l.Activation, h)
	case MaxPool:
		return maxpool(p+"maxpool", h, in.C, in.H, in.W, l.Size)
	case AvgPool:
		return avgpool(p+"avgpool", h, in.C, in.H, in.W, l.Size)
	case GlobalAvgPool:
		return globalavgpool(p+"globalavgpool", h, in.C, in.H, in.W)
	case Flatten:
		return h, nil // the values are already in NCHW order, one row a sample
	case Dropout:
		// Each dropout layer draws its masks from a generator of its own,
		// seeded by the model's seed and the layer: the same run draws the
		// same masks.
		f := fnv.New64a()
		f.Write([]byte(p))
		return dropout(p+"dropout", h, l.P, rand.New(rand.NewPCG(b.seed, f.Sum64())), b.training)
	case BatchNorm:
		if l.Activation == ReLU {
			return b.norm(p, h, in, true)
		}
		if h, err = b.norm(p, h, in, false); err != nil {
			return nil, err
		}
		return b.activate(p, l.Activation, h)
	case Residual:
		return b.residual(p, l, h, in, first)
	}
	return nil, fmt.Errorf("unknown layer kind %q", l.Kind)
}

// activate applies act unless it is Linear.
func (b *archGraph) activate(p string, act Activation, h *G.Node) (*G.Node, error) {
	if act == Linear || act == "" {
		return h, nil
	}
	return activate(p+string(act), act, h)
}

// norm adds a batch normalisation whose tensors start with p, over h of
// shape in, followed by a ReLU if relu is set.
func (b *archGraph) norm(p string, h *G.Node, in Shape, relu bool) (*G.Node, error) {
	mean, variance, tracked := b.buffers[p+"running_mean"], b.buffers[p+"running_var"], b.buffers[p+"num_batches_tracked"]
	if mean.Data == nil || variance.Data == nil || len(tracked.Data) != 1 {
		return nil, fmt.Errorf("%s: the model has no running statistics", strings.TrimSuffix(p, "."))
	}
	st := &BatchNormState{RunningMean: mean.Data, RunningVar: variance.Data, NumBatchesTracked: int64(tracked.Data[0])}
	if b.training {
		b.norms = append(b.norms, normSync{st: st, tracked: tracked.Data})
	}
	if relu {
		return batchnormReLU(p+"batchnorm", h, b.byName[p+"weight"], b.byName[p+"bias"], in.C, in.H, in.W, st, b.training)
	}
	return batchnorm(p+"batchnorm", h, b.byName[p+"weight"], b.byName[p+"bias"], in.C, in.H, in.W, st, b.training)
}

// residual adds a basic block of He et al. (2016): two 3×3 convolutions
// with batch normalisation, a ReLU between them, the shortcut (the input,
// or a 1×1 convolution and batch normalisation when the channels change)
// added, and a ReLU.
func (b *archGraph) residual(p string, l LayerSpec, x *G.Node, in Shape, first bool) (*G.Node, error) {
	noBias := func(name string) *G.Node {
		// The block's convolutions have no bias (the batch normalisation
		// after them has one): a constant zero vector stands for it.
		return G.NewVector(b.g, tensor.Float32, G.WithShape(l.Width), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(l.Width), tensor.WithBacking(make([]float32, l.Width)))))
	}
	mid := Shape{l.Width, in.H, in.W}
	h, err := conv2d(p+"conv1", x, b.byName[p+"conv1.weight"], noBias(p+"conv1.zero_bias"), in.C, in.H, in.W, l.Width, 3, 1, 1, !first)
	if err != nil {
		return nil, err
	}
	if h, err = b.norm(p+"bn1.", h, mid, true); err != nil {
		return nil, err
	}
	if h, err = conv2d(p+"conv2", h, b.byName[p+"conv2.weight"], noBias(p+"conv2.zero_bias"), l.Width, in.H, in.W, l.Width, 3, 1, 1, true); err != nil {
		return nil, err
	}
	if h, err = b.norm(p+"bn2.", h, mid, false); err != nil {
		return nil, err
	}
	shortcut := x
	if in.C != l.Width {
		if shortcut, err = conv2d(p+"shortcut.0", x, b.byName[p+"shortcut.0.weight"], noBias(p+"shortcut.0.zero_bias"), in.C, in.H, in.W, l.Width, 1, 1, 0, !first); err != nil {
			return nil, err
		}
		if shortcut, err = b.norm(p+"shortcut.1.", shortcut, mid, false); err != nil {
			return nil, err
		}
	}
	return addReLU(p+"add", h, shortcut)
}
