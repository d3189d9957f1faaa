package nn

import (
	"fmt"
	"math"
	"strings"
)

// Activation names a hidden layer's non-linearity. The functions and their
// derivatives match PyTorch's defaults (nn.ReLU, nn.LeakyReLU(0.01),
// nn.ELU(1.0), nn.GELU() with the exact erf form, nn.Tanh, nn.Sigmoid,
// nn.Identity) so that an exported model computes the same numbers.
type Activation string

// The activations a hidden layer may use.
const (
	ReLU      Activation = "relu"
	LeakyReLU Activation = "leaky_relu"
	ELU       Activation = "elu"
	GELU      Activation = "gelu"
	Tanh      Activation = "tanh"
	Sigmoid   Activation = "sigmoid"
	Linear    Activation = "linear"
)

// Activations lists every activation in the order the UI offers them.
var Activations = []Activation{ReLU, LeakyReLU, ELU, GELU, Tanh, Sigmoid, Linear}

// leakySlope is LeakyReLU's slope for negative inputs (PyTorch's default).
const leakySlope = 0.01

// ParseActivation returns the activation called name (case-insensitive;
// "leaky-relu", "identity" and "none" are accepted as aliases).
func ParseActivation(name string) (Activation, error) {
	s := strings.ToLower(strings.TrimSpace(name))
	s = strings.ReplaceAll(s, "-", "_")
	switch s {
	case "identity", "none":
		s = string(Linear)
	case "leakyrelu":
		s = string(LeakyReLU)
	}
	for _, a := range Activations {
		if string(a) == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("unknown activation %q (allowed: %s)", name, activationList())
}

func activationList() string {
	names := make([]string, len(Activations))
	for i, a := range Activations {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

// Apply writes act(z) into h, as the network's hidden layers compute it.
func (a Activation) Apply(h, z []float32) { a.forward(h, z) }

// forward writes act(z) into h.
func (a Activation) forward(h, z []float32) {
	switch a {
	case ReLU:
		h = h[:len(z)]
		if reluVector && len(z) > 0 {
			reluFwdVec(&h[0], &z[0], len(z))
			return
		}
		for i, v := range z {
			h[i] = max(v, 0)
		}
	case LeakyReLU:
		for i, v := range z {
			if v > 0 {
				h[i] = v
			} else {
				h[i] = leakySlope * v
			}
		}
	case ELU:
		for i, v := range z {
			if v > 0 {
				h[i] = v
			} else {
				h[i] = float32(math.Expm1(float64(v)))
			}
		}
	case GELU:
		for i, v := range z {
			x := float64(v)
			h[i] = float32(0.5 * x * (1 + math.Erf(x/math.Sqrt2)))
		}
	case Tanh:
		for i, v := range z {
			h[i] = float32(math.Tanh(float64(v)))
		}
	case Sigmoid:
		for i, v := range z {
			h[i] = float32(sigmoid(float64(v)))
		}
	default:
		copy(h, z)
	}
}

// backward writes dz = act'(z) ⊙ dh, given z, h = act(z) and dh.
func (a Activation) backward(dz, z, h, dh []float32) {
	switch a {
	case ReLU:
		// dh where z > 0 and +0 elsewhere, PyTorch's threshold_backward:
		// an infinite or NaN dh where the unit is off gives 0, not NaN.
		// Select with a bit mask, not a branch: z's signs are random, a
		// mispredicted branch per element cost more than the arithmetic,
		// and Go does not turn float comparisons into conditional moves.
		dh = dh[:len(z)]
		dz = dz[:len(z)]
		if reluVector && len(z) > 0 {
			reluBwdVec(&dz[0], &z[0], &dh[0], len(z))
			return
		}
		for i, v := range z {
			dz[i] = math.Float32frombits(math.Float32bits(dh[i]) & reluOn(v))
		}
	case LeakyReLU:
		dh = dh[:len(z)]
		dz = dz[:len(z)]
		one, neg := math.Float32bits(1), math.Float32bits(leakySlope)
		for i, v := range z {
			mask := reluOn(v)
			dz[i] = math.Float32frombits(one&mask|neg&^mask) * dh[i]
		}
	case ELU:
		for i, v := range z {
			if v > 0 {
				dz[i] = dh[i]
			} else {
				dz[i] = (h[i] + 1) * dh[i]
			}
		}
	case GELU:
		const invSqrt2Pi = 0.3989422804014327
		for i, v := range z {
			x := float64(v)
			cdf := 0.5 * (1 + math.Erf(x/math.Sqrt2))
			pdf := invSqrt2Pi * math.Exp(-0.5*x*x)
			dz[i] = float32((cdf + x*pdf) * float64(dh[i]))
		}
	case Tanh:
		for i, t := range h {
			dz[i] = (1 - t*t) * dh[i]
		}
	case Sigmoid:
		for i, s := range h {
			dz[i] = s * (1 - s) * dh[i]
		}
	default:
		copy(dz, dh)
	}
}

// reluOn returns all ones when v > 0 and zero for ±0 and negatives: a
// positive float's bits are a positive int32. A NaN counts as its sign
// bit says.
func reluOn(v float32) uint32 { return uint32(-int64(int32(math.Float32bits(v))) >> 63) }

// Slopes writes the first and second derivatives of the activation at
// each z into d1 and d2, as PyTorch's autograd takes them: at a kink (ReLU
// and leaky ReLU at 0, ELU's second derivative at 0) the left-hand value,
// matching the network's backward pass, and 0 for the second derivative of
// the piecewise-linear ones. The loss Hessian's products need them.
func (a Activation) Slopes(d1, d2, z []float32) {
	d1, d2 = d1[:len(z)], d2[:len(z)]
	for i, v := range z {
		x := float64(v)
		var f1, f2 float64
		switch a {
		case ReLU, LeakyReLU:
			f1 = 1
			if v <= 0 {
				f1 = 0
				if a == LeakyReLU {
					f1 = leakySlope
				}
			}
		case ELU:
			f1 = 1
			if v <= 0 {
				f1 = math.Exp(x)
				f2 = f1
			}
		case GELU:
			const invSqrt2Pi = 0.3989422804014327
			pdf := invSqrt2Pi * math.Exp(-0.5*x*x)
			f1 = 0.5*(1+math.Erf(x/math.Sqrt2)) + x*pdf
			f2 = pdf * (2 - x*x)
		case Tanh:
			t := math.Tanh(x)
			f1 = 1 - t*t
			f2 = -2 * t * f1
		case Sigmoid:
			s := sigmoid(x)
			f1 = s * (1 - s)
			f2 = f1 * (1 - 2*s)
		default:
			f1 = 1
		}
		d1[i], d2[i] = float32(f1), float32(f2)
	}
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// initBound is the half-width of the uniform distribution a layer's
// weights are drawn from: He (Kaiming) uniform with PyTorch's gain for the
// ReLU family, Glorot (Xavier) uniform for tanh, sigmoid, linear and the
// softmax output.
func (a Activation) initBound(fanIn, fanOut int) float64 {
	switch a {
	case ReLU, ELU, GELU:
		return math.Sqrt(2) * math.Sqrt(3/float64(fanIn))
	case LeakyReLU:
		gain := math.Sqrt(2 / (1 + leakySlope*leakySlope))
		return gain * math.Sqrt(3/float64(fanIn))
	default:
		return math.Sqrt(6 / float64(fanIn+fanOut))
	}
}
