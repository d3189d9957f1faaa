package nn

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The pooling kernels take and return n × (C·H·W) matrices in NCHW order,
// like conv2d. maxpool and avgpool use square size×size windows with
// stride size and no padding, and drop the last rows and columns that do
// not fill a window (PyTorch's MaxPool2d(size) and AvgPool2d(size)).

// poolCheck checks a pooling layer's arguments and returns the batch size
// and the output's height and width.
func poolCheck(op, name string, x *G.Node, c, h, w, size int) (n, oh, ow int, err error) {
	switch {
	case c < 1 || h < 1 || w < 1:
		return 0, 0, 0, fmt.Errorf("%s %s: channels, height and width must be ≥ 1 (got %d, %d, %d)", op, name, c, h, w)
	case size < 1:
		return 0, 0, 0, fmt.Errorf("%s %s: window size must be ≥ 1 (got %d)", op, name, size)
	case h < size || w < size:
		return 0, 0, 0, fmt.Errorf("%s %s: input %d×%d is smaller than the %d×%d window", op, name, h, w, size, size)
	case len(x.Shape()) != 2 || x.Shape()[1] != c*h*w:
		return 0, 0, 0, fmt.Errorf("%s %s: input is %v, want n × %d (%d×%d×%d)", op, name, x.Shape(), c*h*w, c, h, w)
	}
	return x.Shape()[0], h / size, w / size, nil
}

// maxpool returns the node of the largest value of each size×size window
// of x (n × c·h·w): n × c·(h/size)·(w/size). It remembers where each
// maximum was for the gradient: the first in the window, row by row, when
// several are equal, as PyTorch does. A NaN in a window makes its output
// NaN, as in PyTorch.
func maxpool(name string, x *G.Node, c, h, w, size int) (*G.Node, error) {
	n, oh, ow, err := poolCheck("maxpool", name, x, c, h, w, size)
	if err != nil {
		return nil, err
	}
	if size == 2 && poolVector {
		return maxpool2(name, x, n, c, h, w)
	}
	planes, hw, p := n*c, h*w, oh*ow
	if planes*hw > math.MaxInt32 {
		return nil, fmt.Errorf("maxpool %s: %d×%d values are more than it can index", name, n, c*hw)
	}
	arg := make([]int32, planes*p) // index in x of each output's maximum
	y := newMatrix(n, c*p)
	yd := y.Float32s()
	k := &kernel{
		name: name, typ: hm.NewFnType(matType, matType),
		shape: tensor.Shape{n, c * p}, out: y, arity: 1, wrt: []bool{true},
		run: func(v []G.Value) {
			xd := f32s(v[0])
			for pl := 0; pl < planes; pl++ {
				for oy := 0; oy < oh; oy++ {
					o := pl*p + oy*ow
					top := pl*hw + oy*size*w // first input of the window row
					if size == 2 {
						poolMax2(yd[o:o+ow], arg[o:o+ow], xd, top, w)
					} else {
						poolMax(yd[o:o+ow], arg[o:o+ow], xd, top, w, size)
					}
				}
			}
		},
	}
	k.diff = func(_ G.Nodes, output, dy *G.Node) (G.Nodes, error) {
		dx := newMatrix(n, c*hw)
		dxd := dx.Float32s()
		// The output is an input only so that this runs after arg is set.
		g, err := G.ApplyOp(&kernel{
			name: name + "/dx", typ: hm.NewFnType(matType, matType, matType),
			shape: tensor.Shape{n, c * hw}, out: dx, arity: 2,
			run: func(v []G.Value) {
				clear(dxd)
				for o, g := range f32s(v[0]) {
					dxd[arg[o]] = g // windows do not overlap
				}
			},
		}, dy, output)
		return G.Nodes{g}, err
	}
	return G.ApplyOp(k, x)
}

// maxpool2 is maxpool for 2×2 windows with the AVX-512 kernels, sixteen
// windows at a time. It keeps which of its four values each window's
// maximum is in a byte, and writes the input's gradient whole instead of
// clearing it and scattering into it. On LeNet's first pooling layer at
// batch 64 (2-vCPU AMD EPYC) forward and backward took 51–81 µs against
// 290–570 µs for the scalar loops.
func maxpool2(name string, x *G.Node, n, c, h, w int) (*G.Node, error) {
	planes, oh, ow := n*c, h/2, w/2
	code := make([]uint8, planes*oh*ow)
	y := newMatrix(n, c*oh*ow)
	yd := y.Float32s()
	k := &kernel{
		name: name, typ: hm.NewFnType(matType, matType),
		shape: tensor.Shape{n, c * oh * ow}, out: y, arity: 1, wrt: []bool{true},
		run: func(v []G.Value) {
			xd := f32s(v[0])[:planes*h*w]
			poolMax2Vec(&yd[0], &code[0], &xd[0], w, ow, oh, planes, h*w)
		},
	}
	k.diff = func(_ G.Nodes, output, dy *G.Node) (G.Nodes, error) {
		// The values no window covers (the last row or column when h or w
		// is odd) have a zero gradient: dx is zero when allocated and the
		// kernel never writes them.
		dx := newMatrix(n, c*h*w)
		dxd := dx.Float32s()
		// The output is an input only so that this runs after code is set.
		g, err := G.ApplyOp(&kernel{
			name: name + "/dx", typ: hm.NewFnType(matType, matType, matType),
			shape: tensor.Shape{n, c * h * w}, out: dx, arity: 2,
			run: func(v []G.Value) {
				d := f32s(v[0])[:len(code)]
				poolMax2VecGrad(&dxd[0], &d[0], &code[0], w, ow, oh, planes, h*w)
			},
		}, dy, output)
		return G.Nodes{g}, err
	}
	return G.ApplyOp(k, x)
}

// poolMax writes the maximum of each size×size window of one row of
// windows, whose first input is x[top], and its index in x. The
// comparisons compile to conditional moves: on random data a branch
// guesses wrong about once a window, which made the loop 2.5 times
// slower.
func poolMax(y []float32, arg []int32, x []float32, top, w, size int) {
	for ox := range y {
		first := top + ox*size
		best, at := x[first], first
		for dy := 0; dy < size; dy++ {
			i := first + dy*w
			for j, v := range x[i : i+size] {
				if v > best {
					at = i + j
				}
				best = max(best, v) // NaN if either is
			}
		}
		y[ox], arg[ox] = best, int32(at)
	}
}

// poolMax2 is poolMax for 2×2 windows, the common case, unrolled: twice
// as fast again.
func poolMax2(y []float32, arg []int32, x []float32, top, w int) {
	r0, r1 := x[top:top+2*len(y)], x[top+w:top+w+2*len(y)]
	r1 = r1[:len(r0)]
	for ox := range y {
		j := 2 * ox
		a, b, c, d := r0[j], r0[j+1], r1[j], r1[j+1]
		at := j // offset from top
		if b > a {
			at = j + 1
		}
		best := max(a, b)
		if c > best {
			at = w + j
		}
		best = max(best, c)
		if d > best {
			at = w + j + 1
		}
		y[ox], arg[ox] = max(best, d), int32(top+at)
	}
}

// avgpool returns the node of the mean of each size×size window of x
// (n × c·h·w): n × c·(h/size)·(w/size).
func avgpool(name string, x *G.Node, c, h, w, size int) (*G.Node, error) {
	if _, _, _, err := poolCheck("avgpool", name, x, c, h, w, size); err != nil {
		return nil, err
	}
	return poolMean(name, x, c, h, w, size, size)
}

// globalavgpool returns the node of the mean of each channel of x
// (n × c·h·w) over its h×w positions: n × c.
func globalavgpool(name string, x *G.Node, c, h, w int) (*G.Node, error) {
	if _, _, _, err := poolCheck("globalavgpool", name, x, c, h, w, 1); err != nil {
		return nil, err
	}
	return poolMean(name, x, c, h, w, h, w)
}

// poolMean returns the node of the mean of each kh×kw window of x
// (n × c·h·w), the windows side by side from the top left corner:
// n × c·(h/kh)·(w/kw). Like PyTorch, it divides each window's sum by its
// area.
func poolMean(name string, x *G.Node, c, h, w, kh, kw int) (*G.Node, error) {
	n, oh, ow := x.Shape()[0], h/kh, w/kw
	planes, hw, p := n*c, h*w, oh*ow
	area := float32(kh * kw)
	y := newMatrix(n, c*p)
	yd := y.Float32s()
	k := &kernel{
		name: name, typ: hm.NewFnType(matType, matType),
		shape: tensor.Shape{n, c * p}, out: y, arity: 1, wrt: []bool{true},
		run: func(v []G.Value) {
			xd := f32s(v[0])
			for pl := 0; pl < planes; pl++ {
				plane := xd[pl*hw : (pl+1)*hw]
				for o := range yd[pl*p : (pl+1)*p] {
					top := o/ow*kh*w + o%ow*kw
					var sum float32
					for dy := 0; dy < kh; dy++ {
						sum += convSum(plane[top+dy*w : top+dy*w+kw])
					}
					yd[pl*p+o] = sum / area
				}
			}
		},
	}
	k.diff = func(_ G.Nodes, _, dy *G.Node) (G.Nodes, error) {
		// Inputs in the rows and columns no window covers have a zero
		// gradient: they are zero when dx is allocated and never written.
		dx := newMatrix(n, c*hw)
		dxd := dx.Float32s()
		g, err := G.ApplyOp(&kernel{
			name: name + "/dx", typ: hm.NewFnType(matType, matType),
			shape: tensor.Shape{n, c * hw}, out: dx, arity: 1,
			run: func(v []G.Value) {
				d := f32s(v[0])
				for pl := 0; pl < planes; pl++ {
					plane := dxd[pl*hw : (pl+1)*hw]
					for o, g := range d[pl*p : (pl+1)*p] {
						g /= area
						top := o/ow*kh*w + o%ow*kw
						for dy := 0; dy < kh; dy++ {
							row := plane[top+dy*w : top+dy*w+kw]
							for j := range row {
								row[j] = g
							}
						}
					}
				}
			},
		}, dy)
		return G.Nodes{g}, err
	}
	return G.ApplyOp(k, x)
}
