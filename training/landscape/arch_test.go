package landscape

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/neuralworkbench/workbench/training/nn"
)

// layerModel returns a network of the given layers over the digits' three
// classes, with fresh weights and, for batch normalisation, running
// statistics away from their initial 0 and 1.
func layerModel(t testing.TB, layers string, seed uint64) *nn.Model {
	t.Helper()
	ls, err := nn.ParseLayerList(layers)
	if err != nil {
		t.Fatal(err)
	}
	m, err := nn.New(nn.Spec{Inputs: 784, Classes: 3, Layers: ls}, seed)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range m.Buffers {
		for j := range b.Data {
			switch {
			case len(b.Data) == 1: // num_batches_tracked
			case j%2 == 0:
				b.Data[j] += 0.1 * float32(j%5)
			default:
				b.Data[j] *= 1 + 0.05*float32(j%7)
			}
		}
	}
	return m
}

const smallResNet = "conv(4,3,1,1,linear),batchnorm(relu),residual(4),residual(6),globalavgpool"

// TestLayerCentreIsTheModel: for LeNet-5 and a small residual network, a
// plane's centre is the model's own evaluated loss and accuracy, bit for
// bit; another point is the loss of a separately built model with the
// moved weights; the line from the initial weights ends at the trained
// model when it uses the trained model's running statistics.
func TestLayerCentreIsTheModel(t *testing.T) {
	set := digitSet(t, 300)
	for _, tc := range []struct {
		name, layers string
		loss         nn.Loss
	}{
		{"lenet", nn.LayersString(nn.LeNet5(3).Layers), nn.CrossEntropy},
		{"resnet", smallResNet, nn.CrossEntropy},
		{"dropout mse", "conv(4,3,2,1,tanh),dropout(0.5),avgpool(2),flatten,dense(10,sigmoid)", nn.MSE},
	} {
		m := layerModel(t, tc.layers, 1)
		d1, d2 := Pair(m, 3)
		axis := []float64{-0.5, 0, 0.25}
		g, err := Evaluate(context.Background(), Plane{Centre: m, D1: d1, D2: d2}, tc.loss, set, axis, axis, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantLoss, wantAcc := reference(t, m, tc.loss, set)
		if l, a := g.At(1, 1); l != wantLoss || a != wantAcc {
			t.Errorf("%s: centre = (%v, %v), want the model's (%v, %v)", tc.name, l, a, wantLoss, wantAcc)
		}
		wantLoss, wantAcc = reference(t, moved(m, d1, d2, -0.5, 0.25), tc.loss, set)
		if l, a := g.At(0, 2); l != wantLoss || a != wantAcc {
			t.Errorf("%s: point (-0.5, 0.25) = (%v, %v), want the moved model's (%v, %v)", tc.name, l, a, wantLoss, wantAcc)
		}

		init := layerModel(t, tc.layers, 2)
		for _, b := range init.Buffers { // the initial running statistics
			for j := range b.Data {
				b.Data[j] = float32(j % 2)
			}
		}
		d, err := Between(init, m)
		if err != nil {
			t.Fatal(err)
		}
		line, err := Evaluate(context.Background(), Plane{Centre: init, D1: d, Stats: m}, tc.loss, set, []float64{0, 1}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantLoss, _ = reference(t, m, tc.loss, set)
		if math.Abs(line.Loss[1]-wantLoss) > 1e-5*wantLoss {
			t.Errorf("%s: the line from the initial weights ends at loss %v, want the trained model's %v", tc.name, line.Loss[1], wantLoss)
		}
	}
}

// TestLayerPlaneCancelled: a cancelled slice of a convolutional network
// stops with the context's error.
func TestLayerPlaneCancelled(t *testing.T) {
	set := digitSet(t, 300)
	m := layerModel(t, nn.LayersString(nn.LeNet5(3).Layers), 1)
	d1, d2 := Pair(m, 1)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := Evaluate(ctx, Plane{Centre: m, D1: d1, D2: d2}, nn.CrossEntropy, set, Span(-1, 1, 9), Span(-1, 1, 9), func(done, total int) {
		calls++
		if calls == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled slice of LeNet = %v, want %v", err, context.Canceled)
	}
	if _, err := Evaluate(context.Background(), Plane{Centre: m, D1: d1, Stats: layerModel(t, smallResNet, 1)}, nn.CrossEntropy, set, []float64{0}, nil, nil); err == nil {
		t.Error("a line with another architecture's running statistics was evaluated")
	}
}

// hvpCase is a testdata/hvp_*.json.gz reference from gen_hvp.py.
type hvpCase struct {
	Layers  string
	Classes int
	Names   []string
	X       []float32
	Y       []int32
	Params  map[string][]float32
	Buffers map[string][]float32
	V       [][]float32
	Losses  map[string]struct {
		Loss float64
		HV   [][]float64
	}
}

// TestLayerHessianMatchesPyTorch compares the R-operator's Hessian-vector
// products for networks of layers with PyTorch's float64 double backward
// of the same networks in evaluation mode, on the same float32 weights and
// directions: LeNet-5, a residual network with a projection shortcut and
// batch normalisation on running statistics, and a network of tanh
// convolution, average pooling, dropout and a sigmoid dense layer; for
// cross-entropy and MSE. The products, computed in float32, must be within
// 1e-5 of PyTorch's in relative Euclidean norm, the loss within 1e-6
// relative; they come within 1e-7 to 1e-6 (float32 rounding).
func TestLayerHessianMatchesPyTorch(t *testing.T) {
	for _, name := range []string{"lenet", "resnet", "mixed"} {
		f, err := os.Open("testdata/hvp_" + name + ".json.gz")
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		var c hvpCase
		if err := json.NewDecoder(zr).Decode(&c); err != nil {
			t.Fatal(err)
		}
		f.Close()
		layers, err := nn.ParseLayerList(c.Layers)
		if err != nil {
			t.Fatal(err)
		}
		m, err := nn.New(nn.Spec{Inputs: 784, Classes: c.Classes, Layers: layers}, 1)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range m.Params {
			names = append(names, p.Name)
			copy(p.Data, c.Params[p.Name])
		}
		if !slices.Equal(names, c.Names) {
			t.Fatalf("%s: parameters %v, PyTorch's %v", name, names, c.Names)
		}
		for _, b := range m.Buffers {
			copy(b.Data, c.Buffers[b.Name])
		}
		set := &Set{X: c.X, Labels: c.Y, Inputs: 784}
		for lossName, want := range c.Losses {
			loss := nn.CrossEntropy
			if lossName == "mse" {
				loss = nn.MSE
			}
			h, err := newHessian(m, loss, set)
			if err != nil {
				t.Fatal(err)
			}
			for k, v32 := range c.V {
				v, hv := make([]float64, len(v32)), make([]float64, len(v32))
				for i, x := range v32 {
					v[i] = float64(x)
				}
				l, err := h.product(context.Background(), v, hv)
				if err != nil {
					t.Fatal(err)
				}
				var diff, norm float64
				for i, x := range want.HV[k] {
					diff += (hv[i] - x) * (hv[i] - x)
					norm += x * x
				}
				rel := math.Sqrt(diff / norm)
				if rel > 1e-5 || math.IsNaN(rel) {
					t.Errorf("%s, %s, v%d: ‖Hv − PyTorch's‖/‖PyTorch's‖ = %.3g, want ≤ 1e-5", name, lossName, k, rel)
				}
				if math.Abs(l-want.Loss) > 1e-6*want.Loss {
					t.Errorf("%s, %s: loss %v, PyTorch's %v", name, lossName, l, want.Loss)
				}
				t.Logf("%s, %s, v%d: relative error %.3g, ‖Hv‖ = %.4g", name, lossName, k, rel, math.Sqrt(norm))
			}
		}
	}
}

// TestLayerHessian runs Lanczos on a convolutional network's products:
// the extremes are ordered, the largest positive, and a cancelled context
// stops it.
func TestLayerHessian(t *testing.T) {
	set := digitSet(t, 128)
	m := layerModel(t, smallResNet, 1)
	c, err := Hessian(context.Background(), m, nn.CrossEntropy, set, CurvatureOptions{MaxIter: 15})
	if err != nil {
		t.Fatal(err)
	}
	if !(c.Max > 0) || !(c.Min < c.Max) || c.Iterations > 15 {
		t.Errorf("curvature of a residual network %+v; want 0 < max, min < max, at most 15 iterations", c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Hessian(ctx, m, nn.CrossEntropy, set, CurvatureOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Hessian with a cancelled context: %v, want %v", err, context.Canceled)
	}
}
