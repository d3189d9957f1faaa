package training

import (
	"context"
	"testing"

	"github.com/neuralworkbench/workbench/training/nn"
)

// TestTrainsLayerNetworks trains LeNet-5 and a small residual network
// through the real run loop, saves each model and reads it back: the
// model read scores on the test set exactly what the run reported, so
// the weights and batch normalisation's running statistics survive the
// file, and evaluation uses the running statistics.
func TestTrainsLayerNetworks(t *testing.T) {
	data := smallMNIST(t)
	for _, tt := range []struct {
		arch string
		// min is the test accuracy after one epoch on 2,700 images: a
		// residual block of 4 channels has barely started to learn by
		// then (the full preset reaches 96.8% after an epoch on all the
		// images), so only its file is checked.
		min float64
	}{
		{"lenet", 0.9},
		{"resnet:1:4", 0},
	} {
		t.Run(tt.arch, func(t *testing.T) {
			a, err := nn.Preset(tt.arch, 3)
			if err != nil {
				t.Fatal(err)
			}
			cfg := DefaultConfig()
			cfg.Hidden, cfg.Layers, cfg.Epochs = nil, a.Layers, 1
			done := lastEvent[*DoneEvent](t, collect(t, context.Background(), cfg, data))
			if done.Test.Accuracy < tt.min {
				t.Errorf("test accuracy %.4f after an epoch, want ≥ %.2f", done.Test.Accuracy, tt.min)
			}
			want := (nn.Spec{Inputs: 784, Layers: a.Layers, Classes: 3}).String()
			if got := done.Model.Net.Spec.String(); got != want {
				t.Errorf("the model's architecture is %s, want %s", got, want)
			}
			dir := t.TempDir()
			if err := done.Model.Save(dir); err != nil {
				t.Fatal(err)
			}
			m, err := LoadModel(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Net.Buffers) != len(done.Model.Net.Buffers) || len(m.Config.Layers) != len(a.Layers) {
				t.Fatalf("read back %d buffers and %d layers, want %d and %d", len(m.Net.Buffers), len(m.Config.Layers), len(done.Model.Net.Buffers), len(a.Layers))
			}
			p, err := m.PredictSplit(data.Test)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Accuracy(); got != done.Test.Accuracy {
				t.Errorf("the model read back scores %.4f, the run reported %.4f", got, done.Test.Accuracy)
			}
		})
	}
}
