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

// Plane is the set of weights Centre + α·D1 + β·D2; with D2 nil it is the
// line Centre + α·D1.
type Plane struct {
	Centre *nn.Model
	D1, D2 Direction
	// Stats, when not nil, is the model whose batch normalisation running
	// statistics every point of a network of layers uses, instead of
	// Centre's: the trained model's on the line from the initial weights,
	// whose Centre is the initial model. It must share Centre's
	// architecture.
	Stats *nn.Model
}

// Grid holds a slice's values: Loss[r*len(Alphas)+c] and Acc[…] are the
// mean loss and the accuracy at (Alphas[c], Betas[r]); α varies fastest.
type Grid struct {
	Alphas, Betas []float64
	Loss, Acc     []float64
}

// At returns the loss and accuracy at grid position (c, r).
func (g *Grid) At(c, r int) (loss, acc float64) {
	i := r*len(g.Alphas) + c
	return g.Loss[i], g.Acc[i]
}

// Progress is told how many of a computation's total steps are done. It is
// called from the computing goroutines, one call at a time.
type Progress func(done, total int)

// MaxGridPoints bounds a slice: each point evaluates the network on the
// whole set.
const MaxGridPoints = 201 * 201

// Span returns n evenly spaced values from lo to hi, both included, the
// middle one exactly zero when the span is symmetric and n is odd.
func Span(lo, hi float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		if n == 1 {
			v[i] = lo
			continue
		}
		k := float64(n - 1)
		v[i] = (lo*(k-float64(i)) + hi*float64(i)) / k
	}
	return v
}

// Evaluate computes the mean loss (the model's training loss, given by
// loss) and the accuracy of the set at every point (α, β) of the plane's
// grid alphas × betas; for a line, betas must be nil or {0}.
//
// For a multilayer perceptron every point costs a forward pass over the
// set, except the first layer, which is linear in its weights:
// x·(W + αD + βE)ᵀ = x·Wᵀ + α·x·Dᵀ + β·x·Eᵀ, so the three products are
// computed once per batch of samples and a grid point only combines them
// (for the default network, most of a forward pass's work). The layers
// after it run on the engine's networks.
//
// A network of layers (convolutions, pooling, batch normalisation,
// residual blocks, dropout) runs the engine's evaluation-mode network
// whole at every point, as training evaluates a model: dropout is off and
// batch normalisation uses the running statistics of pl.Stats, or of the
// centre model when Stats is nil, at every point; the statistics are not
// recomputed for the moved weights. The points are shared among the CPUs.
//
// At (0, 0) the values are those of the centre model evaluated on the set,
// bit for bit, as training.Evaluate-style batches of 256 compute them.
func Evaluate(ctx context.Context, pl Plane, loss nn.Loss, set *Set, alphas, betas []float64, progress Progress) (*Grid, error) {
	if err := pl.check(set); err != nil {
		return nil, err
	}
	if pl.D2 == nil {
		if len(betas) > 1 || (len(betas) == 1 && betas[0] != 0) {
			return nil, errors.New("a line has no second direction: betas must be {0}")
		}
		betas = []float64{0}
	}
	if len(alphas) == 0 || len(betas) == 0 {
		return nil, errors.New("the grid is empty")
	}
	if len(alphas)*len(betas) > MaxGridPoints {
		return nil, fmt.Errorf("the grid has %d points, at most %d allowed", len(alphas)*len(betas), MaxGridPoints)
	}
	for _, v := range append(append([]float64(nil), alphas...), betas...) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("grid coordinate %v is not a finite number", v)
		}
	}
	openblas.Load()

	points := len(alphas) * len(betas)
	g := &Grid{Alphas: alphas, Betas: betas, Loss: make([]float64, points), Acc: make([]float64, points)}
	correct := make([]int, points)
	if !pl.Centre.Spec.IsMLP() {
		if err := evaluateLayers(ctx, pl, loss, set, g, correct, progress); err != nil {
			return nil, err
		}
		return g.finish(correct, set), nil
	}
	workers := min(runtime.GOMAXPROCS(0), points)
	ws := make([]*planeWorker, workers)
	for i := range ws {
		w, err := newPlaneWorker(pl, loss)
		if err != nil {
			return nil, err
		}
		defer w.close()
		ws[i] = w
	}
	first := newFirstLayer(pl)
	chunks := set.chunks()
	total := points * len(chunks)
	report := reporter(total, progress)
	for _, c := range chunks {
		first.compute(set, c[0], c[1])
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for k, w := range ws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[k] = w.chunk(ctx, first, set, c, g, correct, k, workers, report)
			}()
		}
		wg.Wait()
		if err := firstError(errs); err != nil {
			return nil, err
		}
	}
	return g.finish(correct, set), nil
}

// finish turns the summed losses and the counts of correct predictions
// into means over the set.
func (g *Grid) finish(correct []int, set *Set) *Grid {
	n := float64(set.Len())
	for i := range g.Loss {
		g.Loss[i] /= n
		g.Acc[i] = float64(correct[i]) / n
	}
	return g
}

// check validates the plane against the set.
func (pl Plane) check(set *Set) error {
	if pl.Centre == nil || pl.D1 == nil {
		return errors.New("the plane needs a centre model and a first direction")
	}
	if err := pl.D1.fits(pl.Centre); err != nil {
		return err
	}
	if pl.D2 != nil {
		if err := pl.D2.fits(pl.Centre); err != nil {
			return err
		}
	}
	if pl.Stats != nil {
		if err := sameShapes(pl.Centre, pl.Stats); err != nil {
			return fmt.Errorf("the running statistics' model: %w", err)
		}
		if err := sameBuffers(pl.Centre, pl.Stats); err != nil {
			return fmt.Errorf("the running statistics' model: %w", err)
		}
	}
	if set == nil || set.Len() == 0 {
		return errors.New("the evaluation set is empty")
	}
	if set.Inputs != pl.Centre.Spec.Inputs || len(set.X) != set.Len()*set.Inputs {
		return fmt.Errorf("the set has %d inputs per sample, the network %d", set.Inputs, pl.Centre.Spec.Inputs)
	}
	for _, l := range set.Labels {
		if l < 0 || int(l) >= pl.Centre.Spec.Classes {
			return fmt.Errorf("label %d is outside the network's %d classes", l, pl.Centre.Spec.Classes)
		}
	}
	return nil
}

// firstLayer holds, for one batch of samples, the first layer's products
// with the centre's weights and with each direction, biases included.
type firstLayer struct {
	pl      Plane
	in, out int
	a, b, c []float32 // batch × out: x·Wᵀ + bias, x·D1ᵀ + D1's bias, x·D2ᵀ + D2's bias
}

func newFirstLayer(pl Plane) *firstLayer {
	w := pl.Centre.Params[0]
	return &firstLayer{pl: pl, in: w.Shape[1], out: w.Shape[0]}
}

// compute fills the products for samples start..end−1, as the network's
// linear kernel computes x·Wᵀ + b: the bias copied into each row, then
// one sgemm adding the product.
func (f *firstLayer) compute(set *Set, start, end int) {
	n := end - start
	x := set.X[start*f.in : end*f.in]
	product := func(dst []float32, w, bias []float32) []float32 {
		dst = dst[:0]
		for range n {
			dst = append(dst, bias...)
		}
		openblas.Sgemm(false, true, n, f.out, f.in, 1, x, f.in, w, f.in, 1, dst, f.out)
		return dst
	}
	f.a = product(f.a, f.pl.Centre.Params[0].Data, f.pl.Centre.Params[1].Data)
	f.b = product(f.b, f.pl.D1[0], f.pl.D1[1])
	if f.pl.D2 != nil {
		f.c = product(f.c, f.pl.D2[0], f.pl.D2[1])
	}
}

// planeWorker evaluates grid points with its own copy of the layers after
// the first and its own networks.
type planeWorker struct {
	pl      Plane
	loss    nn.Loss
	classes int
	act     nn.Activation // the first layer's activation
	tail    *nn.Model     // layers 2.., nil for softmax regression
	nets    nn.Nets
	z       []float32 // the first layer's outputs
	probs   []float32
	y       []float32
}

func newPlaneWorker(pl Plane, loss nn.Loss) (*planeWorker, error) {
	spec := pl.Centre.Spec
	w := &planeWorker{pl: pl, loss: loss, classes: spec.Classes}
	if len(spec.Hidden) == 0 {
		return w, nil
	}
	w.act = spec.Hidden[0].Activation
	tailSpec := nn.Spec{Inputs: spec.Hidden[0].Width, Hidden: spec.Hidden[1:], Classes: spec.Classes}
	w.tail = &nn.Model{Spec: tailSpec}
	w.nets = nn.Nets{Model: w.tail, Mode: nn.Evaluate, Loss: loss}
	for _, p := range pl.Centre.Params[2:] {
		w.tail.Params = append(w.tail.Params, nn.Param{Name: p.Name, Shape: p.Shape, Data: append([]float32(nil), p.Data...)})
	}
	return w, nil
}

func (w *planeWorker) close() { w.nets.Close() }

// chunk evaluates grid points k, k+stride, … on the samples of one batch,
// adding each point's summed loss to g.Loss and its correct predictions to
// correct.
func (w *planeWorker) chunk(ctx context.Context, f *firstLayer, set *Set, c [2]int, g *Grid, correct []int, k, stride int, report func()) error {
	n := c[1] - c[0]
	labels := set.Labels[c[0]:c[1]]
	var net *nn.Net
	var y []float32
	if w.tail != nil {
		var err error
		if net, err = w.nets.Get(n); err != nil {
			return err
		}
		y = net.Y
	} else {
		w.y = resize(w.y, n*w.classes)
		w.probs = resize(w.probs, n*w.classes)
		y = w.y
	}
	clear(y)
	for i, l := range labels {
		y[i*w.classes+int(l)] = 1
	}
	w.z = resize(w.z, len(f.a))
	for p := k; p < len(g.Loss); p += stride {
		if err := ctx.Err(); err != nil {
			return err
		}
		alpha, beta := float32(g.Alphas[p%len(g.Alphas)]), float32(g.Betas[p/len(g.Alphas)])
		for i := range w.z {
			v := f.a[i] + alpha*f.b[i]
			if f.c != nil {
				v += beta * f.c[i]
			}
			w.z[i] = v
		}
		var probs []float32
		if w.tail == nil {
			// The network's loss node rounds the mean to float32.
			g.Loss[p] += float64(float32(w.loss.Mean(w.probs, w.z, y, w.classes))) * float64(n)
			probs = w.probs
		} else {
			w.act.Apply(net.X, w.z)
			w.pl.at(w.tail.Params, 2, alpha, beta) // the layers after the first
			if err := net.Run(); err != nil {
				return err
			}
			g.Loss[p] += net.Loss() * float64(n)
			probs = net.Probs()
		}
		for i, l := range labels {
			if nn.Argmax(probs[i*w.classes:(i+1)*w.classes]) == int(l) {
				correct[p]++
			}
		}
		report()
	}
	return nil
}

// at writes the parameters from, from+1, … of the plane's point (α, β),
// Centre + α·D1 + β·D2 summed in that order, into dst's.
func (pl Plane) at(dst []nn.Param, from int, alpha, beta float32) {
	for i, p := range dst {
		j := from + i
		c, d1 := pl.Centre.Params[j].Data, pl.D1[j]
		if pl.D2 == nil {
			for k := range p.Data {
				p.Data[k] = c[k] + alpha*d1[k]
			}
			continue
		}
		d2 := pl.D2[j]
		for k := range p.Data {
			p.Data[k] = c[k] + alpha*d1[k] + beta*d2[k]
		}
	}
}

// reporter returns the function the workers call after each of total
// steps: it tells progress, when not nil, about every 200th of the total
// and the last, one call at a time.
func reporter(total int, progress Progress) func() {
	var mu sync.Mutex // guards done and the calls to progress
	done := 0
	return func() {
		if progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		done++
		if done%max(1, total/200) == 0 || done == total {
			progress(done, total)
		}
	}
}

// firstError returns the first of the workers' errors.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func resize(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
