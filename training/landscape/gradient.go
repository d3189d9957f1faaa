package landscape

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/openblas"
)

// gradient computes the gradient of the mean loss over a set with respect
// to every weight and bias, on a private copy of a model's weights that
// it may move (for finite differences). The batches of the set are shared
// out among one worker per CPU, each with its own networks; the workers
// only read the weights.
type gradient struct {
	model  *nn.Model
	loss   nn.Loss
	set    *Set
	chunks [][2]int
	size   int // the number of parameters
	nets   []map[int]*nn.Net
	sums   [][]float64 // each worker's Σ batch size × batch gradient
}

func newGradient(m *nn.Model, loss nn.Loss, set *Set) (*gradient, error) {
	if set == nil || set.Len() == 0 {
		return nil, errors.New("the evaluation set is empty")
	}
	if set.Inputs != m.Spec.Inputs {
		return nil, errors.New("the set's samples do not fit the network's inputs")
	}
	openblas.Load()
	g := &gradient{model: m.Clone(), loss: loss, set: set, chunks: set.chunks()}
	for _, p := range g.model.Params {
		g.size += len(p.Data)
	}
	workers := min(runtime.GOMAXPROCS(0), len(g.chunks))
	g.nets = make([]map[int]*nn.Net, workers)
	g.sums = make([][]float64, workers)
	for i := range workers {
		g.nets[i] = map[int]*nn.Net{}
		g.sums[i] = make([]float64, g.size)
	}
	return g, nil
}

func (g *gradient) close() {
	for _, nets := range g.nets {
		for _, n := range nets {
			n.Close()
		}
	}
}

// params returns the weights as one flat vector.
func (g *gradient) params() []float32 {
	flat := make([]float32, 0, g.size)
	for _, p := range g.model.Params {
		flat = append(flat, p.Data...)
	}
	return flat
}

// setParams writes base + eps·v into the weights.
func (g *gradient) setParams(base []float32, eps float64, v []float64) {
	i := 0
	for _, p := range g.model.Params {
		for j := range p.Data {
			if v == nil {
				p.Data[j] = base[i]
			} else {
				p.Data[j] = float32(float64(base[i]) + eps*v[i])
			}
			i++
		}
	}
}

// compute writes the gradient at the current weights into out and returns
// the mean loss.
func (g *gradient) compute(ctx context.Context, out []float64) (float64, error) {
	workers := len(g.nets)
	losses := make([]float64, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			losses[k], errs[k] = g.work(ctx, k, workers)
		}()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return 0, err
	}
	n := float64(g.set.Len())
	clear(out)
	var loss float64
	for k := range workers {
		loss += losses[k]
		for i, v := range g.sums[k] {
			out[i] += v
		}
	}
	for i := range out {
		out[i] /= n
	}
	return loss / n, nil
}

// work runs worker k's share of the batches, k, k+stride, …, leaving its
// summed gradient in g.sums[k], and returns its summed loss.
func (g *gradient) work(ctx context.Context, k, stride int) (float64, error) {
	sum := g.sums[k]
	clear(sum)
	var loss float64
	classes := g.model.Spec.Classes
	inputs := g.set.Inputs
	for c := k; c < len(g.chunks); c += stride {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		start, end := g.chunks[c][0], g.chunks[c][1]
		n := end - start
		net, ok := g.nets[k][n]
		if !ok {
			var err error
			if net, err = g.model.Compile(nn.Train, n, g.loss); err != nil {
				return 0, err
			}
			g.nets[k][n] = net
		}
		copy(net.X, g.set.X[start*inputs:end*inputs])
		clear(net.Y)
		for i, l := range g.set.Labels[start:end] {
			net.Y[i*classes+int(l)] = 1
		}
		if err := net.Run(); err != nil {
			return 0, err
		}
		loss += net.Loss() * float64(n)
		i := 0
		for _, grad := range net.Grads() {
			for _, v := range grad {
				sum[i] += float64(v) * float64(n)
				i++
			}
		}
	}
	return loss, nil
}
