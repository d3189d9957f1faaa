package nn

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// archNet compiles a network of layers with non-zero biases and batch
// normalisation shifts, random inputs and labels.
func archNet(t *testing.T, layers string, batch int, mode Mode) (*Model, *Net) {
	t.Helper()
	ls, err := ParseLayerList(layers)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Spec{Inputs: 784, Classes: 3, Layers: ls}, 5)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 9))
	for _, p := range m.Params {
		for i := range p.Data {
			p.Data[i] += float32(rng.NormFloat64() * 0.1)
		}
	}
	net, err := m.Compile(mode, batch, CrossEntropy)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { net.Close() })
	for i := range net.X {
		net.X[i] = float32(rng.NormFloat64())
	}
	if net.Y != nil {
		for r := 0; r < batch; r++ {
			net.Y[r*3+rng.IntN(3)] = 1
		}
	}
	return m, net
}

// TestArchGradients checks assembled networks' gradients, every
// parameter's at up to 40 elements, against central differences of the
// loss: convolutions with stride and padding, pooling, batch
// normalisation in training mode (whose running statistics move on every
// run without changing the loss), residual blocks with an identity and a
// projection shortcut, global average pooling and dense layers on a
// convolution's output. Each network has the step its layers need: max
// pooling switches its maximum under a step of 1e-2 (a kink), and batch
// normalisation over 3 samples loses the float32 loss's precision under
// one of 1e-3. The ReLUs inside residual blocks have kinks too, which a
// step of any size crosses somewhere among a block's many units: there up
// to a third of the elements may miss (a wrong gradient misses nearly
// all), and TestArchMatchesPyTorch checks the blocks' gradients exactly.
func TestArchGradients(t *testing.T) {
	for _, tt := range []struct {
		layers string
		eps    float64
		missed float64 // the share of elements that may miss
	}{
		{"conv(3,5,3,1,tanh),maxpool(2),dense(5,tanh)", 3e-4, 0.05},
		{"conv(3,5,3,1,tanh),avgpool(2),batchnorm(tanh),dense(5,tanh)", 1e-2, 0.05},
		{"conv(4,3,3,1,linear),batchnorm(tanh),residual(4),residual(6),avgpool(2),flatten,dense(4,tanh)", 1e-3, 0.35},
		{"conv(2,4,4,0,tanh),residual(3),globalavgpool", 1e-3, 0.35},
	} {
		t.Run(tt.layers, func(t *testing.T) {
			m, net := archNet(t, tt.layers, 3, Train)
			if err := net.Run(); err != nil {
				t.Fatal(err)
			}
			grads := make([][]float32, len(net.Grads()))
			for i, g := range net.Grads() {
				grads[i] = append([]float32(nil), g...)
			}
			if len(grads) != len(m.Params) {
				t.Fatalf("%d gradients for %d parameters", len(grads), len(m.Params))
			}
			lossAt := func() float64 {
				if err := net.Run(); err != nil {
					t.Fatal(err)
				}
				return net.Loss()
			}
			eps := float32(tt.eps)
			rng := rand.New(rand.NewPCG(1, 2))
			var checked, missed int
			var misses []string
			for pi, p := range m.Params {
				for k := 0; k < min(40, len(p.Data)); k++ {
					j := k
					if len(p.Data) > 40 {
						j = rng.IntN(len(p.Data))
					}
					orig := p.Data[j]
					p.Data[j] = orig + eps
					up := lossAt()
					p.Data[j] = orig - eps
					down := lossAt()
					p.Data[j] = orig
					fd := (up - down) / (2 * float64(eps))
					g := float64(grads[pi][j])
					checked++
					if math.Abs(fd-g) > 5e-4+2e-2*math.Abs(g) {
						missed++
						misses = append(misses, fmt.Sprintf("%s[%d]: gradient %.6g, finite difference %.6g", p.Name, j, g, fd))
					}
				}
			}
			if float64(missed) > tt.missed*float64(checked) {
				t.Errorf("%d of %d gradient elements miss their finite differences:\n%s", missed, checked, strings.Join(misses, "\n"))
			}
		})
	}
}

// TestArchBatchNormState: a training run moves the running statistics and
// counts its batches in the model's buffers; an evaluation run uses them
// and leaves them alone.
func TestArchBatchNormState(t *testing.T) {
	m, net := archNet(t, "conv(2,3,2,1,linear),batchnorm(relu)", 4, Train)
	for range 3 {
		if err := net.Run(); err != nil {
			t.Fatal(err)
		}
	}
	buf := map[string][]float32{}
	for _, b := range m.Buffers {
		buf[b.Name] = b.Data
	}
	if got := buf["layers.1.num_batches_tracked"][0]; got != 3 {
		t.Errorf("num_batches_tracked %g after 3 training runs, want 3", got)
	}
	if buf["layers.1.running_mean"][0] == 0 || buf["layers.1.running_var"][0] == 1 {
		t.Errorf("running statistics did not move: mean %v, var %v", buf["layers.1.running_mean"], buf["layers.1.running_var"])
	}
	mean := append([]float32(nil), buf["layers.1.running_mean"]...)
	eval, err := m.Compile(Evaluate, 4, CrossEntropy)
	if err != nil {
		t.Fatal(err)
	}
	defer eval.Close()
	copy(eval.X, net.X)
	eval.Y[0] = 1
	if err := eval.Run(); err != nil {
		t.Fatal(err)
	}
	if buf["layers.1.num_batches_tracked"][0] != 3 || buf["layers.1.running_mean"][0] != mean[0] {
		t.Error("an evaluation run changed the running statistics")
	}
	// A clone keeps them.
	c := m.Clone()
	if c.Buffers[0].Data[0] != m.Buffers[0].Data[0] {
		t.Error("Clone lost the running statistics")
	}
}

// TestArchMatchesPyTorch loads LeNet-5 and a residual network with a
// projection shortcut, with the weights PyTorch 1.13 drew
// (testdata/gen_arch.py), and checks a training step's loss, every
// gradient and the running statistics after it, and the evaluation-mode
// logits, against PyTorch's on the same batch.
func TestArchMatchesPyTorch(t *testing.T) {
	for _, name := range []string{"lenet", "resnet"} {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "arch_"+name+".json.gz"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			var ref struct {
				Layers       string
				X            []float32
				Y            []int
				Params       map[string][]float32
				Grads        map[string][]float64
				BuffersAfter map[string][]float64 `json:"buffers_after"`
				Loss         float64
				EvalLogits   []float64 `json:"eval_logits"`
			}
			if err := json.NewDecoder(zr).Decode(&ref); err != nil {
				t.Fatal(err)
			}
			layers, err := ParseLayerList(ref.Layers)
			if err != nil {
				t.Fatal(err)
			}
			m, err := New(Spec{Inputs: 784, Classes: 3, Layers: layers}, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(ref.Params) != len(m.Params) {
				t.Fatalf("PyTorch has %d parameters, the workbench %d", len(ref.Params), len(m.Params))
			}
			for _, p := range m.Params {
				v, ok := ref.Params[strings.TrimPrefix(p.Name, "layers.")]
				if !ok || len(v) != len(p.Data) {
					t.Fatalf("PyTorch has no %s of %d values", p.Name, len(p.Data))
				}
				copy(p.Data, v)
			}
			net, err := m.Compile(Train, len(ref.Y), CrossEntropy)
			if err != nil {
				t.Fatal(err)
			}
			defer net.Close()
			copy(net.X, ref.X)
			for i, y := range ref.Y {
				net.Y[i*3+y] = 1
			}
			if err := net.Run(); err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(net.Loss() - ref.Loss); d > 1e-5*ref.Loss {
				t.Errorf("loss %.7g, PyTorch's %.7g", net.Loss(), ref.Loss)
			}
			near := func(what string, got []float32, want []float64) {
				scale := 0.0
				for _, w := range want {
					scale = math.Max(scale, math.Abs(w))
				}
				for i := range want {
					if d := math.Abs(float64(got[i]) - want[i]); d > 1e-4*scale+1e-6 {
						t.Errorf("%s[%d] = %.7g, PyTorch's %.7g (scale %.3g)", what, i, got[i], want[i], scale)
						return
					}
				}
			}
			for i, p := range m.Params {
				near(p.Name+" gradient", net.Grads()[i], ref.Grads[strings.TrimPrefix(p.Name, "layers.")])
			}
			for _, b := range m.Buffers {
				near(b.Name, b.Data, ref.BuffersAfter[strings.TrimPrefix(b.Name, "layers.")])
			}
			eval, err := m.Compile(Infer, len(ref.Y), CrossEntropy)
			if err != nil {
				t.Fatal(err)
			}
			defer eval.Close()
			copy(eval.X, ref.X)
			if err := eval.Run(); err != nil {
				t.Fatal(err)
			}
			near("evaluation logits", eval.Logits(), ref.EvalLogits)
		})
	}
}
