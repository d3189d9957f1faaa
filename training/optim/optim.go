// Package optim implements the optimizers Neural Workbench trains with,
// following the update equations in PyTorch's torch.optim documentation
// (version 1.13 and later) so that hyperparameters carry over: the same
// learning rate, momentum and weight decay give the same trajectory.
//
// They update raw float32 slices in place. Gorgonia v0.9.18's solvers are
// not used because several are wrong (AdaGrad ignores its options, AdamW
// never updates, Momentum applies L2 to the velocity, RMSProp defaults to
// rho 0.999) and because a fused loop over the slices is faster.
package optim

import (
	"fmt"
	"math"
	"strings"
)

// Kind names an optimizer.
type Kind string

// The optimizers.
const (
	SGD      Kind = "sgd"      // plain stochastic gradient descent
	Momentum Kind = "momentum" // SGD with heavy-ball momentum
	Nesterov Kind = "nesterov" // SGD with Nesterov momentum
	Adam     Kind = "adam"     // Adam with L2 weight decay
	AdamW    Kind = "adamw"    // Adam with decoupled weight decay
	RMSprop  Kind = "rmsprop"  // RMSprop, alpha 0.99, no momentum
	Adagrad  Kind = "adagrad"  // Adagrad, no learning-rate decay
)

// Kinds lists every optimizer in the order the UI offers them.
var Kinds = []Kind{SGD, Momentum, Nesterov, Adam, AdamW, RMSprop, Adagrad}

// ParseKind returns the optimizer called name (case-insensitive).
func ParseKind(name string) (Kind, error) {
	s := strings.ToLower(strings.TrimSpace(name))
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown optimizer %q (allowed: %s)", name, strings.Join(names, ", "))
}

// UsesMomentum reports whether the Momentum setting affects the optimizer.
func (k Kind) UsesMomentum() bool { return k == Momentum || k == Nesterov }

// Constants PyTorch uses by default.
const (
	adamBeta1    = 0.9
	adamBeta2    = 0.999
	adamEps      = 1e-8
	rmspropAlpha = 0.99
	rmspropEps   = 1e-8
	adagradEps   = 1e-10
)

// Config holds an optimizer's hyperparameters.
type Config struct {
	Kind         Kind
	LearningRate float64
	// Momentum is μ for the momentum and nesterov optimizers (PyTorch's
	// momentum argument, dampening 0); the others ignore it.
	Momentum float64
	// WeightDecay is λ: an L2 penalty added to the gradient (λ·θ) for every
	// optimizer but adamw, whose decay is decoupled (θ ← θ − lr·λ·θ).
	WeightDecay float64
}

// Validate reports the first impossible hyperparameter.
func (c Config) Validate() error {
	if _, err := ParseKind(string(c.Kind)); err != nil {
		return err
	}
	switch {
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("learning rate must be > 0 (got %g)", c.LearningRate)
	case c.LearningRate > 100:
		return fmt.Errorf("learning rate must be ≤ 100 (got %g)", c.LearningRate)
	case c.Kind.UsesMomentum() && !(c.Momentum >= 0 && c.Momentum < 1):
		return fmt.Errorf("momentum must be in [0, 1) (got %g)", c.Momentum)
	case !(c.WeightDecay >= 0 && c.WeightDecay < 1):
		return fmt.Errorf("weight decay must be in [0, 1) (got %g)", c.WeightDecay)
	}
	return nil
}

// Optimizer updates a fixed set of parameter tensors from their gradients.
type Optimizer struct {
	cfg   Config
	sizes []int
	step  int
	// state holds per-element buffers: the momentum buffer or Adam's first
	// moment in state[0], the squared-gradient average or sum in state[1].
	state [2][][]float32
	pool  *pool
	// beta1 is Adam's β₁ (PyTorch's betas[0]), which a one-cycle schedule
	// cycles as it cycles SGD's momentum.
	beta1 float64
}

// New returns an optimizer for tensors of the given sizes. It splits large
// updates across workers goroutines (1 keeps everything on the caller's).
// Close it to stop the workers.
func New(cfg Config, sizes []int, workers int) (*Optimizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := &Optimizer{cfg: cfg, sizes: append([]int(nil), sizes...), beta1: adamBeta1}
	buffers := 0
	switch cfg.Kind {
	case Momentum, Nesterov, RMSprop, Adagrad:
		buffers = 1
	case Adam, AdamW:
		buffers = 2
	}
	for b := 0; b < buffers; b++ {
		o.state[b] = make([][]float32, len(sizes))
		for i, n := range sizes {
			o.state[b][i] = make([]float32, n)
		}
	}
	if workers > 1 {
		o.pool = newPool(workers - 1)
	}
	return o, nil
}

// Config returns the hyperparameters.
func (o *Optimizer) Config() Config { return o.cfg }

// SetLearningRate changes the learning rate from the next Step on,
// keeping the optimizer's state (momentum buffers, Adam's moments and
// step count), as setting param_group["lr"] does in PyTorch: a schedule
// such as the learning-rate range test changes it between steps. The rate
// is checked as New checks it.
func (o *Optimizer) SetLearningRate(lr float64) error {
	c := o.cfg
	c.LearningRate = lr
	if err := c.Validate(); err != nil {
		return err
	}
	o.cfg = c
	return nil
}

// SetMomentum changes the momentum from the next Step on, keeping the
// optimizer's state, as setting param_group["momentum"] does in PyTorch
// (or, for adam and adamw, param_group["betas"][0], β₁, which is what
// OneCycleLR cycles for them). It must be in [0, 1); the optimizers
// without a momentum (sgd, rmsprop, adagrad) refuse it.
func (o *Optimizer) SetMomentum(mu float64) error {
	if !(mu >= 0 && mu < 1) {
		return fmt.Errorf("momentum must be in [0, 1) (got %g)", mu)
	}
	switch o.cfg.Kind {
	case Momentum, Nesterov:
		o.cfg.Momentum = mu
	case Adam, AdamW:
		o.beta1 = mu
	default:
		return fmt.Errorf("the %s optimizer has no momentum (momentum, nesterov, adam and adamw have)", o.cfg.Kind)
	}
	return nil
}

// MomentumInForce is the momentum the next Step uses: μ for momentum and
// nesterov, β₁ for adam and adamw, 0 for the others.
func (o *Optimizer) MomentumInForce() float64 {
	switch o.cfg.Kind {
	case Momentum, Nesterov:
		return o.cfg.Momentum
	case Adam, AdamW:
		return o.beta1
	}
	return 0
}

// SetWeightDecay changes the weight decay from the next Step on, keeping
// the optimizer's state, as setting param_group["weight_decay"] does in
// PyTorch. It must be in [0, 1).
func (o *Optimizer) SetWeightDecay(wd float64) error {
	c := o.cfg
	c.WeightDecay = wd
	if err := c.Validate(); err != nil {
		return err
	}
	o.cfg = c
	return nil
}

// Steps is the number of updates made so far.
func (o *Optimizer) Steps() int { return o.step }

// Close stops the worker goroutines.
func (o *Optimizer) Close() {
	if o.pool != nil {
		o.pool.close()
		o.pool = nil
	}
}

// Step applies one update to params given grads (aligned with the sizes
// New was given). When backup is not nil, each parameter's value before the
// update is copied into it, so that a step that turns out to diverge can be
// undone.
func (o *Optimizer) Step(params, grads, backup [][]float32) error {
	if len(params) != len(o.sizes) || len(grads) != len(o.sizes) {
		return fmt.Errorf("optimizer built for %d tensors, got %d parameters and %d gradients", len(o.sizes), len(params), len(grads))
	}
	for i, n := range o.sizes {
		if len(params[i]) != n || len(grads[i]) != n || (backup != nil && len(backup[i]) != n) {
			return fmt.Errorf("tensor %d: optimizer built for %d values, got %d", i, n, len(params[i]))
		}
	}
	o.step++
	k := o.kernel()
	for i := range params {
		var bk []float32
		if backup != nil {
			bk = backup[i]
		}
		var s0, s1 []float32
		if o.state[0] != nil {
			s0 = o.state[0][i]
		}
		if o.state[1] != nil {
			s1 = o.state[1][i]
		}
		run := func(lo, hi int) {
			if bk != nil {
				copy(bk[lo:hi], params[i][lo:hi])
			}
			k(params[i][lo:hi], grads[i][lo:hi], sub(s0, lo, hi), sub(s1, lo, hi))
		}
		if o.pool != nil {
			o.pool.split(len(params[i]), run)
		} else {
			run(0, len(params[i]))
		}
	}
	return nil
}

func sub(s []float32, lo, hi int) []float32 {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

// kernel returns the element-wise update for the current step. Each
// kernel reads and writes every slice once; scalars are hoisted.
func (o *Optimizer) kernel() func(p, g, s0, s1 []float32) {
	c := o.cfg
	lr := float32(c.LearningRate)
	wd := float32(c.WeightDecay)
	mu := float32(c.Momentum)
	first := o.step == 1
	switch c.Kind {
	case SGD:
		return func(p, g, _, _ []float32) {
			g = g[:len(p)]
			for j := range p {
				p[j] -= lr * (g[j] + wd*p[j])
			}
		}
	case Momentum, Nesterov:
		nesterov := c.Kind == Nesterov
		return func(p, g, buf, _ []float32) {
			g, buf = g[:len(p)], buf[:len(p)]
			for j := range p {
				d := g[j] + wd*p[j]
				// PyTorch starts the buffer at the first gradient.
				b := d
				if !first {
					b = mu*buf[j] + d
				}
				buf[j] = b
				if nesterov {
					d += mu * b
				} else {
					d = b
				}
				p[j] -= lr * d
			}
		}
	case Adam, AdamW:
		t := float64(o.step)
		k := &adamConsts{
			decay: 1, l2: wd,
			beta1: float32(o.beta1), oneMinusBeta1: float32(1 - o.beta1),
			beta2: adamBeta2, oneMinusBeta2: 1 - adamBeta2,
			invBC2: float32(1 / math.Sqrt(1-math.Pow(adamBeta2, t))),
			eps:    adamEps,
			// PyTorch corrects the bias with the β₁ in force now, even
			// when a schedule has changed it along the way.
			step: float32(c.LearningRate / (1 - math.Pow(o.beta1, t))),
		}
		if c.Kind == AdamW {
			k.decay, k.l2 = float32(1-c.LearningRate*c.WeightDecay), 0
		}
		return func(p, g, m, v []float32) {
			done, n := adamVector(p, g, m, v, k), len(p)
			p, g, m, v = p[done:], g[done:n], m[done:n], v[done:n]
			for j := range p {
				pj := p[j] * k.decay
				d := g[j] + k.l2*pj
				mj := k.beta1*m[j] + k.oneMinusBeta1*d
				vj := k.beta2*v[j] + k.oneMinusBeta2*d*d
				m[j], v[j] = mj, vj
				denom := float32(math.Sqrt(float64(vj)))*k.invBC2 + k.eps
				p[j] = pj - k.step*mj/denom
			}
		}
	case RMSprop:
		return func(p, g, v, _ []float32) {
			g, v = g[:len(p)], v[:len(p)]
			for j := range p {
				d := g[j] + wd*p[j]
				vj := rmspropAlpha*v[j] + (1-rmspropAlpha)*d*d
				v[j] = vj
				p[j] -= lr * d / (float32(math.Sqrt(float64(vj))) + rmspropEps)
			}
		}
	default: // Adagrad
		return func(p, g, s, _ []float32) {
			g, s = g[:len(p)], s[:len(p)]
			for j := range p {
				d := g[j] + wd*p[j]
				sj := s[j] + d*d
				s[j] = sj
				p[j] -= lr * d / (float32(math.Sqrt(float64(sj))) + adagradEps)
			}
		}
	}
}
