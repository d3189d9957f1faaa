package training

import (
	"context"
	"math/rand/v2"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc"
)

// batch is one training batch, normalised and ready to copy into a
// network's input.
type batch struct {
	epoch, index int
	n            int       // samples in the batch
	x            []float32 // n×784 normalised pixels
	y            []float32 // n×classes one-hot targets
	labels       []int32
}

// prefetcher assembles training batches on its own goroutine (augmenting
// them when configured) while the trainer's goroutine runs the network, so
// that on two cores data preparation costs the training loop nothing.
// Batch contents depend only on the seed, the epoch and the batch index,
// never on timing, so runs are reproducible.
type prefetcher struct {
	ready chan *batch
	free  chan *batch
	done  chan struct{} // closed when the goroutine has ended
}

// prefetchDepth is how many batches may be prepared ahead.
const prefetchDepth = 3

func startPrefetch(ctx context.Context, cfg Config, train *dataset.Split, stats imageproc.Stats, classes int) *prefetcher {
	p := &prefetcher{ready: make(chan *batch, prefetchDepth), free: make(chan *batch, prefetchDepth), done: make(chan struct{})}
	for range prefetchDepth {
		p.free <- &batch{
			x:      make([]float32, cfg.Batch*imageproc.Pixels),
			y:      make([]float32, cfg.Batch*classes),
			labels: make([]int32, cfg.Batch),
		}
	}
	go p.run(ctx, cfg, train, stats, classes)
	return p
}

// run produces every batch of every epoch in order, then closes ready. It
// stops early when ctx is cancelled. It closes done as it returns.
func (p *prefetcher) run(ctx context.Context, cfg Config, train *dataset.Split, stats imageproc.Stats, classes int) {
	defer close(p.done)
	defer close(p.ready)
	n := train.Len()
	augment := cfg.Augment.Enabled()
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		perm := epochOrder(cfg.Seed, epoch, n)
		for index, start := 0, 0; start < n; index, start = index+1, start+cfg.Batch {
			var b *batch
			select {
			case b = <-p.free:
			case <-ctx.Done():
				return
			}
			b.epoch, b.index, b.n = epoch, index, min(cfg.Batch, n-start)
			var rng *rand.Rand
			if augment {
				rng = rand.New(rand.NewPCG(cfg.Seed^0x617567, uint64(epoch)<<32|uint64(index))) // "aug"
			}
			y := b.y[:b.n*classes]
			clear(y)
			for i := 0; i < b.n; i++ {
				s := perm[start+i]
				x := b.x[i*imageproc.Pixels : (i+1)*imageproc.Pixels]
				if augment {
					cfg.Augment.Apply(x, train.Image(s), rng)
					stats.NormalizeFloat(x)
				} else {
					stats.Normalize(x, train.Image(s))
				}
				label := train.Labels[s]
				b.labels[i] = label
				y[i*classes+int(label)] = 1
			}
			select {
			case p.ready <- b:
			case <-ctx.Done():
				return
			}
		}
	}
}

// epochOrder is the shuffled order of n samples in an epoch.
func epochOrder(seed uint64, epoch, n int) []int {
	rng := rand.New(rand.NewPCG(seed, 0x73687566<<32|uint64(epoch))) // "shuf"
	return rng.Perm(n)
}
