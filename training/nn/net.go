package nn

import (
	"errors"
	"fmt"
	"sync"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Mode says what a compiled Net computes.
type Mode int

const (
	// Train computes the loss and the gradient of every parameter.
	Train Mode = iota
	// Evaluate computes the loss and the class probabilities.
	Evaluate
	// Infer computes the class probabilities only.
	Infer
)

// Net is a model compiled for one batch size: a gorgonia graph and the
// TapeMachine that runs it. A Net reads and writes the model's weights in
// place, so several Nets of one model (a training batch, the last partial
// batch, evaluation) see the same weights. A Net belongs to one goroutine.
type Net struct {
	// X is the input batch, Batch rows of Spec.Inputs values. Fill it
	// before Run.
	X []float32
	// Y holds the one-hot targets, Batch rows of Spec.Classes values
	// (Train and Evaluate only).
	Y []float32

	batch  int
	mode   Mode
	model  *Model
	vm     G.VM
	loss   *G.Node
	logits *G.Node
	probs  *G.Node
	grads  [][]float32
	norms  []normSync // batch normalisations counting their batches
}

// graphMu serialises graph construction: gorgonia's Grad adds a shared
// package-level constant node to each graph it differentiates.
var graphMu sync.Mutex

// Compile builds the graph of the model for batches of exactly batch
// samples.
func (m *Model) Compile(mode Mode, batch int, loss Loss) (*Net, error) {
	if batch < 1 {
		return nil, fmt.Errorf("batch size must be ≥ 1 (got %d)", batch)
	}
	if err := m.checkParams(); err != nil {
		return nil, err
	}
	graphMu.Lock()
	defer graphMu.Unlock()

	g := G.NewGraph()
	spec := m.Spec
	net := &Net{batch: batch, mode: mode, model: m, X: make([]float32, batch*spec.Inputs)}
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(batch, spec.Inputs), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(batch, spec.Inputs), tensor.WithBacking(net.X))))

	var params G.Nodes
	h := x
	if !spec.IsMLP() {
		var err error
		if h, params, net.norms, err = m.buildArch(g, x, batch, mode); err != nil {
			return nil, err
		}
	}
	for i := 0; spec.IsMLP() && i+1 < len(m.Params); i += 2 {
		layer := i / 2
		wp, bp := m.Params[i], m.Params[i+1]
		w := G.NewMatrix(g, tensor.Float32, G.WithShape(wp.Shape...), G.WithName(wp.Name),
			G.WithValue(tensor.New(tensor.WithShape(wp.Shape...), tensor.WithBacking(wp.Data))))
		b := G.NewVector(g, tensor.Float32, G.WithShape(bp.Shape...), G.WithName(bp.Name),
			G.WithValue(tensor.New(tensor.WithShape(bp.Shape...), tensor.WithBacking(bp.Data))))
		params = append(params, w, b)
		z, err := linear(fmt.Sprintf("linear%d", layer), h, w, b, layer > 0)
		if err != nil {
			return nil, err
		}
		h = z
		if act := spec.activation(layer); layer < len(spec.Hidden) {
			if h, err = activate(fmt.Sprintf("%s%d", act, layer), act, z); err != nil {
				return nil, err
			}
		}
	}
	net.logits = h

	var err error
	if mode != Infer {
		net.Y = make([]float32, batch*spec.Classes)
		y := G.NewMatrix(g, tensor.Float32, G.WithShape(batch, spec.Classes), G.WithName("y"),
			G.WithValue(tensor.New(tensor.WithShape(batch, spec.Classes), tensor.WithBacking(net.Y))))
		if net.loss, err = lossNode("loss/"+string(loss), loss, h, y); err != nil {
			return nil, err
		}
	}
	if mode != Train {
		if net.probs, err = softmax("softmax", h); err != nil {
			return nil, err
		}
	}
	if mode == Train {
		gradNodes, err := G.Grad(net.loss, params...)
		if err != nil {
			return nil, fmt.Errorf("differentiating the network: %w", err)
		}
		net.grads = make([][]float32, len(gradNodes))
		for i, gn := range gradNodes {
			// Kernels own their outputs, so a gradient node's value is
			// the same buffer on every run.
			k, ok := gn.Op().(*kernel)
			if !ok {
				return nil, fmt.Errorf("gradient of %s is not a kernel (%v)", params[i].Name(), gn.Op())
			}
			net.grads[i] = f32s(k.out)
		}
	}
	net.vm = G.NewTapeMachine(g)
	return net, nil
}

// Batch is the number of samples the Net processes at once.
func (n *Net) Batch() int { return n.batch }

// Run computes the graph for the current X (and Y).
func (n *Net) Run() error {
	err := n.vm.RunAll()
	n.vm.Reset()
	for _, s := range n.norms {
		s.tracked[0] = float32(s.st.NumBatchesTracked)
	}
	if err != nil {
		return fmt.Errorf("running the network: %w", err)
	}
	return nil
}

// Loss is the mean loss of the last Run (not for Infer).
func (n *Net) Loss() float64 {
	if n.loss == nil {
		return 0
	}
	return float64(*n.loss.Value().(*G.F32))
}

// Logits are the last Run's output-layer values, Batch rows of Classes.
// The slice is overwritten by the next Run.
func (n *Net) Logits() []float32 { return f32s(n.logits.Value()) }

// Probs are the last Run's class probabilities (Evaluate and Infer).
// The slice is overwritten by the next Run.
func (n *Net) Probs() []float32 {
	if n.probs == nil {
		return nil
	}
	return f32s(n.probs.Value())
}

// Grads are the gradients of the mean loss with respect to the model's
// Params, in the same order (Train only). They are overwritten by the next
// Run.
func (n *Net) Grads() [][]float32 { return n.grads }

// Close releases the machine.
func (n *Net) Close() error {
	if n.vm == nil {
		return errors.New("net already closed")
	}
	err := n.vm.Close()
	n.vm = nil
	return err
}

// Nets compiles a model's networks of one mode and loss, one per batch
// size asked for, each once: an evaluation over a set runs full batches
// and a last, smaller one. It belongs to one goroutine.
type Nets struct {
	Model *Model
	Mode  Mode
	Loss  Loss
	nets  map[int]*Net
}

// Get returns the network for batches of batch samples, compiling it the
// first time.
func (c *Nets) Get(batch int) (*Net, error) {
	if n, ok := c.nets[batch]; ok {
		return n, nil
	}
	n, err := c.Model.Compile(c.Mode, batch, c.Loss)
	if err != nil {
		return nil, err
	}
	if c.nets == nil {
		c.nets = map[int]*Net{}
	}
	c.nets[batch] = n
	return n, nil
}

// Close releases every network compiled.
func (c *Nets) Close() {
	for _, n := range c.nets {
		n.Close()
	}
	c.nets = nil
}

// Argmax returns the index of the largest value, the first on ties: the
// class a row of probabilities or logits predicts, as every evaluation
// counts it.
func Argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
