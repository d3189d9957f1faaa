package landscape

import (
	"fmt"
	"math"

	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/openblas"
)

// The R-operator for networks of layers: each layer's forward pass with
// its directional derivative along v (Rx, the R-derivative of its input,
// and v's part for its parameters), and its backward pass with the
// R-derivative of the gradient, written out per layer kind as hvp.go does
// for the multilayer perceptron. The loss is the evaluation-mode network's,
// the one the slices plot: dropout is the identity and batch
// normalisation an affine map of the model's running statistics.

// rBatch is how many samples a network of layers' R-passes take at once:
// each layer keeps its outputs, their R-derivatives and the backward
// pass's two gradients for a batch, which for a residual network of width
// 16 is 200 KB a sample and layer.
const rBatch = 32

// rOp is one layer of the R-passes, owned by one goroutine. forward takes
// the input x and its R-derivative rx (nil: zero, for the network's input)
// and returns the output and its R-derivative; backward takes the
// gradient of the loss with respect to the output and its R-derivative,
// adds the R-gradient of the layer's parameters to their accumulators and
// returns the gradient with respect to the input and its R-derivative (nil
// for the network's first layer). The returned slices belong to the op.
type rOp interface {
	forward(x, rx []float32, n int) (y, ry []float32)
	backward(dy, rdy []float32, n int) (dx, rdx []float32)
}

// rParam is one parameter: its weights, the direction's part for it, and
// a goroutine's accumulator of its R-gradient.
type rParam struct{ w, v, acc []float32 }

// rBuffers holds an op's outputs and input gradients with their
// R-derivatives, for rBatch samples.
type rBuffers struct{ y, ry, dx, rdx []float32 }

func newBuffers(in, out int) rBuffers {
	return rBuffers{make([]float32, rBatch*out), make([]float32, rBatch*out), make([]float32, rBatch*in), make([]float32, rBatch*in)}
}

// rLinear is a dense layer: y = x·Wᵀ + b.
type rLinear struct {
	in, out int
	w, b    rParam
	first   bool
	x, rx   []float32
	rBuffers
}

func (l *rLinear) forward(x, rx []float32, n int) ([]float32, []float32) {
	l.x, l.rx = x, rx
	y, ry := l.y[:n*l.out], l.ry[:n*l.out]
	for r := range n {
		copy(y[r*l.out:(r+1)*l.out], l.b.w)
		copy(ry[r*l.out:(r+1)*l.out], l.b.v)
	}
	openblas.Sgemm(false, true, n, l.out, l.in, 1, x, l.in, l.w.w, l.in, 1, y, l.out)
	openblas.Sgemm(false, true, n, l.out, l.in, 1, x, l.in, l.w.v, l.in, 1, ry, l.out)
	if rx != nil {
		openblas.Sgemm(false, true, n, l.out, l.in, 1, rx, l.in, l.w.w, l.in, 1, ry, l.out)
	}
	return y, ry
}

// backward: R(∂L/∂W) = Rδᵀ·x + δᵀ·Rx, R(∂L/∂b) = Σ Rδ, ∂L/∂x = δ·W and
// its R-derivative Rδ·W + δ·V.
func (l *rLinear) backward(dy, rdy []float32, n int) ([]float32, []float32) {
	openblas.Sgemm(true, false, l.out, l.in, n, 1, rdy, l.out, l.x, l.in, 1, l.w.acc, l.in)
	if l.rx != nil {
		openblas.Sgemm(true, false, l.out, l.in, n, 1, dy, l.out, l.rx, l.in, 1, l.w.acc, l.in)
	}
	for r := range n {
		for j, v := range rdy[r*l.out : (r+1)*l.out] {
			l.b.acc[j] += v
		}
	}
	if l.first {
		return nil, nil
	}
	dx, rdx := l.dx[:n*l.in], l.rdx[:n*l.in]
	openblas.Sgemm(false, false, n, l.in, l.out, 1, dy, l.out, l.w.w, l.in, 0, dx, l.in)
	openblas.Sgemm(false, false, n, l.in, l.out, 1, rdy, l.out, l.w.w, l.in, 0, rdx, l.in)
	openblas.Sgemm(false, false, n, l.in, l.out, 1, dy, l.out, l.w.v, l.in, 1, rdx, l.in)
	return dx, rdx
}

// rConv is a convolution, one sgemm per sample on the columns nn.Unfold
// unfolds, as the engine's kernel computes it: y = W·cols + b. A
// convolution without a bias (in a residual block) has b.w nil.
type rConv struct {
	u                  nn.Unfold
	filters, in, out   int // filters, and a sample's input and output sizes
	w, b               rParam
	first              bool
	x, rx              []float32
	cols, rcols, dcols []float32 // one sample's columns, their R-derivative, a gradient's columns
	rBuffers
}

func newConv(u nn.Unfold, filters, in int, w, b rParam, first bool) *rConv {
	out := filters * u.Positions()
	k := u.Rows() * u.Positions()
	return &rConv{u: u, filters: filters, in: in, out: out, w: w, b: b, first: first,
		cols: make([]float32, k), rcols: make([]float32, k), dcols: make([]float32, k), rBuffers: newBuffers(in, out)}
}

func (c *rConv) forward(x, rx []float32, n int) ([]float32, []float32) {
	c.x, c.rx = x, rx
	rows, p := c.u.Rows(), c.u.Positions()
	for s := range n {
		y, ry := c.y[s*c.out:(s+1)*c.out], c.ry[s*c.out:(s+1)*c.out]
		clear(y)
		clear(ry)
		if c.b.w != nil {
			for f := range c.filters {
				for j := f * p; j < (f+1)*p; j++ {
					y[j], ry[j] = c.b.w[f], c.b.v[f]
				}
			}
		}
		c.u.Im2col(c.cols, x[s*c.in:(s+1)*c.in])
		openblas.Sgemm(false, false, c.filters, p, rows, 1, c.w.w, rows, c.cols, p, 1, y, p)
		openblas.Sgemm(false, false, c.filters, p, rows, 1, c.w.v, rows, c.cols, p, 1, ry, p)
		if rx != nil {
			c.u.Im2col(c.rcols, rx[s*c.in:(s+1)*c.in])
			openblas.Sgemm(false, false, c.filters, p, rows, 1, c.w.w, rows, c.rcols, p, 1, ry, p)
		}
	}
	return c.y[:n*c.out], c.ry[:n*c.out]
}

// backward is rLinear's, per sample on the columns: R(∂L/∂W) = Rδ·colsᵀ +
// δ·Rcolsᵀ, and the input's gradients are col2im of Wᵀ·δ and of
// Wᵀ·Rδ + Vᵀ·δ.
func (c *rConv) backward(dy, rdy []float32, n int) ([]float32, []float32) {
	rows, p := c.u.Rows(), c.u.Positions()
	for s := range n {
		d, rd := dy[s*c.out:(s+1)*c.out], rdy[s*c.out:(s+1)*c.out]
		c.u.Im2col(c.cols, c.x[s*c.in:(s+1)*c.in])
		openblas.Sgemm(false, true, c.filters, rows, p, 1, rd, p, c.cols, p, 1, c.w.acc, rows)
		if c.rx != nil {
			c.u.Im2col(c.rcols, c.rx[s*c.in:(s+1)*c.in])
			openblas.Sgemm(false, true, c.filters, rows, p, 1, d, p, c.rcols, p, 1, c.w.acc, rows)
		}
		if c.b.w != nil {
			for f := range c.filters {
				for _, v := range rd[f*p : (f+1)*p] {
					c.b.acc[f] += v
				}
			}
		}
		if c.first {
			continue
		}
		openblas.Sgemm(true, false, rows, p, c.filters, 1, c.w.w, rows, d, p, 0, c.dcols, p)
		c.u.Col2im(c.dx[s*c.in:(s+1)*c.in], c.dcols)
		openblas.Sgemm(true, false, rows, p, c.filters, 1, c.w.w, rows, rd, p, 0, c.dcols, p)
		openblas.Sgemm(true, false, rows, p, c.filters, 1, c.w.v, rows, d, p, 1, c.dcols, p)
		c.u.Col2im(c.rdx[s*c.in:(s+1)*c.in], c.dcols)
	}
	if c.first {
		return nil, nil
	}
	return c.dx[:n*c.in], c.rdx[:n*c.in]
}

// rAct is an activation h = σ(z): Rh = σ'(z)·Rz, and backward
// δz = σ'(z)·δh, Rδz = σ”(z)·Rz·δh + σ'(z)·Rδh.
type rAct struct {
	a      nn.Activation
	rz     []float32
	d1, d2 []float32
	rBuffers
}

func newAct(a nn.Activation, size int) *rAct {
	return &rAct{a: a, d1: make([]float32, rBatch*size), d2: make([]float32, rBatch*size), rBuffers: newBuffers(size, size)}
}

func (l *rAct) forward(z, rz []float32, n int) ([]float32, []float32) {
	k := len(z)
	l.rz = rz
	y, ry, d1, d2 := l.y[:k], l.ry[:k], l.d1[:k], l.d2[:k]
	l.a.Apply(y, z)
	l.a.Slopes(d1, d2, z)
	for i := range ry {
		ry[i] = d1[i] * rz[i]
	}
	return y, ry
}

func (l *rAct) backward(dy, rdy []float32, n int) ([]float32, []float32) {
	k := len(dy)
	dx, rdx, d1, d2 := l.dx[:k], l.rdx[:k], l.d1[:k], l.d2[:k]
	for i := range dx {
		dx[i] = d1[i] * dy[i]
		rdx[i] = d2[i]*l.rz[i]*dy[i] + d1[i]*rdy[i]
	}
	return dx, rdx
}

// rMaxPool is max pooling over size×size windows: the output and its
// R-derivative are read at each window's first largest input, as the
// engine's kernel picks it, and the gradients go back there.
type rMaxPool struct {
	c, h, w, size, oh, ow int
	arg                   []int32
	rBuffers
}

func newMaxPool(in nn.Shape, size int) *rMaxPool {
	oh, ow := in.H/size, in.W/size
	return &rMaxPool{c: in.C, h: in.H, w: in.W, size: size, oh: oh, ow: ow,
		arg: make([]int32, rBatch*in.C*oh*ow), rBuffers: newBuffers(in.Size(), in.C*oh*ow)}
}

func (l *rMaxPool) forward(x, rx []float32, n int) ([]float32, []float32) {
	o := 0
	for plane := range n * l.c {
		base := plane * l.h * l.w
		for oy := range l.oh {
			for ox := range l.ow {
				first := base + oy*l.size*l.w + ox*l.size
				best, at := x[first], first
				for r := range l.size {
					for c := range l.size {
						if i := first + r*l.w + c; x[i] > best {
							best, at = x[i], i
						}
					}
				}
				l.y[o], l.ry[o], l.arg[o] = best, rx[at], int32(at)
				o++
			}
		}
	}
	return l.y[:o], l.ry[:o]
}

func (l *rMaxPool) backward(dy, rdy []float32, n int) ([]float32, []float32) {
	k := n * l.c * l.h * l.w
	dx, rdx := l.dx[:k], l.rdx[:k]
	clear(dx)
	clear(rdx)
	for o, at := range l.arg[:len(dy)] {
		dx[at] += dy[o]
		rdx[at] += rdy[o]
	}
	return dx, rdx
}

// rMean is average pooling over kh×kw windows side by side from the top
// left (global average pooling is one window the image's size): linear,
// so the R-derivative is pooled as the values are.
type rMean struct {
	c, h, w, kh, kw, oh, ow int
	rBuffers
}

func newMean(in nn.Shape, kh, kw int) *rMean {
	oh, ow := in.H/kh, in.W/kw
	return &rMean{c: in.C, h: in.H, w: in.W, kh: kh, kw: kw, oh: oh, ow: ow, rBuffers: newBuffers(in.Size(), in.C*oh*ow)}
}

// windows calls f with each output's index and its window's first input.
func (l *rMean) windows(n int, f func(o, first int)) {
	o := 0
	for plane := range n * l.c {
		for oy := range l.oh {
			for ox := range l.ow {
				f(o, plane*l.h*l.w+oy*l.kh*l.w+ox*l.kw)
				o++
			}
		}
	}
}

func (l *rMean) forward(x, rx []float32, n int) ([]float32, []float32) {
	area := float32(l.kh * l.kw)
	l.windows(n, func(o, first int) {
		var s, rs float32
		for r := range l.kh {
			for i := first + r*l.w; i < first+r*l.w+l.kw; i++ {
				s += x[i]
				rs += rx[i]
			}
		}
		l.y[o], l.ry[o] = s/area, rs/area
	})
	k := n * l.c * l.oh * l.ow
	return l.y[:k], l.ry[:k]
}

func (l *rMean) backward(dy, rdy []float32, n int) ([]float32, []float32) {
	k := n * l.c * l.h * l.w
	dx, rdx := l.dx[:k], l.rdx[:k]
	clear(dx)
	clear(rdx)
	area := float32(l.kh * l.kw)
	l.windows(n, func(o, first int) {
		d, rd := dy[o]/area, rdy[o]/area
		for r := range l.kh {
			for i := first + r*l.w; i < first+r*l.w+l.kw; i++ {
				dx[i], rdx[i] = d, rd
			}
		}
	})
	return dx, rdx
}

// rNorm is batch normalisation in evaluation mode, y = γ·(x − μ)/s + β
// with the running mean μ and s = √(running variance + ε): affine in x,
// bilinear in x and γ.
type rNorm struct {
	c, hw       int
	gamma, beta rParam
	mean, inv   []float32
	xhat        []float32
	rx          []float32
	rBuffers
}

// bnEps is the ε the engine's batch normalisation adds to the variance.
const bnEps = 1e-5

func newNorm(in nn.Shape, gamma, beta rParam, mean, variance []float32) *rNorm {
	l := &rNorm{c: in.C, hw: in.H * in.W, gamma: gamma, beta: beta, mean: mean, inv: make([]float32, in.C),
		xhat: make([]float32, rBatch*in.Size()), rBuffers: newBuffers(in.Size(), in.Size())}
	for ch, v := range variance {
		l.inv[ch] = float32(1 / math.Sqrt(float64(v)+bnEps))
	}
	return l
}

// channels calls f with each channel's index and its block of values.
func (l *rNorm) channels(n int, f func(ch, at int)) {
	for s := range n {
		for ch := range l.c {
			f(ch, (s*l.c+ch)*l.hw)
		}
	}
}

func (l *rNorm) forward(x, rx []float32, n int) ([]float32, []float32) {
	l.rx = rx
	l.channels(n, func(ch, at int) {
		g, vg, inv, mu := l.gamma.w[ch], l.gamma.v[ch], l.inv[ch], l.mean[ch]
		b, vb := l.beta.w[ch], l.beta.v[ch]
		for i := at; i < at+l.hw; i++ {
			xh := (x[i] - mu) * inv
			l.xhat[i] = xh
			l.y[i] = g*xh + b
			l.ry[i] = g*inv*rx[i] + vg*xh + vb
		}
	})
	k := n * l.c * l.hw
	return l.y[:k], l.ry[:k]
}

// backward: ∂L/∂x = γ/s·δ, its R-derivative (γ·Rδ + vγ·δ)/s, R(∂L/∂γ) =
// Σ Rδ·x̂ + δ·Rx/s and R(∂L/∂β) = Σ Rδ.
func (l *rNorm) backward(dy, rdy []float32, n int) ([]float32, []float32) {
	l.channels(n, func(ch, at int) {
		g, vg, inv := l.gamma.w[ch], l.gamma.v[ch], l.inv[ch]
		var ag, ab float32
		for i := at; i < at+l.hw; i++ {
			l.dx[i] = g * inv * dy[i]
			l.rdx[i] = (g*rdy[i] + vg*dy[i]) * inv
			ag += rdy[i]*l.xhat[i] + dy[i]*l.rx[i]*inv
			ab += rdy[i]
		}
		l.gamma.acc[ch] += ag
		l.beta.acc[ch] += ab
	})
	k := n * l.c * l.hw
	return l.dx[:k], l.rdx[:k]
}

// rResidual is a basic residual block: main(x) + shortcut(x) (the input
// itself when shortcut is empty), then a ReLU.
type rResidual struct {
	main, shortcut []rOp
	relu           *rAct
	first          bool
	x, rx          []float32
	rBuffers
}

func (b *rResidual) forward(x, rx []float32, n int) ([]float32, []float32) {
	b.x, b.rx = x, rx
	m, rm := runForward(b.main, x, rx, n)
	s, rs := x, rx
	if b.shortcut != nil {
		s, rs = runForward(b.shortcut, x, rx, n)
	}
	y, ry := b.y[:len(m)], b.ry[:len(m)]
	for i := range y {
		y[i] = m[i] + s[i]
		ry[i] = rm[i]
		if rs != nil {
			ry[i] += rs[i]
		}
	}
	return b.relu.forward(y, ry, n)
}

func (b *rResidual) backward(dy, rdy []float32, n int) ([]float32, []float32) {
	d, rd := b.relu.backward(dy, rdy, n)
	dm, rdm := runBackward(b.main, d, rd, n)
	ds, rds := d, rd
	if b.shortcut != nil {
		ds, rds = runBackward(b.shortcut, d, rd, n)
	}
	if b.first {
		return nil, nil
	}
	dx, rdx := b.dx[:len(dm)], b.rdx[:len(dm)]
	for i := range dx {
		dx[i], rdx[i] = dm[i]+ds[i], rdm[i]+rds[i]
	}
	return dx, rdx
}

func runForward(ops []rOp, x, rx []float32, n int) ([]float32, []float32) {
	for _, op := range ops {
		x, rx = op.forward(x, rx, n)
	}
	return x, rx
}

func runBackward(ops []rOp, dy, rdy []float32, n int) ([]float32, []float32) {
	for i := len(ops) - 1; i >= 0; i-- {
		dy, rdy = ops[i].backward(dy, rdy, n)
	}
	return dy, rdy
}

// rNetwork is one goroutine's R-passes of a network of layers.
type rNetwork struct {
	ops []rOp
	acc [][]float32 // per parameter, in Model.Params's order
	// zero stands for the input's R-derivative when the first layer is
	// not a dense layer or a convolution, which skip it.
	zero []float32
}

// newRNetwork builds the R-passes of m's layers over the weights of m and
// the direction v (all parameters, in Model.Params's order).
func newRNetwork(m *nn.Model, v []float32) (*rNetwork, error) {
	a := m.Spec.Arch()
	shapes, err := a.Shapes()
	if err != nil {
		return nil, err
	}
	net := &rNetwork{}
	params := map[string]rParam{}
	off := 0
	for _, p := range m.Params {
		acc := make([]float32, len(p.Data))
		net.acc = append(net.acc, acc)
		params[p.Name] = rParam{w: p.Data, v: v[off : off+len(p.Data)], acc: acc}
		off += len(p.Data)
	}
	buffers := map[string][]float32{}
	for _, b := range m.Buffers {
		buffers[b.Name] = b.Data
	}
	param := func(name string) (rParam, error) {
		p, ok := params[name]
		if !ok {
			return p, fmt.Errorf("the model has no parameter %s", name)
		}
		return p, nil
	}
	first := true
	linear := func(prefix string, in, out int) (rOp, error) {
		w, err := param(prefix + "weight")
		if err != nil {
			return nil, err
		}
		b, err := param(prefix + "bias")
		if err != nil {
			return nil, err
		}
		op := &rLinear{in: in, out: out, w: w, b: b, first: first, rBuffers: newBuffers(in, out)}
		first = false
		return op, nil
	}
	conv := func(prefix string, in nn.Shape, filters, k, stride, pad int, bias bool) (rOp, error) {
		w, err := param(prefix + "weight")
		if err != nil {
			return nil, err
		}
		var b rParam
		if bias {
			if b, err = param(prefix + "bias"); err != nil {
				return nil, err
			}
		}
		return newConv(nn.NewUnfold(in.C, in.H, in.W, k, stride, pad), filters, in.Size(), w, b, first), nil
	}
	norm := func(prefix string, in nn.Shape) (rOp, error) {
		g, err := param(prefix + "weight")
		if err != nil {
			return nil, err
		}
		b, err := param(prefix + "bias")
		if err != nil {
			return nil, err
		}
		mean, variance := buffers[prefix+"running_mean"], buffers[prefix+"running_var"]
		if len(mean) != in.C || len(variance) != in.C {
			return nil, fmt.Errorf("%s: the model has no running statistics", prefix)
		}
		return newNorm(in, g, b, mean, variance), nil
	}
	in := a.Input
	for i, l := range a.Layers {
		p := fmt.Sprintf("layers.%d.", i)
		out := shapes[i]
		var ops []rOp
		var op rOp
		switch l.Kind {
		case nn.Dense:
			op, err = linear(p, in.Size(), l.Width)
		case nn.Conv:
			op, err = conv(p, in, l.Width, l.Kernel, l.Stride, l.Pad, true)
		case nn.BatchNorm:
			op, err = norm(p, in)
		case nn.MaxPool:
			op = newMaxPool(in, l.Size)
		case nn.AvgPool:
			op = newMean(in, l.Size, l.Size)
		case nn.GlobalAvgPool:
			op = newMean(in, in.H, in.W)
		case nn.Flatten, nn.Dropout:
			// The identity: flattening is free and dropout is off.
		case nn.Residual:
			op, err = residual(p, l, in, out, conv, norm)
		default:
			err = fmt.Errorf("unknown layer kind %q", l.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("layer %d %s: %w", i+1, l, err)
		}
		if op != nil {
			ops = append(ops, op)
			first = false
		}
		if act := l.Activation; (l.Kind == nn.Dense || l.Kind == nn.Conv || l.Kind == nn.BatchNorm) && act != nn.Linear && act != "" {
			ops = append(ops, newAct(act, out.Size()))
		}
		net.ops = append(net.ops, ops...)
		in = out
	}
	op, err := linear(fmt.Sprintf("layers.%d.", len(a.Layers)), in.Size(), a.Classes)
	if err != nil {
		return nil, err
	}
	net.ops = append(net.ops, op)
	switch net.ops[0].(type) {
	case *rLinear, *rConv:
	default:
		net.zero = make([]float32, rBatch*a.Input.Size())
	}
	return net, nil
}

// residual builds a residual block's ops, as nn's archGraph.residual
// assembles the block.
func residual(p string, l nn.LayerSpec, in, out nn.Shape,
	conv func(string, nn.Shape, int, int, int, int, bool) (rOp, error), norm func(string, nn.Shape) (rOp, error)) (rOp, error) {
	b := &rResidual{relu: newAct(nn.ReLU, out.Size()), rBuffers: newBuffers(in.Size(), out.Size())}
	c1, err := conv(p+"conv1.", in, l.Width, 3, 1, 1, false)
	if err != nil {
		return nil, err
	}
	b.first = c1.(*rConv).first
	n1, err := norm(p+"bn1.", out)
	if err != nil {
		return nil, err
	}
	c2, err := conv(p+"conv2.", out, l.Width, 3, 1, 1, false)
	if err != nil {
		return nil, err
	}
	c2.(*rConv).first = false
	n2, err := norm(p+"bn2.", out)
	if err != nil {
		return nil, err
	}
	b.main = []rOp{c1, n1, newAct(nn.ReLU, out.Size()), c2, n2}
	if in.C != l.Width {
		s, err := conv(p+"shortcut.0.", in, l.Width, 1, 1, 0, false)
		if err != nil {
			return nil, err
		}
		sn, err := norm(p+"shortcut.1.", out)
		if err != nil {
			return nil, err
		}
		b.shortcut = []rOp{s, sn}
	}
	return b, nil
}

// batch runs the R-passes over n samples x with their labels, the set
// holding total samples, adding the R-gradient to the accumulators, and
// returns the batch's share of the mean loss.
func (r *rNetwork) batch(lossKind nn.Loss, x []float32, labels []int32, total int, classes int) float64 {
	n := len(labels)
	var rx []float32
	if r.zero != nil {
		rx = r.zero[:len(x)]
	}
	z, rz := runForward(r.ops, x, rx, n)
	delta, rdelta := make([]float32, len(z)), make([]float32, len(z))
	loss := outputDeltas(lossKind, z, rz, delta, rdelta, labels, classes, float64(total))
	runBackward(r.ops, delta, rdelta, n)
	return loss
}
