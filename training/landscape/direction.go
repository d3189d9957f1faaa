package landscape

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neuralworkbench/workbench/training/nn"
)

// Direction is a displacement of a model's weights: one slice per
// parameter of the model, of the same length, in nn.Model's order.
type Direction [][]float32

// Random returns a random Gaussian direction, filter-normalised as Li et
// al. (2018) do for the loss-landscape plots: each filter of a weight's
// direction is rescaled to the norm of the same filter of m's weights, so
// that a step of 1 moves every filter by as much as its own weights. A
// dense layer's filter is one row of its weight matrix (the weights into
// one unit); a convolution's is one output channel, all its in × kh × kw
// weights. The directions of every one-dimensional parameter are zero:
// biases, and batch normalisation's scale and shift, which Li et al.
// leave out as well. Without the rescaling, a direction's effect depends
// on each layer's scale, and slices of different networks cannot be
// compared. The same model and seed give the same direction.
func Random(m *nn.Model, seed uint64) Direction { return random(m, seed, 1) }

// Pair returns the two directions of a 2-D slice: Random's, and a second
// one drawn from another stream of the same seed. Two models of one
// architecture get the same Gaussian draws, each rescaled to its own
// weights, so that their slices compare.
func Pair(m *nn.Model, seed uint64) (d1, d2 Direction) { return random(m, seed, 1), random(m, seed, 2) }

func random(m *nn.Model, seed, stream uint64) Direction {
	rng := rand.New(rand.NewPCG(seed, 0x646972<<8|stream)) // "dir", stream
	d := make(Direction, len(m.Params))
	for i, p := range m.Params {
		d[i] = make([]float32, len(p.Data))
		if len(p.Shape) < 2 {
			continue // a bias or batch normalisation's scale or shift: zero
		}
		in := len(p.Data) / p.Shape[0] // a filter's weights
		for r := 0; r < p.Shape[0]; r++ {
			row, w := d[i][r*in:(r+1)*in], p.Data[r*in:(r+1)*in]
			var dn, wn float64
			g := make([]float64, in)
			for j := range g {
				g[j] = rng.NormFloat64()
				dn += g[j] * g[j]
				wn += float64(w[j]) * float64(w[j])
			}
			scale := math.Sqrt(wn) / math.Sqrt(dn)
			for j := range row {
				row[j] = float32(g[j] * scale)
			}
		}
	}
	return d
}

// Between returns the direction from one model's weights to another's,
// biases included: to − from. The models must share an architecture.
func Between(from, to *nn.Model) (Direction, error) {
	if err := sameShapes(from, to); err != nil {
		return nil, err
	}
	d := make(Direction, len(from.Params))
	for i := range from.Params {
		a, b := from.Params[i].Data, to.Params[i].Data
		d[i] = make([]float32, len(a))
		for j := range a {
			d[i][j] = b[j] - a[j]
		}
	}
	return d, nil
}

// sameShapes checks that two models have the same parameters.
func sameShapes(a, b *nn.Model) error { return sameTensors("tensors", a.Params, b.Params) }

// sameBuffers checks that two models have the same buffers (batch
// normalisation's running statistics).
func sameBuffers(a, b *nn.Model) error { return sameTensors("buffers", a.Buffers, b.Buffers) }

// sameTensors checks that two models' lists of tensors (what they are)
// have the same names and sizes.
func sameTensors(what string, a, b []nn.Param) error {
	if len(a) != len(b) {
		return fmt.Errorf("the models have %d and %d %s; they must share an architecture", len(a), len(b), what)
	}
	for i, p := range a {
		if q := b[i]; p.Name != q.Name || len(p.Data) != len(q.Data) {
			return fmt.Errorf("tensor %d is %s of %d values in one model and %s of %d in the other", i, p.Name, len(p.Data), q.Name, len(q.Data))
		}
	}
	return nil
}

// fits checks that d is a direction of m's weights.
func (d Direction) fits(m *nn.Model) error {
	if len(d) != len(m.Params) {
		return fmt.Errorf("direction has %d tensors, the model %d", len(d), len(m.Params))
	}
	for i, p := range m.Params {
		if len(d[i]) != len(p.Data) {
			return fmt.Errorf("direction for %s has %d values, want %d", p.Name, len(d[i]), len(p.Data))
		}
	}
	return nil
}
