package landscape

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/neuralworkbench/workbench/training/nn"
)

// evaluateLayers adds, for every point of g, the summed loss over the set
// to g.Loss and the correct predictions to correct, for a network of
// layers: each worker owns a copy of the centre model, moves its weights
// to a point and runs the engine's evaluation-mode networks over the set's
// batches, in the set's order, so that a point's loss is summed exactly as
// the training engine's evaluation sums it. Workers take the next point
// to do from a shared counter.
func evaluateLayers(ctx context.Context, pl Plane, loss nn.Loss, set *Set, g *Grid, correct []int, progress Progress) error {
	stats := pl.Stats
	if stats == nil {
		stats = pl.Centre
	}
	points := len(g.Loss)
	chunks := set.chunks()
	total := points * len(chunks)
	report := reporter(total, progress)
	var next atomic.Int64
	workers := min(runtime.GOMAXPROCS(0), points)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &layerWorker{pl: pl, model: pl.Centre.Clone()}
			for i := range w.model.Buffers {
				copy(w.model.Buffers[i].Data, stats.Buffers[i].Data)
			}
			w.nets = nn.Nets{Model: w.model, Mode: nn.Evaluate, Loss: loss}
			defer w.nets.Close()
			for {
				p := int(next.Add(1) - 1)
				if p >= points {
					return
				}
				l, c, err := w.point(ctx, set, chunks, float32(g.Alphas[p%len(g.Alphas)]), float32(g.Betas[p/len(g.Alphas)]), report)
				if err != nil {
					errs[k] = err
					next.Store(int64(points)) // the others stop after their point
					return
				}
				g.Loss[p], correct[p] = l, c
			}
		}()
	}
	wg.Wait()
	return firstError(errs)
}

// layerWorker evaluates grid points of a network of layers on its own copy
// of the model.
type layerWorker struct {
	pl    Plane
	model *nn.Model
	nets  nn.Nets
}

// point returns the summed loss and the number of correct predictions over
// the set at (α, β).
func (w *layerWorker) point(ctx context.Context, set *Set, chunks [][2]int, alpha, beta float32, report func()) (float64, int, error) {
	w.pl.at(w.model.Params, 0, alpha, beta)
	classes := w.model.Spec.Classes
	var sum float64
	correct := 0
	for _, c := range chunks {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		n := c[1] - c[0]
		net, err := w.nets.Get(n)
		if err != nil {
			return 0, 0, err
		}
		copy(net.X, set.X[c[0]*set.Inputs:c[1]*set.Inputs])
		clear(net.Y)
		labels := set.Labels[c[0]:c[1]]
		for i, l := range labels {
			net.Y[i*classes+int(l)] = 1
		}
		if err := net.Run(); err != nil {
			return 0, 0, err
		}
		sum += net.Loss() * float64(n)
		probs := net.Probs()
		for i, l := range labels {
			if nn.Argmax(probs[i*classes:(i+1)*classes]) == int(l) {
				correct++
			}
		}
		report()
	}
	return sum, correct, nil
}
