//go:build amd64

package nn

import (
	"math"

	"github.com/chewxy/hm"
	"golang.org/x/sys/cpu"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The batched convolution keeps its input, output and their gradients
// with the batch innermost: each value of a sample's C×H×W image becomes
// a row of the batch's values, one per sample, padded with zeros to a
// multiple of 16 lanes. A convolution is then a matrix product whose
// right-hand rows are read straight from the input (an "implicit GEMM"):
// the output row of filter f at position (y, x) is Σ over taps of
// W[f, tap] times the input row the tap reads from (y, x), and the rows
// an output row of the image reads through one tap are consecutive, so
// the AVX-512 kernels in conv_batch_amd64.s stream them with every vector
// lane in use whatever the image size. im2col with one sgemm per sample
// (conv.go) copies each input value k² times and OpenBLAS spends more on
// setting up its products of 6 or 16 rows than on the arithmetic: on a
// 2-vCPU AMD EPYC (Zen 5, AVX-512) its sgemm ran at 16–78 GFLOP/s on
// LeNet's shapes, where a forward and backward pass here does 130–170
// GFLOP/s, layout changes included, of the core's 220: at batch 64,
// LeNet's first layer took 236 µs against 1.42 ms, its second 537 µs
// against 2.52 ms, and a residual block's 3×3 convolution 4.7 ms against
// 17.3 ms (medians of 5).
//
// The layouts are converted at the edges by 16×16 transposes, in the
// forward pass for the input (into a zero-padded image, so that no tap
// needs a bounds check) and the output, in the backward pass for the
// output's gradient (used by both gradients) and the input's gradient.
// Every sum runs in a fixed order, so results do not vary from run to
// run.

// convBatched says whether conv2d uses the batched kernels, which need
// AVX-512 or AVX2 with FMA, or im2col and sgemm. Tests turn it off to
// check the other.
var convBatched = convAVX512 || convAVX2

// convAVX2 says whether the CPU has the AVX2 kernels' instructions.
var convAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// convAVX512 says whether the batched kernels are the AVX-512 ones; the
// AVX2 ones (conv_avx2_amd64.s) compute the same values, the bias sums
// then being Go loops. Tests turn it off to check the AVX2 kernels on a
// CPU that has both.
var convAVX512 = cpu.X86.HasAVX512F

//go:noescape
func convFwd6(out *float32, ostride int, x *float32, z int, w *float32, taps *int, k int, bias *float32)

//go:noescape
func convFwd4(out *float32, ostride int, x *float32, z int, w *float32, taps *int, k int, bias *float32)

//go:noescape
func convDW4x6(acc *float32, dz *float32, dzstride int, x *float32, taps *int, z int)

//go:noescape
func convDW6x4(acc *float32, dz *float32, dzstride int, x *float32, taps *int, z int)

//go:noescape
func convDX6(dx *float32, taps *int, z int, dz *float32, dzstride int, f int, w *float32)

//go:noescape
func convSumVec(sum *float32, v *float32, z int)

//go:noescape
func convFwd6AVX2(out *float32, ostride int, x *float32, z int, w *float32, taps *int, k int, bias *float32)

//go:noescape
func convFwd4AVX2(out *float32, ostride int, x *float32, z int, w *float32, taps *int, k int, bias *float32)

//go:noescape
func convDW4x6AVX2(acc *float32, dz *float32, dzstride int, x *float32, taps *int, z int)

//go:noescape
func convDW6x4AVX2(acc *float32, dz *float32, dzstride int, x *float32, taps *int, z int)

//go:noescape
func convTransInAVX2(dst *float32, rows *int32, src *float32, sstride int, nq int, h *float32)

//go:noescape
func convTransOutAVX2(dst *float32, dstride int, src *float32, rows *int32, nq int, relu bool)

//go:noescape
func convDX6AVX2(dx *float32, taps *int, z int, dz *float32, dzstride int, f int, w *float32)

//go:noescape
func convTransIn(dst *float32, rows *int32, src *float32, sstride int, nq int, h *float32)

//go:noescape
func convTransOut(dst *float32, dstride int, src *float32, rows *int32, nq int, relu bool)

// convLanes is the vector width the kernels work in, in float32s.
const convLanes = 16

// convBatch is the geometry and the forward buffers of one batched
// convolution of n samples.
type convBatch struct {
	s         *convShape
	n, lanes  int // samples, and n rounded up to a multiple of 16
	f, fp, fb int // filters; rounded up to a multiple of fb, the filters one kernel call computes
	kb        int // taps one weight-gradient call computes
	taps      int // c·k·k, one filter's weights
	hp, wp    int // the padded input's height and width
	p         int // output positions, oh·ow
	// inRows[i] is where the row of a sample's i-th input value (c, y,
	// x) starts in x; outRows[i], that of its i-th output value (f, y, x)
	// in out.
	inRows, outRows []int32
	// tapOff[t] is the offset in bytes of the row tap t = (c, ki, kj)
	// reads from the row of an output position's top left input; the
	// list is padded to a multiple of kb with copies of tap 0, whose
	// weight gradients are thrown away.
	tapOff  []int
	streams []convStream
	x       []float32 // c × hp × wp rows: the input, zero-padded
	out     []float32 // fp × oh × ow rows: the output
	wf, bf  []float32 // the weights as convFwd reads them, [f/fb][tap][fb], and the bias, zero-padded to fp
}

// convBatchFits says whether the batched kernels can index the buffers
// of a convolution of n samples with int32 row offsets.
func convBatchFits(s *convShape, n, filters int) bool {
	lanes := (n + convLanes - 1) &^ (convLanes - 1)
	in := s.c * (s.h + 2*s.pad) * (s.w + 2*s.pad)
	out := (filters + 5) * s.oh * s.ow // filters rounded up to a multiple of 4 or 6
	return max(in, out) <= math.MaxInt32/lanes
}

func newConvBatch(s *convShape, n, filters int) *convBatch {
	cb := &convBatch{s: s, n: n, lanes: (n + convLanes - 1) &^ (convLanes - 1), f: filters,
		taps: s.rows(), hp: s.h + 2*s.pad, wp: s.w + 2*s.pad, p: s.oh * s.ow}
	cb.fb, cb.kb = 4, 6
	if filters <= 6 {
		cb.fb, cb.kb = 6, 4
	}
	cb.fp = (filters + cb.fb - 1) / cb.fb * cb.fb
	cb.inRows = make([]int32, s.c*s.h*s.w)
	for i := range cb.inRows {
		c, y, x := i/(s.h*s.w), i/s.w%s.h, i%s.w
		cb.inRows[i] = int32(((c*cb.hp+y+s.pad)*cb.wp + x + s.pad) * cb.lanes)
	}
	cb.outRows = make([]int32, filters*cb.p)
	for i := range cb.outRows {
		cb.outRows[i] = int32(i * cb.lanes)
	}
	cb.tapOff = make([]int, (cb.taps+cb.kb-1)/cb.kb*cb.kb)
	for t := range cb.taps {
		c, ki, kj := t/(s.k*s.k), t/s.k%s.k, t%s.k
		cb.tapOff[t] = ((c*cb.hp+ki)*cb.wp + kj) * cb.lanes * 4
	}
	cb.streams = cb.makeStreams()
	cb.x = make([]float32, s.c*cb.hp*cb.wp*cb.lanes)
	cb.out = make([]float32, cb.fp*cb.p*cb.lanes)
	cb.wf = make([]float32, cb.fp*cb.taps)
	cb.bf = make([]float32, cb.fp)
	cb.check()
	return cb
}

// check panics if a kernel call would read or write outside x or out
// (or, for the gradients, outside buffers of the same sizes): the
// assembly has no bounds checks of its own.
func (cb *convBatch) check() {
	for _, r := range cb.inRows {
		if int(r)+cb.lanes > len(cb.x) {
			panic("conv2d: input row outside the padded image")
		}
	}
	for _, r := range cb.outRows {
		if int(r)+cb.lanes > len(cb.out) {
			panic("conv2d: output row outside the output")
		}
	}
	last := 0
	for _, o := range cb.tapOff {
		last = max(last, o)
	}
	for _, st := range cb.streams {
		if st.origin*4+last+st.z*convLanes*4 > len(cb.x)*4 ||
			((cb.fp-1)*cb.p+st.pos)*cb.lanes+st.z*convLanes > len(cb.out) {
			panic("conv2d: stream outside the image or the output")
		}
	}
}

// convStream is a run of output positions whose input rows are
// consecutive: a row of the output when the stride is 1, a single
// position otherwise. pos is its first position, y·ow + x, origin the
// offset (in float32s) of that position's top left input row in x, and z
// its length in vectors.
type convStream struct{ pos, origin, z int }

// makeStreams returns the runs of output positions, in order.
func (cb *convBatch) makeStreams() []convStream {
	s := cb.s
	var st []convStream
	if s.stride == 1 {
		for y := range s.oh {
			st = append(st, convStream{y * s.ow, y * cb.wp * cb.lanes, s.ow * cb.lanes / convLanes})
		}
		return st
	}
	for y := range s.oh {
		for x := range s.ow {
			st = append(st, convStream{y*s.ow + x, (y*cb.wp + x) * s.stride * cb.lanes, cb.lanes / convLanes})
		}
	}
	return st
}

// forward writes the convolution of the samples x (n × c·h·w) with the
// filters w and bias into z (n × f·oh·ow), through a ReLU if relu is set.
func (cb *convBatch) forward(z, x, w, bias []float32, relu bool) {
	toLanes(cb.x, cb.inRows, x, nil, cb.n)
	for f := range cb.fp {
		ft, j := f/cb.fb, f%cb.fb
		for t := range cb.taps {
			var v float32
			if f < cb.f {
				v = w[f*cb.taps+t]
			}
			cb.wf[(ft*cb.taps+t)*cb.fb+j] = v
		}
		cb.bf[f] = 0
		if f < cb.f {
			cb.bf[f] = bias[f]
		}
	}
	fwd := convFwd4
	switch {
	case cb.fb == 6 && convAVX512:
		fwd = convFwd6
	case cb.fb == 6:
		fwd = convFwd6AVX2
	case !convAVX512:
		fwd = convFwd4AVX2
	}
	ostride := cb.p * cb.lanes * 4
	for _, st := range cb.streams {
		for ft := 0; ft < cb.fp/cb.fb; ft++ {
			fwd(&cb.out[(ft*cb.fb*cb.p+st.pos)*cb.lanes], ostride, &cb.x[st.origin], st.z,
				&cb.wf[ft*cb.taps*cb.fb], &cb.tapOff[0], cb.taps, &cb.bf[ft*cb.fb])
		}
	}
	fromLanes(z, cb.out, cb.outRows, cb.n, relu)
}

// toLanes copies the n samples of src, one a row of len(rows) values,
// into dst, value i of sample j to dst[rows[i]+j]. dst's other entries
// are left as they are. With a mask (ReLU's output, src then being the
// gradient of that output), a value whose mask is not > 0 is copied as
// +0: the gradient of ReLU's input, as ReLU.backward writes it.
func toLanes(dst []float32, rows []int32, src, mask []float32, n int) {
	q := len(rows)
	full := n &^ (convLanes - 1)
	vec := q >= convLanes
	if vec {
		_ = src[n*q-1]
		if mask != nil {
			_ = mask[n*q-1]
		}
		for j := 0; j < full; j += convLanes {
			var h *float32
			if mask != nil {
				h = &mask[j*q]
			}
			if convAVX512 {
				convTransIn(&dst[j], &rows[0], &src[j*q], q*4, q/convLanes, h)
			} else {
				convTransInAVX2(&dst[j], &rows[0], &src[j*q], q*4, q/convLanes, h)
			}
		}
	}
	for j := range n {
		i0 := q &^ (convLanes - 1)
		if j >= full || !vec {
			i0 = 0
		}
		for i := i0; i < q; i++ {
			v := src[j*q+i]
			if mask != nil {
				v = math.Float32frombits(math.Float32bits(v) & reluOn(mask[j*q+i]))
			}
			dst[int(rows[i])+j] = v
		}
	}
}

// fromLanes is the inverse of toLanes: it copies value i of sample j from
// src[rows[i]+j] to dst[j·len(rows)+i], for the n samples; with relu,
// max(value, 0), as ReLU.forward computes it.
func fromLanes(dst, src []float32, rows []int32, n int, relu bool) {
	q := len(rows)
	full := n &^ (convLanes - 1)
	vec := q >= convLanes
	if vec {
		_ = dst[n*q-1]
		for j := 0; j < full; j += convLanes {
			if convAVX512 {
				convTransOut(&dst[j*q], q*4, &src[j], &rows[0], q/convLanes, relu)
			} else {
				convTransOutAVX2(&dst[j*q], q*4, &src[j], &rows[0], q/convLanes, relu)
			}
		}
	}
	for j := range n {
		i0 := q &^ (convLanes - 1)
		if j >= full || !vec {
			i0 = 0
		}
		for i := i0; i < q; i++ {
			v := src[int(rows[i])+j]
			if relu {
				v = max(v, 0)
			}
			dst[j*q+i] = v
		}
	}
}

// conv2dBatched is conv2d computed by the batched kernels, followed by a
// ReLU if relu is set: the forward pass applies it as it transposes the
// output out of lanes, and the backward pass its derivative as it
// transposes the output's gradient into lanes, which saves the separate
// node's three passes over memory forward and four backward.
func conv2dBatched(name string, x, w, b *G.Node, s *convShape, filters int, inputGrad, relu bool) (*G.Node, error) {
	n := x.Shape()[0]
	cb := newConvBatch(s, n, filters)
	z := newMatrix(n, filters*cb.p)
	zd := z.Float32s()
	kn := &kernel{
		name: name, typ: hm.NewFnType(matType, matType, vecType, matType),
		shape: tensor.Shape{n, filters * cb.p}, out: z, arity: 3,
		wrt: []bool{inputGrad, true, true},
		run: func(v []G.Value) { cb.forward(zd, f32s(v[0]), f32s(v[1]), f32s(v[2]), relu) },
	}
	kn.diff = func(inputs G.Nodes, output, dz *G.Node) (G.Nodes, error) {
		// The output's gradient in lanes, which both gradients read.
		dl := make([]float32, cb.fp*cb.p*cb.lanes)
		// With relu the output is an input too, for the mask.
		d, err := G.ApplyOp(&kernel{
			name: name + "/dz", typ: hm.NewFnType(matType, matType, vecType),
			shape: tensor.Shape{len(dl)}, out: tensor.New(tensor.WithShape(len(dl)), tensor.WithBacking(dl)), arity: 2,
			run: func(v []G.Value) {
				var mask []float32
				if relu {
					mask = f32s(v[1])
				}
				toLanes(dl, cb.outRows, f32s(v[0]), mask, n)
			},
		}, dz, output)
		if err != nil {
			return nil, err
		}
		grads := make(G.Nodes, 3)
		if inputGrad {
			if grads[0], err = cb.gradX(name, d, inputs[1]); err != nil {
				return nil, err
			}
		}
		if grads[1], err = cb.gradW(name, d, output); err != nil {
			return nil, err
		}
		grads[2], err = cb.gradB(name, d)
		return grads, err
	}
	return G.ApplyOp(kn, x, w, b)
}

// gradW is dL/dW from the output's gradient in lanes, d, and the input
// rows the forward pass left in cb.x. The forward output is an input only
// so that this runs after them.
func (cb *convBatch) gradW(name string, d, output *G.Node) (*G.Node, error) {
	ktiles := len(cb.tapOff) / cb.kb
	// acc holds, for each block of fb filters and kb taps, the 24 vectors
	// of partial sums of the kernel.
	acc := make([]float32, cb.fp/cb.fb*ktiles*24*convLanes)
	dw := newMatrix(cb.f, cb.taps)
	dwd := dw.Float32s()
	dwk := convDW4x6
	switch {
	case cb.fb == 6 && convAVX512:
		dwk = convDW6x4
	case cb.fb == 6:
		dwk = convDW6x4AVX2
	case !convAVX512:
		dwk = convDW4x6AVX2
	}
	dstride := cb.p * cb.lanes * 4
	return G.ApplyOp(&kernel{
		name: name + "/dW", typ: hm.NewFnType(vecType, matType, matType),
		shape: tensor.Shape{cb.f, cb.taps}, out: dw, arity: 2,
		run: func(v []G.Value) {
			dl := f32s(v[0])
			clear(acc)
			for _, st := range cb.streams {
				for ft := 0; ft < cb.fp/cb.fb; ft++ {
					dz := &dl[(ft*cb.fb*cb.p+st.pos)*cb.lanes]
					for kt := range ktiles {
						dwk(&acc[(ft*ktiles+kt)*24*convLanes], dz, dstride, &cb.x[st.origin], &cb.tapOff[kt*cb.kb], st.z)
					}
				}
			}
			for f := range cb.f {
				ft, fl := f/cb.fb, f%cb.fb
				for t := range cb.taps {
					kt, kl := t/cb.kb, t%cb.kb
					i := ((ft*ktiles+kt)*24 + fl*cb.kb + kl) * convLanes
					dwd[f*cb.taps+t] = convLaneSum(acc[i : i+convLanes])
				}
			}
		},
	}, d, output)
}

// gradB is dL/db from the output's gradient in lanes, d: the sum of each
// filter's rows, whose lanes past the batch are zero.
func (cb *convBatch) gradB(name string, d *G.Node) (*G.Node, error) {
	db := tensor.New(tensor.WithShape(cb.f), tensor.WithBacking(make([]float32, cb.f)))
	dbd := db.Float32s()
	var sum [convLanes]float32
	size := cb.p * cb.lanes
	return G.ApplyOp(&kernel{
		name: name + "/db", typ: hm.NewFnType(vecType, vecType),
		shape: tensor.Shape{cb.f}, out: db, arity: 1,
		run: func(v []G.Value) {
			dl := f32s(v[0])[:cb.f*size]
			for f := range cb.f {
				convLaneSums(&sum, dl[f*size:(f+1)*size])
				dbd[f] = convLaneSum(sum[:])
			}
		},
	}, d)
}

// convLaneSums writes to sum the lane-wise sum of the vectors of v, as
// convSumVec does, in four running sums added at the end: the vectors
// 4i + j go to sum j, the last len/16 mod 4 to sum 0.
func convLaneSums(sum *[convLanes]float32, v []float32) {
	if convAVX512 {
		convSumVec(&sum[0], &v[0], len(v)/convLanes)
		return
	}
	var s [4][convLanes]float32
	i := 0
	for ; i+4*convLanes <= len(v); i += 4 * convLanes {
		for j := range 4 {
			for l, x := range v[i+j*convLanes : i+(j+1)*convLanes] {
				s[j][l] += x
			}
		}
	}
	for ; i < len(v); i += convLanes {
		for l, x := range v[i : i+convLanes] {
			s[0][l] += x
		}
	}
	for l := range sum {
		sum[l] = (s[0][l] + s[1][l]) + (s[2][l] + s[3][l])
	}
}

// convLaneSum returns the sum of the 16 lanes of v, halving the vector
// each time.
func convLaneSum(v []float32) float32 {
	v = v[:convLanes]
	var h [8]float32
	for i := range h {
		h[i] = v[i] + v[i+8]
	}
	for i := range 4 {
		h[i] += h[i+4]
	}
	return (h[0] + h[2]) + (h[1] + h[3])
}

// gradX is dL/dx from the output's gradient in lanes, d: each output
// row, times the weights of each tap, is added to the row of the input
// the tap reads, six taps a kernel call, into a zero-padded image whose
// inside is then transposed back.
func (cb *convBatch) gradX(name string, d, w *G.Node) (*G.Node, error) {
	s := cb.s
	tiles := cb.dxTiles()
	size := s.c * cb.hp * cb.wp * cb.lanes
	stream := cb.lanes
	if s.stride == 1 {
		stream *= s.ow
	}
	// The taps that pad a tile out to six write to scratch, past the
	// image, with zero weights.
	dxl := make([]float32, size+stream)
	wx := make([]float32, len(tiles)*cb.f)
	var off [6]int
	dx := newMatrix(cb.n, s.c*s.h*s.w)
	dxd := dx.Float32s()
	dstride := cb.p * cb.lanes * 4
	dx6 := convDX6
	if !convAVX512 {
		dx6 = convDX6AVX2
	}
	return G.ApplyOp(&kernel{
		name: name + "/dx", typ: hm.NewFnType(vecType, matType, matType),
		shape: tensor.Shape{cb.n, s.c * s.h * s.w}, out: dx, arity: 2,
		run: func(v []G.Value) {
			dl, wt := f32s(v[0]), f32s(v[1])
			for i, t := range tiles {
				for f := range cb.f {
					var wft float32
					if t >= 0 {
						wft = wt[f*cb.taps+t]
					}
					wx[(i/6*cb.f+f)*6+i%6] = wft
				}
			}
			clear(dxl[:size])
			for _, st := range cb.streams {
				for i := 0; i < len(tiles); i += 6 {
					for j, t := range tiles[i : i+6] {
						off[j] = (size - st.origin) * 4
						if t >= 0 {
							off[j] = cb.tapOff[t]
						}
					}
					dx6(&dxl[st.origin], &off[0], st.z, &dl[st.pos*cb.lanes], dstride, cb.f, &wx[i*cb.f])
				}
			}
			fromLanes(dxd, dxl, cb.inRows, cb.n, false)
		},
	}, d, w)
}

// dxTiles groups the taps six to a kernel call, -1 standing for none.
// convDX6 adds to its six streams four vectors at a time, so two taps
// whose rows are less than four vectors apart (neighbouring columns when
// there are fewer than 64 lanes) go to different calls.
func (cb *convBatch) dxTiles() []int {
	var tiles []int
	for t := range cb.taps {
		placed := false
		for i := 0; i < len(tiles) && !placed; i += 6 {
			free := -1
			fits := true
			for j, u := range tiles[i : i+6] {
				switch {
				case u < 0 && free < 0:
					free = j
				case u >= 0 && convNear(cb.tapOff[u], cb.tapOff[t]):
					fits = false
				}
			}
			if fits && free >= 0 {
				tiles[i+free], placed = t, true
			}
		}
		if !placed {
			tiles = append(tiles, t, -1, -1, -1, -1, -1)
		}
	}
	return tiles
}

// convNear says whether two taps' rows, at byte offsets a and b, are
// less than four vectors apart.
func convNear(a, b int) bool {
	const span = 4 * convLanes * 4
	return a-b < span && b-a < span
}
