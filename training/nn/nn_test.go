package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// smallNet returns a tiny network with random inputs and labels, for
// checks that touch every parameter.
func smallNet(t *testing.T, hidden []Layer, loss Loss, batch int) (*Model, *Net) {
	t.Helper()
	m, err := New(Spec{Inputs: 6, Hidden: hidden, Classes: 3}, 7)
	if err != nil {
		t.Fatal(err)
	}
	// Non-zero biases, so that their gradients are exercised too.
	rng := rand.New(rand.NewPCG(3, 4))
	for _, p := range m.Params {
		for i := range p.Data {
			p.Data[i] += float32(rng.NormFloat64() * 0.3)
		}
	}
	net, err := m.Compile(Train, batch, loss)
	if err != nil {
		t.Fatal(err)
	}
	for i := range net.X {
		net.X[i] = float32(rng.NormFloat64())
	}
	for r := 0; r < batch; r++ {
		net.Y[r*3+rng.IntN(3)] = 1
	}
	return m, net
}

// TestGradientsMatchFiniteDifferences checks every parameter's gradient
// against a central difference of the loss, for every activation and both
// losses.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, loss := range []Loss{CrossEntropy, MSE} {
		for _, act := range Activations {
			t.Run(fmt.Sprintf("%s/%s", loss, act), func(t *testing.T) {
				hidden := []Layer{{5, act}, {4, act}}
				m, net := smallNet(t, hidden, loss, 4)
				if err := net.Run(); err != nil {
					t.Fatal(err)
				}
				grads := make([][]float32, len(net.Grads()))
				for i, g := range net.Grads() {
					grads[i] = append([]float32(nil), g...)
				}
				lossAt := func() float64 {
					if err := net.Run(); err != nil {
						t.Fatal(err)
					}
					return net.Loss()
				}
				const eps = 1e-2
				for pi, p := range m.Params {
					for j := range p.Data {
						orig := p.Data[j]
						p.Data[j] = orig + eps
						up := lossAt()
						p.Data[j] = orig - eps
						down := lossAt()
						p.Data[j] = orig
						fd := (up - down) / (2 * eps)
						g := float64(grads[pi][j])
						if math.Abs(fd-g) > 2e-4+2e-2*math.Abs(g) {
							t.Errorf("%s[%d]: gradient %.6g, finite difference %.6g", p.Name, j, g, fd)
						}
					}
				}
			})
		}
	}
}

// TestMatchesGorgoniaOperators builds the same network from gorgonia's
// own operators (Mul, BroadcastAdd, Rectify, LogSoftMax, Mean) and checks
// that the fused kernels give the same loss and gradients.
func TestMatchesGorgoniaOperators(t *testing.T) {
	for _, act := range []Activation{ReLU, Tanh, Sigmoid, Linear} {
		t.Run(string(act), func(t *testing.T) {
			hidden := []Layer{{8, act}, {5, act}}
			m, net := smallNet(t, hidden, CrossEntropy, 6)
			if err := net.Run(); err != nil {
				t.Fatal(err)
			}

			g := G.NewGraph()
			x := G.NewMatrix(g, tensor.Float64, G.WithShape(6, 6), G.WithValue(toDense64(net.X, 6, 6)))
			y := G.NewMatrix(g, tensor.Float64, G.WithShape(6, 3), G.WithValue(toDense64(net.Y, 6, 3)))
			var params G.Nodes
			h := x
			for i := 0; i < len(m.Params); i += 2 {
				w, b := m.Params[i], m.Params[i+1]
				// gorgonia's Mul takes (in×out) on the right.
				wn := G.NewMatrix(g, tensor.Float64, G.WithShape(w.Shape[1], w.Shape[0]), G.WithValue(transpose64(w.Data, w.Shape[0], w.Shape[1])))
				bn := G.NewVector(g, tensor.Float64, G.WithShape(b.Shape[0]), G.WithValue(toDense64(b.Data, b.Shape[0])))
				params = append(params, wn, bn)
				h = G.Must(G.BroadcastAdd(G.Must(G.Mul(h, wn)), bn, nil, []byte{0}))
				if i/2 < len(hidden) {
					switch act {
					case ReLU:
						h = G.Must(G.Rectify(h))
					case Tanh:
						h = G.Must(G.Tanh(h))
					case Sigmoid:
						h = G.Must(G.Sigmoid(h))
					}
				}
			}
			logp := G.Must(G.LogSoftMax(h, 1))
			cost := G.Must(G.Neg(G.Must(G.Mean(G.Must(G.Sum(G.Must(G.HadamardProd(y, logp)), 1))))))
			if _, err := G.Grad(cost, params...); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(params...))
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			want := cost.Value().Data().(float64)
			if d := math.Abs(net.Loss() - want); d > 1e-5 {
				t.Errorf("loss = %.7g, gorgonia's operators give %.7g", net.Loss(), want)
			}
			for i, p := range params {
				gv, err := p.Grad()
				if err != nil {
					t.Fatal(err)
				}
				ref := gv.Data().([]float64)
				got := net.Grads()[i]
				mp := m.Params[i]
				for j := range got {
					r := ref[j]
					if len(mp.Shape) == 2 { // ours is (out×in), gorgonia's (in×out)
						out, in := mp.Shape[0], mp.Shape[1]
						r = ref[(j%in)*out+j/in]
					}
					if math.Abs(float64(got[j])-r) > 1e-5+1e-4*math.Abs(r) {
						t.Errorf("%s[%d]: gradient %.7g, gorgonia's operators give %.7g", mp.Name, j, got[j], r)
					}
				}
			}
		})
	}
}

func toDense64(v []float32, shape ...int) *tensor.Dense {
	d := make([]float64, len(v))
	for i, x := range v {
		d[i] = float64(x)
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
}

func transpose64(v []float32, rows, cols int) *tensor.Dense {
	d := make([]float64, len(v))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			d[c*rows+r] = float64(v[r*cols+c])
		}
	}
	return tensor.New(tensor.WithShape(cols, rows), tensor.WithBacking(d))
}

// TestLossClosedForms checks both losses on logits whose softmax is known:
// z = (0, ln 2, ln 3) gives p = (1/6, 2/6, 3/6).
func TestLossClosedForms(t *testing.T) {
	z := []float32{0, float32(math.Log(2)), float32(math.Log(3))}
	y := []float32{0, 0, 1}
	p := make([]float32, 3)
	tests := []struct {
		loss Loss
		want float64
	}{
		{CrossEntropy, math.Log(2)},           // −ln(3/6)
		{MSE, (1.0/36 + 4.0/36 + 9.0/36) / 3}, // mean over the 3 outputs
	}
	for _, tt := range tests {
		if got := tt.loss.value(p, z, y, 3); math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("%s(z, y) = %.8g, want %.8g", tt.loss, got, tt.want)
		}
	}
	// The cross-entropy gradient is p − y (one sample, so no averaging).
	dz := make([]float32, 3)
	CrossEntropy.value(p, z, y, 3)
	CrossEntropy.gradient(dz, p, y, 3, 1)
	for i, want := range []float64{1.0 / 6, 2.0 / 6, 3.0/6 - 1} {
		if math.Abs(float64(dz[i])-want) > 1e-6 {
			t.Errorf("dCE/dz[%d] = %.7g, want %.7g", i, dz[i], want)
		}
	}
}

// TestSoftmaxIsStable checks that huge logits give probabilities, not NaN.
func TestSoftmaxIsStable(t *testing.T) {
	p := make([]float32, 3)
	Softmax(p, []float32{1000, 1000, -1000}, 3)
	if p[0] != 0.5 || p[1] != 0.5 || p[2] != 0 {
		t.Errorf("Softmax(1000, 1000, −1000) = %v, want [0.5 0.5 0]", p)
	}
	got := CrossEntropy.value(p, []float32{1000, -1000, 0}, []float32{0, 1, 0}, 3)
	if math.Abs(got-2000) > 1e-3 {
		t.Errorf("cross-entropy of a logit 2000 below the best = %g, want 2000", got)
	}
}

func TestSpecValidate(t *testing.T) {
	tests := []struct {
		spec Spec
		want string
	}{
		{Spec{Inputs: 784, Classes: 3}, ""},
		{Spec{Inputs: 784, Hidden: []Layer{{0, ReLU}}, Classes: 3}, "hidden layer 1: width must be between 1 and 8192 (got 0)"},
		{Spec{Inputs: 784, Hidden: []Layer{{10, "swish"}}, Classes: 3}, `hidden layer 1: unknown activation "swish"`},
		{Spec{Inputs: 784, Classes: 1}, "between 2 and 10000 classes (got 1)"},
	}
	for _, tt := range tests {
		err := tt.spec.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Validate(%v) = %v, want %q", tt.spec, err, tt.want)
		}
	}
}

func TestParamCount(t *testing.T) {
	s := Spec{Inputs: 784, Hidden: []Layer{{128, ReLU}, {64, ReLU}}, Classes: 3}
	// 784·128+128 + 128·64+64 + 64·3+3
	if got, want := s.ParamCount(), 100480+8256+195; got != want {
		t.Errorf("ParamCount(%s) = %d, want %d", s, got, want)
	}
	m, _ := New(s, 1)
	n := 0
	for _, p := range m.Params {
		n += len(p.Data)
	}
	if n != s.ParamCount() {
		t.Errorf("New(%s) has %d parameters, ParamCount says %d", s, n, s.ParamCount())
	}
}

// TestInitScale checks He and Glorot bounds: the weights' spread matches
// the activation.
func TestInitScale(t *testing.T) {
	for _, tt := range []struct {
		act  Activation
		want float64 // standard deviation of U(−b, b) = b/√3
	}{
		{ReLU, math.Sqrt(2.0 / 784)},
		{Tanh, math.Sqrt(2.0 / (784 + 256))},
	} {
		m, _ := New(Spec{Inputs: 784, Hidden: []Layer{{256, tt.act}}, Classes: 3}, 1)
		var sum2 float64
		w := m.Params[0].Data
		for _, v := range w {
			sum2 += float64(v) * float64(v)
		}
		std := math.Sqrt(sum2 / float64(len(w)))
		if math.Abs(std-tt.want)/tt.want > 0.02 {
			t.Errorf("%s layer weights have std %.5f, want %.5f", tt.act, std, tt.want)
		}
	}
}

// TestSlopes checks every activation's first derivative against central
// differences of the activation, and its second against central
// differences of the first, away from kinks.
func TestSlopes(t *testing.T) {
	const h = 1e-3
	var zs []float32
	for z := -3.1; z <= 3.1; z += 0.2 {
		zs = append(zs, float32(z))
	}
	at := func(a Activation, z float64) float64 {
		out := []float32{0}
		a.forward(out, []float32{float32(z)})
		return float64(out[0])
	}
	slope := func(a Activation, z float64) float64 {
		d1, d2 := []float32{0}, []float32{0}
		a.Slopes(d1, d2, []float32{float32(z)})
		return float64(d1[0])
	}
	for _, a := range Activations {
		d1, d2 := make([]float32, len(zs)), make([]float32, len(zs))
		a.Slopes(d1, d2, zs)
		for i, z32 := range zs {
			z := float64(z32)
			f1 := (at(a, z+h) - at(a, z-h)) / (2 * h)
			f2 := (slope(a, z+h) - slope(a, z-h)) / (2 * h)
			if math.Abs(float64(d1[i])-f1) > 2e-3 || math.Abs(float64(d2[i])-f2) > 2e-2 {
				t.Errorf("%s at %g: slopes %g, %g; central differences %g, %g", a, z, d1[i], d2[i], f1, f2)
			}
		}
	}
}
