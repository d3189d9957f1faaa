package landscape

import (
	"context"
	"errors"
	"testing"

	"github.com/neuralworkbench/workbench/training/nn"
)

// TestLayerNetworksRefused: a convolutional network's landscape and
// Hessian are refused with a message saying why, not computed wrong or
// crashing; making its directions does not crash either.
func TestLayerNetworksRefused(t *testing.T) {
	m, err := nn.New(nn.Spec{Inputs: 784, Classes: 3, Layers: nn.LeNet5(3).Layers}, 1)
	if err != nil {
		t.Fatal(err)
	}
	d1, d2 := Pair(m, 1)
	set := &Set{Inputs: 784, X: make([]float32, 784), Labels: []int32{0}}
	if _, err := Evaluate(context.Background(), Plane{Centre: m, D1: d1, D2: d2}, nn.CrossEntropy, set, []float64{0}, []float64{0}, nil); !errors.Is(err, errMLPOnly) {
		t.Errorf("Evaluate on LeNet = %v, want %v", err, errMLPOnly)
	}
	if _, err := Hessian(context.Background(), m, nn.CrossEntropy, set, CurvatureOptions{}); !errors.Is(err, errMLPOnly) {
		t.Errorf("Hessian of LeNet = %v, want %v", err, errMLPOnly)
	}
}
