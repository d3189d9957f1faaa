package landscape

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc"
)

// Set is an evaluation set: inputs normalised as the network sees them,
// and their labels.
type Set struct {
	// X holds Len() rows of Inputs values.
	X      []float32
	Labels []int32
	Inputs int
}

// Len is the number of samples.
func (s *Set) Len() int { return len(s.Labels) }

// DefaultSamples is the evaluation set's default size: enough for a loss
// to within about a percent, few enough for a 41×41 slice in seconds.
const DefaultSamples = 1000

// NewSet takes n samples of split, chosen with seed, normalised with
// stats; n ≤ 0 or n ≥ split.Len() takes every sample in the split's order,
// so that the set's loss is the loss the training run reported on it. The
// chosen samples keep the split's order.
func NewSet(split *dataset.Split, stats imageproc.Stats, n int, seed uint64) (*Set, error) {
	total := split.Len()
	if total == 0 {
		return nil, fmt.Errorf("the evaluation set is empty")
	}
	idx := make([]int, total)
	for i := range idx {
		idx[i] = i
	}
	if n > 0 && n < total {
		rng := rand.New(rand.NewPCG(seed, 0x6c616e64)) // "land"
		idx = rng.Perm(total)[:n]
		slices.Sort(idx)
	}
	s := &Set{X: make([]float32, len(idx)*imageproc.Pixels), Labels: make([]int32, len(idx)), Inputs: imageproc.Pixels}
	for j, i := range idx {
		stats.Normalize(s.X[j*imageproc.Pixels:(j+1)*imageproc.Pixels], split.Image(i))
		s.Labels[j] = split.Labels[i]
	}
	return s, nil
}

// chunk is the number of samples the networks evaluate at once: the
// training engine's evaluation batch, so that a slice's centre reproduces
// the engine's evaluated loss to the last bit.
const chunk = 256

// chunks returns the [start, end) bounds of the set's evaluation batches.
func (s *Set) chunks() [][2]int {
	var out [][2]int
	for start := 0; start < s.Len(); start += chunk {
		out = append(out, [2]int{start, min(start+chunk, s.Len())})
	}
	return out
}
