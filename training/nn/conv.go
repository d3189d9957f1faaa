package nn

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/neuralworkbench/workbench/training/openblas"
)

// Convolutional layers keep activations as n × (C·H·W) matrices, each row
// one sample in PyTorch's contiguous NCHW order (channel, then row, then
// column), so that flattening is free and linear and activate work on
// their outputs unchanged. The kernels take the per-sample shape (C, H, W)
// as plain ints.

// convShape is the geometry of one convolution: a c×h×w input, square
// k×k filters moved by stride over the input padded with pad zeros on
// every side, and the oh×ow output positions.
type convShape struct {
	c, h, w, k, stride, pad int
	oh, ow                  int
}

// rows is the length of one column of the unfolded input, c·k·k: one
// filter's weights.
func (s *convShape) rows() int { return s.c * s.k * s.k }

// span returns the output positions [lo, hi) along one axis of the given
// input size whose input index o·stride − pad + off falls inside the
// input; the others read padding.
func (s *convShape) span(off, size, out int) (lo, hi int) {
	if d := s.pad - off; d > 0 {
		lo = (d + s.stride - 1) / s.stride
	}
	hi = (size + s.pad - off + s.stride - 1) / s.stride
	return min(lo, out), max(min(hi, out), min(lo, out))
}

// im2col unfolds one sample x (c·h·w) into cols, c·k·k rows of oh·ow: row
// (ci, ki, kj) holds the input value each output position multiplies by
// weight (ci, ki, kj). It writes only the entries that read the input:
// the ones that read padding are zero when cols is allocated and stay so,
// since the same geometry never writes them.
func (s *convShape) im2col(cols, x []float32) { s.convMove(cols, x, false) }

// col2im is the adjoint of im2col: it adds each entry of cols (c·k·k rows
// of oh·ow) to the input value it was read from, into dx (c·h·w), which
// it clears first.
func (s *convShape) col2im(dx, cols []float32) {
	clear(dx)
	s.convMove(cols, dx, true)
}

// convMove copies the input values x into the columns cols (im2col), or
// with fold adds the columns back into x (col2im), one run at a time: the
// positions of one output row that read one input row through one weight.
// For LeNet's second layer the runs are 10 values long, so the work per
// run is kept to a few additions.
func (s *convShape) convMove(cols, x []float32, fold bool) {
	hw, p := s.h*s.w, s.oh*s.ow
	r := 0
	for ci := 0; ci < s.c; ci++ {
		plane := x[ci*hw : (ci+1)*hw]
		for ki := 0; ki < s.k; ki++ {
			ylo, yhi := s.span(ki, s.h, s.oh)
			for kj := 0; kj < s.k; kj++ {
				xlo, xhi := s.span(kj, s.w, s.ow)
				row := cols[r*p : (r+1)*p]
				r++
				if xlo == xhi {
					continue // every output column reads padding
				}
				n := xhi - xlo
				// Offsets of the first run in row and plane, and the steps
				// from one output row to the next.
				ro, io := ylo*s.ow+xlo, (ylo*s.stride-s.pad+ki)*s.w+xlo*s.stride-s.pad+kj
				rs, is := s.ow, s.stride*s.w
				for oy := ylo; oy < yhi; oy, ro, io = oy+1, ro+rs, io+is {
					run, in := row[ro:ro+n], plane[io:]
					switch {
					case s.stride == 1 && !fold:
						copy(run, in)
					case s.stride == 1:
						in = in[:n]
						for o, v := range run {
							in[o] += v
						}
					case !fold:
						for o := range run {
							run[o] = in[o*s.stride]
						}
					default:
						for o, v := range run {
							in[o*s.stride] += v
						}
					}
				}
			}
		}
	}
}

// conv2d returns the node of PyTorch's Conv2d (a cross-correlation) of
// the images x (n × c·h·wd) with the filters w (filters × c·k·k, PyTorch's
// (filters, c, k, k) weight in row-major order, so the same bytes as its
// safetensors tensor) plus the bias b (filters): n × filters·oh·ow with
// oh = (h+2·pad−k)/stride+1, likewise ow. inputGrad says whether x needs a
// gradient, as for linear.
//
// Each sample is unfolded by im2col into c·k·k × oh·ow columns, kept for
// the weights' gradient, and multiplied by W in one sgemm whose result is
// already the sample's NCHW output. One sgemm per sample is as fast as one
// for the whole batch, which needs the output and its gradient permuted
// between filter-major and sample-major order: forward and backward of
// LeNet's layers at batch 64 took 1.7–1.8 ms of CPU against 1.85 ms (first
// layer) and 2.3–2.9 ms against 3.0–3.2 ms (second) on a 2-vCPU AMD EPYC
// with OpenBLAS.
//
// Where the CPU has AVX-512, conv2dBatched (conv_batch_amd64.go) computes
// the same node with the batch innermost instead, 3.7–6 times faster on
// LeNet's and the residual network's layers; this path serves other CPUs.
func conv2d(name string, x, w, b *G.Node, c, h, wd, filters, k, stride, pad int, inputGrad bool) (*G.Node, error) {
	s, err := convCheck(name, x, w, b, c, h, wd, filters, k, stride, pad)
	if err != nil {
		return nil, err
	}
	if convBatched && convBatchFits(s, x.Shape()[0], filters) {
		return conv2dBatched(name, x, w, b, s, filters, inputGrad, false)
	}
	n, rows, p := x.Shape()[0], s.rows(), s.oh*s.ow
	in, out := c*h*wd, filters*p
	cols := make([]float32, n*rows*p) // every sample's columns, for dW
	z := newMatrix(n, out)
	zd := z.Float32s()
	kn := &kernel{
		name: name, typ: hm.NewFnType(matType, matType, vecType, matType),
		shape: tensor.Shape{n, out}, out: z, arity: 3,
		wrt: []bool{inputGrad, true, true},
		run: func(v []G.Value) {
			xd, wt, bias := f32s(v[0]), f32s(v[1]), f32s(v[2])
			for i := 0; i < n; i++ {
				zi, ci := zd[i*out:(i+1)*out], cols[i*rows*p:(i+1)*rows*p]
				s.im2col(ci, xd[i*in:(i+1)*in])
				for f, bf := range bias {
					row := zi[f*p : (f+1)*p]
					for j := range row {
						row[j] = bf
					}
				}
				openblas.Sgemm(false, false, filters, p, rows, 1, wt, rows, ci, p, 1, zi, p)
			}
		},
	}
	kn.diff = func(inputs G.Nodes, output, dz *G.Node) (G.Nodes, error) {
		grads := make(G.Nodes, 3)
		var err error
		if inputGrad {
			if grads[0], err = convGradX(name, dz, inputs[1], s, n, filters); err != nil {
				return nil, err
			}
		}
		if grads[1], err = convGradW(name, dz, output, s, cols, n, filters); err != nil {
			return nil, err
		}
		grads[2], err = convGradB(name, dz, n, filters, p)
		return grads, err
	}
	return G.ApplyOp(kn, x, w, b)
}

// conv2dReLU returns the node relu(conv2d(…)), the ReLU node named
// reluName. The batched kernels apply the ReLU and its derivative as they
// move the output and its gradient between layouts, with no node of its
// own; im2col's path adds the activation's node.
func conv2dReLU(name, reluName string, x, w, b *G.Node, c, h, wd, filters, k, stride, pad int, inputGrad bool) (*G.Node, error) {
	s, err := convCheck(name, x, w, b, c, h, wd, filters, k, stride, pad)
	if err != nil {
		return nil, err
	}
	if convBatched && convBatchFits(s, x.Shape()[0], filters) {
		return conv2dBatched(name, x, w, b, s, filters, inputGrad, true)
	}
	z, err := conv2d(name, x, w, b, c, h, wd, filters, k, stride, pad, inputGrad)
	if err != nil {
		return nil, err
	}
	return activate(reluName, ReLU, z)
}

// convCheck checks conv2d's arguments against each other and returns the
// convolution's geometry.
func convCheck(name string, x, w, b *G.Node, c, h, wd, filters, k, stride, pad int) (*convShape, error) {
	switch {
	case c < 1 || h < 1 || wd < 1 || filters < 1:
		return nil, fmt.Errorf("conv2d %s: channels, height, width and filters must be ≥ 1 (got %d, %d, %d, %d)", name, c, h, wd, filters)
	case k < 1 || stride < 1 || pad < 0:
		return nil, fmt.Errorf("conv2d %s: kernel and stride must be ≥ 1 and padding ≥ 0 (got %d, %d, %d)", name, k, stride, pad)
	case h+2*pad < k || wd+2*pad < k:
		return nil, fmt.Errorf("conv2d %s: input %d×%d padded by %d is smaller than the %d×%d kernel", name, h, wd, pad, k, k)
	case len(x.Shape()) != 2 || x.Shape()[1] != c*h*wd:
		return nil, fmt.Errorf("conv2d %s: input is %v, want n × %d (%d×%d×%d)", name, x.Shape(), c*h*wd, c, h, wd)
	case !w.Shape().Eq(tensor.Shape{filters, c * k * k}):
		return nil, fmt.Errorf("conv2d %s: weights are %v, want %d × %d (%d×%d×%d×%d)", name, w.Shape(), filters, c*k*k, filters, c, k, k)
	case !b.Shape().Eq(tensor.Shape{filters}):
		return nil, fmt.Errorf("conv2d %s: bias is %v, want (%d)", name, b.Shape(), filters)
	}
	return &convShape{c: c, h: h, w: wd, k: k, stride: stride, pad: pad,
		oh: (h+2*pad-k)/stride + 1, ow: (wd+2*pad-k)/stride + 1}, nil
}

// convGradX is dL/dx: for each sample, Wᵀ·dz folded back by col2im.
func convGradX(name string, dz, w *G.Node, s *convShape, n, filters int) (*G.Node, error) {
	rows, p, in := s.rows(), s.oh*s.ow, s.c*s.h*s.w
	out := filters * p
	dcols := make([]float32, rows*p)
	dx := newMatrix(n, in)
	dxd := dx.Float32s()
	return G.ApplyOp(&kernel{
		name: name + "/dx", typ: hm.NewFnType(matType, matType, matType),
		shape: tensor.Shape{n, in}, out: dx, arity: 2,
		run: func(v []G.Value) {
			d, wt := f32s(v[0]), f32s(v[1])
			for i := 0; i < n; i++ {
				openblas.Sgemm(true, false, rows, p, filters, 1, wt, rows, d[i*out:(i+1)*out], p, 0, dcols, p)
				s.col2im(dxd[i*in:(i+1)*in], dcols)
			}
		},
	}, dz, w)
}

// convGradW is dL/dW = Σ over samples of dz·colsᵀ, with the columns the
// forward kernel unfolded. The forward output is an input only so that
// this runs after the columns are written.
func convGradW(name string, dz, output *G.Node, s *convShape, cols []float32, n, filters int) (*G.Node, error) {
	rows, p := s.rows(), s.oh*s.ow
	out := filters * p
	dw := newMatrix(filters, rows)
	dwd := dw.Float32s()
	return G.ApplyOp(&kernel{
		name: name + "/dW", typ: hm.NewFnType(matType, matType, matType),
		shape: tensor.Shape{filters, rows}, out: dw, arity: 2,
		run: func(v []G.Value) {
			d := f32s(v[0])
			var beta float32
			for i := 0; i < n; i++ {
				openblas.Sgemm(false, true, filters, rows, p, 1, d[i*out:(i+1)*out], p, cols[i*rows*p:(i+1)*rows*p], p, beta, dwd, rows)
				beta = 1
			}
		},
	}, dz, output)
}

// convGradB is dL/db, the sum of dz over samples and output positions of
// each filter.
func convGradB(name string, dz *G.Node, n, filters, p int) (*G.Node, error) {
	db := tensor.New(tensor.WithShape(filters), tensor.WithBacking(make([]float32, filters)))
	dbd := db.Float32s()
	return G.ApplyOp(&kernel{
		name: name + "/db", typ: hm.NewFnType(matType, vecType),
		shape: tensor.Shape{filters}, out: db, arity: 1,
		run: func(v []G.Value) {
			d := f32s(v[0])
			clear(dbd)
			for i := 0; i < n*filters; i++ {
				dbd[i%filters] += convSum(d[i*p : (i+1)*p])
			}
		},
	}, dz)
}

// convSum returns the sum of v, in four running sums so that the additions
// do not wait on each other.
func convSum(v []float32) float32 {
	var s0, s1, s2, s3 float32
	for len(v) >= 4 {
		s0 += v[0]
		s1 += v[1]
		s2 += v[2]
		s3 += v[3]
		v = v[4:]
	}
	for _, x := range v {
		s0 += x
	}
	return (s0 + s1) + (s2 + s3)
}
