package nn

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Batch normalisation's constants, PyTorch's defaults.
const (
	bnEps      = 1e-5
	bnMomentum = 0.1
)

// BatchNormState holds a batch normalisation layer's running statistics,
// one value a channel, under PyTorch's names (running_mean, running_var,
// num_batches_tracked) so that they are saved and exported as PyTorch
// keeps them. A training node updates them once per forward run, in
// place; an evaluation node reads them on every run, so the two must not
// run concurrently over one state.
type BatchNormState struct {
	RunningMean       []float32
	RunningVar        []float32
	NumBatchesTracked int64
}

// NewBatchNormState returns the state of a new layer of c channels: means
// 0, variances 1 and no batches tracked, as PyTorch starts.
func NewBatchNormState(c int) *BatchNormState {
	st := &BatchNormState{RunningMean: make([]float32, c), RunningVar: make([]float32, c)}
	for i := range st.RunningVar {
		st.RunningVar[i] = 1
	}
	return st
}

// batchnorm returns the node γ·(x − μ)/√(σ² + ε) + β per channel, as
// PyTorch's BatchNorm2d computes it over x's n samples of c channels of
// h×w values (NCHW rows), and BatchNorm1d with h = w = 1. gamma and beta
// hold c values. In training μ and σ² are the batch's mean and biased
// variance, and each forward run updates st as PyTorch does (momentum 0.1,
// the running variance with the unbiased batch variance); the gradients
// are then those through the batch statistics. In evaluation μ and σ² are
// st's running statistics, which the node reads on every run, and the
// gradients are those of that affine map.
func batchnorm(name string, x, gamma, beta *G.Node, c, h, w int, st *BatchNormState, training bool) (*G.Node, error) {
	return normNode(name, x, gamma, beta, c, h, w, st, training, false)
}

// batchnormReLU returns the node relu(batchnorm(…)): the forward pass
// applies the ReLU as it writes the output, and the gradients its
// derivative as they read the output's gradient, which saves the separate
// node's passes over memory.
func batchnormReLU(name string, x, gamma, beta *G.Node, c, h, w int, st *BatchNormState, training bool) (*G.Node, error) {
	return normNode(name, x, gamma, beta, c, h, w, st, training, true)
}

// normNode is batchnorm, followed by a ReLU if relu is set.
func normNode(name string, x, gamma, beta *G.Node, c, h, w int, st *BatchNormState, training, relu bool) (*G.Node, error) {
	if c < 1 || h < 1 || w < 1 {
		return nil, fmt.Errorf("%s: channels, height and width must be ≥ 1 (got %d, %d, %d)", name, c, h, w)
	}
	xs := x.Shape()
	if len(xs) != 2 || xs[1] != c*h*w {
		return nil, fmt.Errorf("%s: input is %v, want n×%d (%d channels of %d×%d)", name, xs, c*h*w, c, h, w)
	}
	for _, p := range []*G.Node{gamma, beta} {
		if s := p.Shape(); len(s) != 1 || s[0] != c {
			return nil, fmt.Errorf("%s: %s is %v, want (%d) for %d channels", name, p.Name(), s, c, c)
		}
	}
	if st == nil || len(st.RunningMean) != c || len(st.RunningVar) != c {
		return nil, fmt.Errorf("%s: running statistics must hold %d channels", name, c)
	}
	n := xs[0]
	if training && n*h*w < 2 {
		return nil, fmt.Errorf("%s: training needs more than one value per channel (got a batch of %d of %d×%d)", name, n, h, w)
	}
	l := &bnLayer{
		n: n, c: c, hw: h * w, st: st, training: training, relu: relu,
		mean: make([]float64, c), invstd: make([]float64, c),
		sumDy: make([]float64, c), sumDyXmu: make([]float64, c), ch: make([]bnChannel, c),
	}
	y := newMatrix(n, c*h*w)
	yd := y.Float32s()
	k := &kernel{
		name: name, typ: hm.NewFnType(matType, vecType, vecType, matType),
		shape: tensor.Shape{n, c * h * w}, out: y, arity: 3, wrt: []bool{true, true, true},
		run: func(v []G.Value) { l.forward(yd, f32s(v[0]), f32s(v[1]), f32s(v[2])) },
	}
	k.diff = func(inputs G.Nodes, output, dy *G.Node) (G.Nodes, error) {
		return l.gradients(name, inputs, output, dy)
	}
	return G.ApplyOp(k, x, gamma, beta)
}

// bnLayer is one batch normalisation node: its shape, and the statistics
// and factors of the last run, which its forward kernel writes and its
// gradient kernels read.
type bnLayer struct {
	n, c, hw int
	st       *BatchNormState
	training bool
	relu     bool // a ReLU follows, fused into the kernels

	mean, invstd    []float64 // μ and 1/√(σ² + ε) of the last forward run
	sumDy, sumDyXmu []float64 // Σ dy and Σ dy·(x − μ) of the last backward run
	ch              []bnChannel
}

// bnChannel holds one channel's factors for the elementwise passes.
type bnChannel struct {
	scale, shift, mean float32 // γ/√(σ² + ε), β − μ·scale and μ (forward)
	meanDy, k          float32 // Σdy/m and Σ dy·(x − μ)/(m·(σ² + ε)) (backward)
}

// blocks yields the batch's h×w blocks in memory order: the channel of
// each and the index of its first value.
func (l *bnLayer) blocks(yield func(ch, at int) bool) {
	at := 0
	for range l.n {
		for ch := range l.c {
			if !yield(ch, at) {
				return
			}
			at += l.hw
		}
	}
}

// count is the number of values a channel's statistics are taken over.
func (l *bnLayer) count() float64 { return float64(l.n * l.hw) }

// forward sets the statistics for this run and writes y = x·scale + shift
// per channel, the form PyTorch's CPU kernel uses, and max(y, 0) with a
// ReLU.
func (l *bnLayer) forward(y, x, gamma, beta []float32) {
	if l.training {
		l.batchStats(x)
	} else {
		for ch := range l.c {
			l.mean[ch] = float64(l.st.RunningMean[ch])
			l.invstd[ch] = 1 / math.Sqrt(float64(l.st.RunningVar[ch])+bnEps)
		}
	}
	for ch := range l.c {
		a := float64(gamma[ch]) * l.invstd[ch]
		f := &l.ch[ch]
		f.scale, f.shift, f.mean = float32(a), float32(float64(beta[ch])-l.mean[ch]*a), float32(l.mean[ch])
	}
	for ch, at := range l.blocks {
		f := l.ch[ch]
		bnAffine(y[at:at+l.hw], x[at:at+l.hw], f.scale, f.shift, l.relu)
	}
}

// bnAffine writes x·scale + shift into y, and max(·, 0) with relu. The
// conversion keeps the product rounded on its own, as the vector kernel
// rounds it, where the compiler may otherwise fuse it with the addition.
func bnAffine(y, x []float32, scale, shift float32, relu bool) {
	if normVector && len(x) > 0 {
		bnAffineVec(&y[0], &x[0], len(x), scale, shift, relu)
		return
	}
	y = y[:len(x)]
	for j, v := range x {
		y[j] = float32(v*scale) + shift
	}
	if relu {
		for j, v := range y {
			y[j] = max(v, 0)
		}
	}
}

// batchStats sets the batch's mean and 1/√(σ² + ε) from its biased
// variance, and folds them into the running statistics. It sums in float64
// in one pass, about a shift k (the channel's first value) so that the
// variance does not lose precision when the mean is far from zero.
func (l *bnLayer) batchStats(x []float32) {
	// mean and invstd hold Σ(x − k) and Σ(x − k)² until the last loop.
	clear(l.mean)
	clear(l.invstd)
	for ch, at := range l.blocks {
		s, q := bnMoments(x[at:at+l.hw], float64(x[ch*l.hw]))
		l.mean[ch] += s
		l.invstd[ch] += q
	}
	m := l.count()
	st := l.st
	for ch := range l.c {
		d := l.mean[ch] / m
		variance := max(l.invstd[ch]/m-d*d, 0)
		l.mean[ch] = float64(x[ch*l.hw]) + d
		l.invstd[ch] = 1 / math.Sqrt(variance+bnEps)
		st.RunningMean[ch] = float32((1-bnMomentum)*float64(st.RunningMean[ch]) + bnMomentum*l.mean[ch])
		st.RunningVar[ch] = float32((1-bnMomentum)*float64(st.RunningVar[ch]) + bnMomentum*variance*m/(m-1))
	}
	st.NumBatchesTracked++
}

// bnMoments returns Σ(x − k) and Σ(x − k)², with four float64 accumulators
// of each so that the additions do not wait on one another. The
// conversions keep each product rounded on its own, as bnMomentsVec
// rounds it.
func bnMoments(x []float32, k float64) (s, q float64) {
	if normVector && len(x) > 0 {
		return bnMomentsVec(&x[0], len(x), k)
	}
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		a, b, c, d := float64(v[0])-k, float64(v[1])-k, float64(v[2])-k, float64(v[3])-k
		s0, s1, s2, s3 = s0+a, s1+b, s2+c, s3+d
		q0, q1, q2, q3 = q0+float64(a*a), q1+float64(b*b), q2+float64(c*c), q3+float64(d*d)
	}
	for _, v := range x[i:] {
		a := float64(v) - k
		s0, q0 = s0+a, q0+float64(a*a)
	}
	return s0 + s1 + s2 + s3, q0 + q1 + q2 + q3
}

// bnGradSums returns Σ dy and Σ dy·(x − μ), as bnMoments sums. With h,
// the output of a ReLU that follows, dy is the gradient of that output,
// and the sums are of the layer's own output's gradient: dy where h > 0,
// +0 elsewhere.
func bnGradSums(dy, x, h []float32, mu float64) (s, sx float64) {
	if normVector && len(x) > 0 {
		return bnGradSumsVec(&dy[0], &x[0], bnFirst(h), len(x), mu)
	}
	dy = dy[:len(x)]
	var s0, s1, s2, s3, p0, p1, p2, p3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		var d [4]float32
		for j := range d {
			d[j] = bnGrad(dy, h, i+j)
		}
		a, b, c, e := float64(d[0]), float64(d[1]), float64(d[2]), float64(d[3])
		s0, s1, s2, s3 = s0+a, s1+b, s2+c, s3+e
		p0, p1 = p0+float64(a*(float64(v[0])-mu)), p1+float64(b*(float64(v[1])-mu))
		p2, p3 = p2+float64(c*(float64(v[2])-mu)), p3+float64(e*(float64(v[3])-mu))
	}
	for j, v := range x[i:] {
		a := float64(bnGrad(dy, h, i+j))
		s0, p0 = s0+a, p0+float64(a*(float64(v)-mu))
	}
	return s0 + s1 + s2 + s3, p0 + p1 + p2 + p3
}

// bnGrad returns dy[i], or, with h, the output of a ReLU that follows,
// the gradient of the ReLU's input: dy[i] where h[i] > 0, +0 elsewhere.
func bnGrad(dy, h []float32, i int) float32 {
	if h == nil {
		return dy[i]
	}
	return math.Float32frombits(math.Float32bits(dy[i]) & reluOn(h[i]))
}

// bnFirst returns &h[0], or nil for no h.
func bnFirst(h []float32) *float32 {
	if h == nil {
		return nil
	}
	return &h[0]
}

// gradients returns the nodes of dx, dγ and dβ. The dγ kernel takes the
// layer's output so that it runs after the forward run whose statistics
// it reads, and it sums both Σ dy and Σ dy·(x − μ); the dβ kernel copies
// the first of those, and the dx kernel uses both. With a ReLU fused, dy
// is the gradient of the ReLU's output, and both kernels read the output
// for its mask.
func (l *bnLayer) gradients(name string, inputs G.Nodes, output, dy *G.Node) (G.Nodes, error) {
	dgamma := tensor.New(tensor.WithShape(l.c), tensor.WithBacking(make([]float32, l.c)))
	dgd := dgamma.Float32s()
	dg, err := G.ApplyOp(&kernel{
		name: name + "/dgamma", typ: hm.NewFnType(matType, matType, matType, vecType),
		shape: tensor.Shape{l.c}, out: dgamma, arity: 3,
		run: func(v []G.Value) { l.gradGamma(dgd, f32s(v[0]), f32s(v[1]), l.mask(v[2])) },
	}, dy, inputs[0], output)
	if err != nil {
		return nil, err
	}
	dbeta := tensor.New(tensor.WithShape(l.c), tensor.WithBacking(make([]float32, l.c)))
	dbd := dbeta.Float32s()
	db, err := G.ApplyOp(&kernel{
		name: name + "/dbeta", typ: hm.NewFnType(vecType, vecType),
		shape: tensor.Shape{l.c}, out: dbeta, arity: 1,
		run: func([]G.Value) {
			for ch, s := range l.sumDy {
				dbd[ch] = float32(s)
			}
		},
	}, dg)
	if err != nil {
		return nil, err
	}
	dx := newMatrix(l.n, l.c*l.hw)
	dxd := dx.Float32s()
	dxn, err := G.ApplyOp(&kernel{
		name: name + "/dx", typ: hm.NewFnType(matType, matType, vecType, matType, matType),
		shape: tensor.Shape{l.n, l.c * l.hw}, out: dx, arity: 4,
		run: func(v []G.Value) { l.gradX(dxd, f32s(v[0]), f32s(v[1]), l.mask(v[3])) },
	}, dy, inputs[0], db, output)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dxn, dg, db}, nil
}

// mask returns the layer's output, whose signs mask the gradient, when a
// ReLU is fused, and nil otherwise.
func (l *bnLayer) mask(output G.Value) []float32 {
	if !l.relu {
		return nil
	}
	return f32s(output)
}

// bnSeg returns h[at : at+n], or nil for no h.
func bnSeg(h []float32, at, n int) []float32 {
	if h == nil {
		return nil
	}
	return h[at : at+n]
}

// gradGamma sets Σ dy and Σ dy·(x − μ) per channel and writes
// dγ = Σ dy·(x − μ)/√(σ² + ε); with h, ReLU's output, dy is masked by it.
func (l *bnLayer) gradGamma(dgamma, dy, x, h []float32) {
	clear(l.sumDy)
	clear(l.sumDyXmu)
	for ch, at := range l.blocks {
		s, sx := bnGradSums(dy[at:at+l.hw], x[at:at+l.hw], bnSeg(h, at, l.hw), l.mean[ch])
		l.sumDy[ch] += s
		l.sumDyXmu[ch] += sx
	}
	for ch := range l.c {
		dgamma[ch] = float32(l.sumDyXmu[ch] * l.invstd[ch])
	}
}

// gradX writes dx. In evaluation the layer is the affine map
// x·γ/√(σ² + ε) + const, so dx = dy·γ/√(σ² + ε). In training μ and σ²
// depend on x too, and over the m values of each channel
//
//	dx = (dy − Σdy/m − (x − μ)·Σ dy·(x − μ)/(m·(σ² + ε)))·γ/√(σ² + ε),
//
// as PyTorch's CPU kernel computes it. With h, ReLU's output, dy is
// masked by it first.
func (l *bnLayer) gradX(dx, dy, x, h []float32) {
	if !l.training {
		for ch, at := range l.blocks {
			s := l.ch[ch].scale
			hs := bnSeg(h, at, l.hw)
			out := dx[at : at+l.hw]
			for j := range out {
				out[j] = bnGrad(dy[at:], hs, j) * s
			}
		}
		return
	}
	m := l.count()
	for ch := range l.c {
		l.ch[ch].meanDy = float32(l.sumDy[ch] / m)
		l.ch[ch].k = float32(l.sumDyXmu[ch] * l.invstd[ch] * l.invstd[ch] / m)
	}
	for ch, at := range l.blocks {
		f := l.ch[ch]
		bnGradX(dx[at:at+l.hw], dy[at:at+l.hw], x[at:at+l.hw], bnSeg(h, at, l.hw), f)
	}
}

// bnGradX writes one block's dx = (dy − Σdy/m − (x − μ)·k)·scale with the
// channel's factors f, dy masked by ReLU's output h unless h is nil. The
// conversion keeps the product rounded on its own, as the vector kernel
// rounds it.
func bnGradX(dx, dy, x, h []float32, f bnChannel) {
	if normVector && len(x) > 0 {
		bnGradXVec(&dx[0], &dy[0], &x[0], bnFirst(h), len(x), f.meanDy, f.mean, f.k, f.scale)
		return
	}
	dx, dy = dx[:len(x)], dy[:len(x)]
	for j, v := range x {
		dx[j] = (bnGrad(dy, h, j) - f.meanDy - float32((v-f.mean)*f.k)) * f.scale
	}
}
