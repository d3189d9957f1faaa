package optim

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// references are parameter trajectories computed by PyTorch 1.13's
// torch.optim (testdata/reference.py): five steps from [0.5, -1, 2] with
// the gradient gradOf(p), learning rate 0.1 (0.01 for rmsprop), momentum
// 0.9 where it applies and weight decay 0.01.
var references = []struct {
	kind  Kind
	steps [][]float32
}{
	{"sgd", [][]float32{
		{0.439500004, -0.778999984, 2.06800008},
		{0.385110497, -0.602420986, 2.13933206},
		{0.336214334, -0.461334348, 2.21415925},
		{0.292256683, -0.348606139, 2.29265308},
		{0.252738744, -0.258536309, 2.37499309},
	}},
	{"momentum", [][]float32{
		{0.439500004, -0.778999984, 2.06800008},
		{0.330660492, -0.403521001, 2.2005322},
		{0.189308226, 0.035517808, 2.39763713},
		{0.032971058, 0.443513662, 2.66251564},
		{-0.121062465, 0.741563678, 3.00136971},
	}},
	{"nesterov", [][]float32{
		{0.385049999, -0.5801, 2.12919998},
		{0.2431539, -0.141549811, 2.32550859},
		{0.0937872306, 0.222263142, 2.59479332},
		{-0.0465378538, 0.459206134, 2.94616985},
		{-0.165374547, 0.557291389, 3.39226675},
	}},
	{"adam", [][]float32{
		{0.400000006, -0.899999976, 2.0999999},
		{0.300885051, -0.800361395, 2.20012069},
		{0.20355159, -0.701383352, 2.3004365},
		{0.109210603, -0.603416383, 2.40101695},
		{0.0194429234, -0.506868482, 2.5019269},
	}},
	{"adamw", [][]float32{
		{0.399500012, -0.898999989, 2.09800005},
		{0.299990237, -0.7984671, 2.19602108},
		{0.202370137, -0.698704004, 2.29413629},
		{0.107852906, -0.600064993, 2.39241409},
		{0.0180197135, -0.502962053, 2.49091792},
	}},
	{"rmsprop", [][]float32{
		{0.400000036, -0.899999976, 2.0999999},
		{0.335804343, -0.832549453, 2.17329621},
		{0.286798775, -0.779115319, 2.23445177},
		{0.246754214, -0.733948767, 2.28828025},
		{0.212824821, -0.694399059, 2.3370707},
	}},
	{"adagrad", [][]float32{
		{0.400000006, -0.899999976, 2.0999999},
		{0.335994065, -0.832734346, 2.17312551},
		{0.287269294, -0.779589117, 2.2339952},
		{0.247559726, -0.734785199, 2.28744626},
		{0.213998675, -0.695655167, 2.3357811},
	}},
}

func gradOf(p []float32) []float32 {
	return []float32{p[0]*1 + 0.1, p[1]*2 - 0.2, p[2]*-0.5 + 0.3}
}

func TestMatchesPyTorch(t *testing.T) {
	for _, ref := range references {
		t.Run(string(ref.kind), func(t *testing.T) {
			lr := 0.1
			if ref.kind == RMSprop {
				lr = 0.01
			}
			o, err := New(Config{Kind: ref.kind, LearningRate: lr, Momentum: 0.9, WeightDecay: 0.01}, []int{3}, 1)
			if err != nil {
				t.Fatal(err)
			}
			p := []float32{0.5, -1, 2}
			for step, want := range ref.steps {
				if err := o.Step([][]float32{p}, [][]float32{gradOf(p)}, nil); err != nil {
					t.Fatal(err)
				}
				for j := range p {
					if d := math.Abs(float64(p[j] - want[j])); d > 2e-6*math.Max(1, math.Abs(float64(want[j]))) {
						t.Errorf("step %d: p[%d] = %.9g, PyTorch gives %.9g", step+1, j, p[j], want[j])
					}
				}
			}
		})
	}
}

// TestParallelMatchesSerial checks that splitting an update across
// workers changes nothing, bit for bit, and that backup keeps the values
// from before the step.
func TestParallelMatchesSerial(t *testing.T) {
	const n = 100_003
	rng := rand.New(rand.NewPCG(1, 2))
	p0, g := make([]float32, n), make([]float32, n)
	for i := range p0 {
		p0[i], g[i] = rng.Float32()-0.5, rng.Float32()-0.5
	}
	for _, kind := range Kinds {
		serial, parallel := append([]float32(nil), p0...), append([]float32(nil), p0...)
		backup := make([]float32, n)
		cfg := Config{Kind: kind, LearningRate: 0.01, Momentum: 0.9, WeightDecay: 1e-4}
		o1, _ := New(cfg, []int{n}, 1)
		o2, _ := New(cfg, []int{n}, 2)
		for range 3 {
			o1.Step([][]float32{serial}, [][]float32{g}, nil)
			before := append([]float32(nil), parallel...)
			o2.Step([][]float32{parallel}, [][]float32{g}, [][]float32{backup})
			for i := range backup {
				if backup[i] != before[i] {
					t.Fatalf("%s: backup[%d] = %g, want the value before the step %g", kind, i, backup[i], before[i])
				}
			}
		}
		o2.Close()
		for i := range serial {
			if serial[i] != parallel[i] {
				t.Fatalf("%s: parallel update differs at %d: %g vs %g", kind, i, parallel[i], serial[i])
			}
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string // substring of the error, "" for valid
	}{
		{Config{Kind: Adam, LearningRate: 0.001}, ""},
		{Config{Kind: Adam, LearningRate: 0}, "learning rate must be > 0"},
		{Config{Kind: Adam, LearningRate: -0.1}, "learning rate must be > 0 (got -0.1)"},
		{Config{Kind: Adam, LearningRate: math.NaN()}, "learning rate must be > 0"},
		{Config{Kind: Adam, LearningRate: 1000}, "learning rate must be ≤ 100"},
		{Config{Kind: Momentum, LearningRate: 0.1, Momentum: 1}, "momentum must be in [0, 1)"},
		{Config{Kind: Adam, LearningRate: 0.1, Momentum: 7}, ""}, // ignored by adam
		{Config{Kind: SGD, LearningRate: 0.1, WeightDecay: -1}, "weight decay must be in [0, 1)"},
		{Config{Kind: "lbfgs", LearningRate: 0.1}, `unknown optimizer "lbfgs" (allowed: sgd, momentum`},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Validate(%+v) = %v, want nil", tt.cfg, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Validate(%+v) = %v, want an error containing %q", tt.cfg, err, tt.want)
		}
	}
}

func BenchmarkAdamStep(b *testing.B) {
	sizes := []int{128 * 784, 128, 64 * 128, 64, 3 * 64, 3} // the default network
	for _, workers := range []int{1, 2} {
		b.Run(map[int]string{1: "serial", 2: "parallel"}[workers], func(b *testing.B) {
			o, _ := New(Config{Kind: Adam, LearningRate: 1e-3}, sizes, workers)
			defer o.Close()
			params, grads := make([][]float32, len(sizes)), make([][]float32, len(sizes))
			for i, n := range sizes {
				params[i], grads[i] = make([]float32, n), make([]float32, n)
				for j := range grads[i] {
					grads[i][j] = float32(j%7) - 3
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				o.Step(params, grads, nil)
			}
		})
	}
}

// TestVectorKernelMatchesScalar checks the AVX2 Adam kernel against the
// scalar loop, over a length that leaves a scalar tail.
func TestVectorKernelMatchesScalar(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2 on this machine")
	}
	const n = 1003
	rng := rand.New(rand.NewPCG(5, 6))
	p0, g := make([]float32, n), make([]float32, n)
	for i := range p0 {
		p0[i], g[i] = rng.Float32()-0.5, (rng.Float32()-0.5)*float32(math.Pow(10, -4*rng.Float64()))
	}
	for _, kind := range []Kind{Adam, AdamW} {
		vec, sca := append([]float32(nil), p0...), append([]float32(nil), p0...)
		cfg := Config{Kind: kind, LearningRate: 0.01, WeightDecay: 0.01}
		ov, _ := New(cfg, []int{n}, 1)
		os, _ := New(cfg, []int{n}, 1)
		for range 5 {
			ov.Step([][]float32{vec}, [][]float32{g}, nil)
			hasAVX2 = false
			os.Step([][]float32{sca}, [][]float32{g}, nil)
			hasAVX2 = true
		}
		for i := range vec {
			if d := math.Abs(float64(vec[i] - sca[i])); d > 1e-6*math.Max(1, math.Abs(float64(sca[i]))) {
				t.Fatalf("%s: vector kernel gives %.9g at %d, scalar %.9g", kind, vec[i], i, sca[i])
			}
		}
	}
}
