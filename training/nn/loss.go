package nn

import (
	"fmt"
	"math"
	"strings"
)

// Loss names the training objective on the softmax output.
type Loss string

const (
	// CrossEntropy is the mean negative log-likelihood of the target class,
	// PyTorch's nn.CrossEntropyLoss() on the logits.
	CrossEntropy Loss = "ce"
	// MSE is the mean squared error between the softmax probabilities and
	// the one-hot targets, PyTorch's nn.MSELoss() (mean over all N·C
	// entries) on softmax(logits), as the seed's question 1 compares them.
	MSE Loss = "mse"
)

// ParseLoss accepts "ce", "cross-entropy", "crossentropy" and "mse".
func ParseLoss(name string) (Loss, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "ce", "cross-entropy", "cross_entropy", "crossentropy", "xent":
		return CrossEntropy, nil
	case "mse", "l2":
		return MSE, nil
	}
	return "", fmt.Errorf("unknown loss %q (allowed: ce, mse)", name)
}

// String is the loss's long name.
func (l Loss) String() string {
	if l == MSE {
		return "MSE"
	}
	return "cross-entropy"
}

// Softmax writes the row-wise softmax of z (rows of width c) into p.
func Softmax(p, z []float32, c int) {
	for r := 0; r+c <= len(z); r += c {
		softmaxRow(p[r:r+c], z[r:r+c])
	}
}

// softmaxRow computes one row in float64 after subtracting the maximum, so
// that large logits neither overflow nor lose the small probabilities. It
// returns log Σ exp(z), the log-partition that cross-entropy needs.
func softmaxRow(p, z []float32) (logSumExp float64) {
	m := float64(z[0])
	for _, v := range z[1:] {
		m = max(m, float64(v))
	}
	var sum float64
	for i, v := range z {
		e := math.Exp(float64(v) - m)
		p[i] = float32(e)
		sum += e
	}
	inv := 1 / sum
	for i := range p {
		p[i] = float32(float64(p[i]) * inv)
	}
	return m + math.Log(sum)
}

// Mean returns the mean loss of logits z against one-hot targets y (both
// rows of c values) exactly as the network's loss node computes it, and
// leaves the softmax probabilities in p.
func (l Loss) Mean(p, z, y []float32, c int) float64 { return l.value(p, z, y, c) }

// value computes the mean loss of logits z against targets y (both N×c)
// and leaves the softmax probabilities in p.
func (l Loss) value(p, z, y []float32, c int) float64 {
	n := len(z) / c
	var total float64
	for r := 0; r < len(z); r += c {
		lse := softmaxRow(p[r:r+c], z[r:r+c])
		for k := 0; k < c; k++ {
			t := float64(y[r+k])
			if l == MSE {
				d := float64(p[r+k]) - t
				total += d * d
			} else if t != 0 {
				total += t * (lse - float64(z[r+k]))
			}
		}
	}
	if l == MSE {
		return total / float64(n*c)
	}
	return total / float64(n)
}

// gradient writes dL/dz into dz, scaled by g (the gradient flowing into the
// loss, 1 for a loss that is minimised directly), given the probabilities
// p left by value.
func (l Loss) gradient(dz, p, y []float32, c int, g float32) {
	n := len(p) / c
	if l != MSE {
		s := g / float32(n)
		for i := range p {
			dz[i] = (p[i] - y[i]) * s
		}
		return
	}
	// dL/dp = 2(p-y)/(N·c); through the softmax Jacobian,
	// dz_j = p_j (dL/dp_j - Σ_k p_k dL/dp_k).
	s := 2 * float64(g) / float64(n*c)
	for r := 0; r < len(p); r += c {
		var dot float64
		for k := 0; k < c; k++ {
			dot += float64(p[r+k]) * (float64(p[r+k]) - float64(y[r+k])) * s
		}
		for k := 0; k < c; k++ {
			gp := (float64(p[r+k]) - float64(y[r+k])) * s
			dz[r+k] = float32(float64(p[r+k]) * (gp - dot))
		}
	}
}
