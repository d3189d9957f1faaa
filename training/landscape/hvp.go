package landscape

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/openblas"
)

// hessian computes exact products of the Hessian of the mean loss over a
// set with a vector of weights, by Pearlmutter's R-operator (1994, "Fast
// exact multiplication by the Hessian"): the directional derivative along
// v of the forward and the backward pass, one forward and one backward
// sweep of twice the work of a gradient.
//
// The engine's fused gorgonia kernels have first derivatives only, and
// gorgonia v0.9.18 cannot differentiate its own graphs twice, so the
// R-passes are written out here over the same float32 weights, with the
// matrix products in sgemm. Central differences of two gradients would
// cost the same but are wrong for ReLU networks: a step of ε = 1e-2 along
// v crosses ReLU kinks, and on the default network they put the smallest
// eigenvalue at −1.5 where PyTorch's exact float64 double backward finds
// −0.26 (ε = 1e-3 drowns it in float32 rounding instead). The R-operator
// has no step: its products agree with PyTorch's to float32 rounding.
//
// A network of layers takes its R-passes layer by layer (rop.go), for the
// loss of the evaluation-mode network that the slices plot: dropout off,
// batch normalisation an affine map of the running statistics. On LeNet-5
// its products agree with PyTorch's float64 double backward of the same
// network in evaluation mode to float32 rounding (see
// TestLayerHessianMatchesPyTorch).
type hessian struct {
	model   *nn.Model
	loss    nn.Loss
	set     *Set
	chunks  [][2]int
	sizes   []int     // layer widths from input to output
	v       []float32 // the direction, in the parameters' order
	workers []*rWorker
	n       int // the number of parameters
	// layers holds each goroutine's R-passes of a network of layers,
	// instead of workers.
	layers []*rNetwork
	lerrs  []error
	losses []float64
}

// rWorker holds one goroutine's buffers for a batch of samples: per
// linear layer l (1-based, as z[l]) its pre-activations and outputs, their
// R-derivatives, the activation's slopes, the backward pass's deltas and
// the R-gradient it accumulates.
type rWorker struct {
	z, h, rz, rh, d1, d2 [][]float32
	delta, rdelta        [][]float32
	e, re                []float32
	acc                  [][]float32 // per parameter
	loss                 float64
	err                  error
}

func newHessian(m *nn.Model, loss nn.Loss, set *Set) (*hessian, error) {
	if set == nil || set.Len() == 0 {
		return nil, errors.New("the evaluation set is empty")
	}
	if set.Inputs != m.Spec.Inputs {
		return nil, fmt.Errorf("the set has %d inputs per sample, the network %d", set.Inputs, m.Spec.Inputs)
	}
	for _, l := range set.Labels {
		if l < 0 || int(l) >= m.Spec.Classes {
			return nil, fmt.Errorf("label %d is outside the network's %d classes", l, m.Spec.Classes)
		}
	}
	openblas.Load()
	h := &hessian{model: m, loss: loss, set: set, chunks: set.chunks(), sizes: m.Spec.Sizes()}
	for _, p := range m.Params {
		h.n += len(p.Data)
	}
	h.v = make([]float32, h.n)
	if !m.Spec.IsMLP() {
		for range min(runtime.GOMAXPROCS(0), (set.Len()+rBatch-1)/rBatch) {
			r, err := newRNetwork(m, h.v)
			if err != nil {
				return nil, err
			}
			h.layers = append(h.layers, r)
		}
		h.lerrs, h.losses = make([]error, len(h.layers)), make([]float64, len(h.layers))
		return h, nil
	}
	layers := len(h.sizes) - 1
	for range min(runtime.GOMAXPROCS(0), len(h.chunks)) {
		w := &rWorker{}
		alloc := func() [][]float32 {
			b := make([][]float32, layers+1)
			for l := 1; l <= layers; l++ {
				b[l] = make([]float32, chunk*h.sizes[l])
			}
			return b
		}
		w.z, w.h, w.rz, w.rh, w.d1, w.d2, w.delta, w.rdelta = alloc(), alloc(), alloc(), alloc(), alloc(), alloc(), alloc(), alloc()
		widest := 0
		for _, s := range h.sizes {
			widest = max(widest, s)
		}
		w.e, w.re = make([]float32, chunk*widest), make([]float32, chunk*widest)
		for _, p := range m.Params {
			w.acc = append(w.acc, make([]float32, len(p.Data)))
		}
		h.workers = append(h.workers, w)
	}
	return h, nil
}

// product writes H·v into hv and returns the mean loss.
func (h *hessian) product(ctx context.Context, v, hv []float64) (float64, error) {
	for i, x := range v {
		h.v[i] = float32(x)
	}
	if h.layers != nil {
		return h.productLayers(ctx, hv)
	}
	var wg sync.WaitGroup
	for k, w := range h.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loss, w.err = 0, nil
			for _, a := range w.acc {
				clear(a)
			}
			for c := k; c < len(h.chunks); c += len(h.workers) {
				if w.err = ctx.Err(); w.err != nil {
					return
				}
				h.batch(w, h.chunks[c][0], h.chunks[c][1])
			}
		}()
	}
	wg.Wait()
	clear(hv)
	var loss float64
	for _, w := range h.workers {
		if w.err != nil {
			return 0, w.err
		}
		loss += w.loss
		addFlat(hv, w.acc)
	}
	return loss, nil
}

// addFlat adds a goroutine's accumulators, one a parameter, to hv, all
// the parameters in a row.
func addFlat(hv []float64, acc [][]float32) {
	i := 0
	for _, a := range acc {
		for _, x := range a {
			hv[i] += float64(x)
			i++
		}
	}
}

// param returns layer l's weight or bias (0 or 1) and the direction's part
// for it.
func (h *hessian) param(l, which int) (p, v []float32) {
	i := 2*(l-1) + which
	off := 0
	for _, q := range h.model.Params[:i] {
		off += len(q.Data)
	}
	p = h.model.Params[i].Data
	return p, h.v[off : off+len(p)]
}

// batch adds the R-gradient of samples start..end−1 to w.acc and their
// share of the mean loss to w.loss.
func (h *hessian) batch(w *rWorker, start, end int) {
	n := end - start
	layers := len(h.sizes) - 1
	x := h.set.X[start*h.sizes[0] : end*h.sizes[0]]
	hPrev, rhPrev := x, []float32(nil)

	// Forward: z = h·Wᵀ + b and Rz = Rh·Wᵀ + h·Vᵀ + c, then the activation.
	for l := 1; l <= layers; l++ {
		in, out := h.sizes[l-1], h.sizes[l]
		W, V := h.param(l, 0)
		b, c := h.param(l, 1)
		z, rz := w.z[l][:n*out], w.rz[l][:n*out]
		for r := range n {
			copy(z[r*out:(r+1)*out], b)
			copy(rz[r*out:(r+1)*out], c)
		}
		openblas.Sgemm(false, true, n, out, in, 1, hPrev, in, W, in, 1, z, out)
		openblas.Sgemm(false, true, n, out, in, 1, hPrev, in, V, in, 1, rz, out)
		if rhPrev != nil {
			openblas.Sgemm(false, true, n, out, in, 1, rhPrev, in, W, in, 1, rz, out)
		}
		if l == layers {
			break
		}
		act := h.model.Spec.Hidden[l-1].Activation
		hl, rh, d1, d2 := w.h[l][:n*out], w.rh[l][:n*out], w.d1[l][:n*out], w.d2[l][:n*out]
		act.Apply(hl, z)
		act.Slopes(d1, d2, z)
		for i := range rh {
			rh[i] = d1[i] * rz[i]
		}
		hPrev, rhPrev = hl, rh
	}

	c := h.sizes[layers]
	w.loss += outputDeltas(h.loss, w.z[layers][:n*c], w.rz[layers][:n*c], w.delta[layers][:n*c], w.rdelta[layers][:n*c],
		h.set.Labels[start:start+n], c, float64(h.set.Len()))

	// Backward: R(∂L/∂W) = Rδᵀ·h + δᵀ·Rh, R(∂L/∂b) = Σ Rδ, and through
	// the layer δ' = σ'(z) ⊙ δ·W, Rδ' = σ''(z) ⊙ Rz ⊙ δ·W + σ'(z) ⊙ (Rδ·W + δ·V).
	for l := layers; l >= 1; l-- {
		in, out := h.sizes[l-1], h.sizes[l]
		delta, rdelta := w.delta[l][:n*out], w.rdelta[l][:n*out]
		hPrev, rhPrev := x, []float32(nil)
		if l > 1 {
			hPrev, rhPrev = w.h[l-1][:n*in], w.rh[l-1][:n*in]
		}
		accW, accB := w.acc[2*(l-1)], w.acc[2*(l-1)+1]
		openblas.Sgemm(true, false, out, in, n, 1, rdelta, out, hPrev, in, 1, accW, in)
		if rhPrev != nil {
			openblas.Sgemm(true, false, out, in, n, 1, delta, out, rhPrev, in, 1, accW, in)
		}
		for r := range n {
			for j, v := range rdelta[r*out : (r+1)*out] {
				accB[j] += v
			}
		}
		if l == 1 {
			break
		}
		W, V := h.param(l, 0)
		e, re := w.e[:n*in], w.re[:n*in]
		openblas.Sgemm(false, false, n, in, out, 1, delta, out, W, in, 0, e, in)
		openblas.Sgemm(false, false, n, in, out, 1, rdelta, out, W, in, 0, re, in)
		openblas.Sgemm(false, false, n, in, out, 1, delta, out, V, in, 1, re, in)
		d1, d2, rz := w.d1[l-1][:n*in], w.d2[l-1][:n*in], w.rz[l-1][:n*in]
		prev, rprev := w.delta[l-1][:n*in], w.rdelta[l-1][:n*in]
		for i := range prev {
			prev[i] = d1[i] * e[i]
			rprev[i] = d2[i]*rz[i]*e[i] + d1[i]*re[i]
		}
	}
}

// outputDeltas writes the gradient of the mean loss over a set of total
// samples with respect to the logits z of a batch (rows of c classes),
// and its R-derivative, given the logits' R-derivative rz, into delta and
// rdelta, and returns the batch's share of the mean loss.
// With p = softmax(z) and Rp = p ⊙ (Rz − p·Rz):
//
//	cross-entropy  δ = (p − y)/N                     Rδ = Rp/N
//	MSE            g = 2(p − y)/(N·C), δ = p ⊙ (g − p·g)
//	               Rδ = Rp ⊙ (g − p·g) + p ⊙ (Rg − Rp·g − p·Rg), Rg = 2Rp/(N·C)
func outputDeltas(lossKind nn.Loss, z, rz, delta, rdelta []float32, labels []int32, c int, total float64) float64 {
	n := len(labels)
	p, rp, g, rg := make([]float64, c), make([]float64, c), make([]float64, c), make([]float64, c)
	var loss float64
	for r := range n {
		zr, rzr := z[r*c:(r+1)*c], rz[r*c:(r+1)*c]
		label := int(labels[r])
		m := math.Inf(-1)
		for _, v := range zr {
			m = math.Max(m, float64(v))
		}
		var sum float64
		for j, v := range zr {
			p[j] = math.Exp(float64(v) - m)
			sum += p[j]
		}
		var pRz float64
		for j := range p {
			p[j] /= sum
			pRz += p[j] * float64(rzr[j])
		}
		for j := range p {
			rp[j] = p[j] * (float64(rzr[j]) - pRz)
		}
		d, rd := delta[r*c:(r+1)*c], rdelta[r*c:(r+1)*c]
		if lossKind == nn.MSE {
			scale := 2 / (total * float64(c))
			var pg, rpg, prg float64
			for j := range p {
				y := 0.0
				if j == label {
					y = 1
				}
				loss += (p[j] - y) * (p[j] - y) / (total * float64(c))
				g[j], rg[j] = scale*(p[j]-y), scale*rp[j]
				pg += p[j] * g[j]
				rpg += rp[j] * g[j]
				prg += p[j] * rg[j]
			}
			for j := range p {
				d[j] = float32(p[j] * (g[j] - pg))
				rd[j] = float32(rp[j]*(g[j]-pg) + p[j]*(rg[j]-rpg-prg))
			}
			continue
		}
		loss += (m + math.Log(sum) - float64(zr[label])) / total
		for j := range p {
			y := 0.0
			if j == label {
				y = 1
			}
			d[j] = float32((p[j] - y) / total)
			rd[j] = float32(rp[j] / total)
		}
	}
	return loss
}

// productLayers is product for a network of layers: the goroutines take
// batches of rBatch samples in turn.
func (h *hessian) productLayers(ctx context.Context, hv []float64) (float64, error) {
	inputs, classes := h.set.Inputs, h.model.Spec.Classes
	batches := (h.set.Len() + rBatch - 1) / rBatch
	var wg sync.WaitGroup
	for k, r := range h.layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.lerrs[k], h.losses[k] = nil, 0
			for _, a := range r.acc {
				clear(a)
			}
			for b := k; b < batches; b += len(h.layers) {
				if h.lerrs[k] = ctx.Err(); h.lerrs[k] != nil {
					return
				}
				start, end := b*rBatch, min((b+1)*rBatch, h.set.Len())
				h.losses[k] += r.batch(h.loss, h.set.X[start*inputs:end*inputs], h.set.Labels[start:end], h.set.Len(), classes)
			}
		}()
	}
	wg.Wait()
	if err := firstError(h.lerrs); err != nil {
		return 0, err
	}
	clear(hv)
	var loss float64
	for k, r := range h.layers {
		loss += h.losses[k]
		addFlat(hv, r.acc)
	}
	return loss, nil
}
