package training

import (
	"context"
	"testing"

	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/openblas"
	"github.com/neuralworkbench/workbench/training/optim"
)

// BenchmarkTrainEpoch is the headline figure: the default experiment
// (784-128-64-3 ReLU, Adam, batch 64, float32, digits 3/5/8) trained for
// one epoch through the real run loop (prefetching, steps, events,
// validation). samples/s counts training samples over the wall time.
func BenchmarkTrainEpoch(b *testing.B) {
	b.Log(openblas.Load())
	cfg := DefaultConfig()
	cfg.Epochs = 1
	data, err := Prepare(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	samples := 0
	for b.Loop() {
		run, err := Start(context.Background(), cfg, data)
		if err != nil {
			b.Fatal(err)
		}
		for ev := range run.Events() {
			if e, ok := ev.(*ErrorEvent); ok {
				b.Fatal(e.Err)
			}
		}
		samples += data.Train.Len()
	}
	b.ReportMetric(float64(samples)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkStep is one training step of the default network and of the
// presets: forward, backward and the Adam update, with no data loading.
func BenchmarkStep(b *testing.B) {
	b.Log(openblas.Load())
	for _, arch := range []string{"mlp", "lenet", "resnet"} {
		b.Run(arch, func(b *testing.B) {
			cfg := DefaultConfig()
			if arch != "mlp" {
				a, err := nn.Preset(arch, 3)
				if err != nil {
					b.Fatal(err)
				}
				cfg.Hidden, cfg.Layers = nil, a.Layers
			}
			benchStep(b, cfg)
		})
	}
}

func benchStep(b *testing.B, cfg Config) {
	m, err := nn.New(cfg.Spec(3), 1)
	if err != nil {
		b.Fatal(err)
	}
	net, err := m.Compile(nn.Train, cfg.Batch, cfg.Loss)
	if err != nil {
		b.Fatal(err)
	}
	sizes, params := make([]int, len(m.Params)), make([][]float32, len(m.Params))
	for i, p := range m.Params {
		sizes[i], params[i] = len(p.Data), p.Data
	}
	opt, err := optim.New(cfg.optimizer(), sizes, 1)
	if err != nil {
		b.Fatal(err)
	}
	// A real batch: the data decides how sparse the ReLU activations are.
	data := smallDataB(b)
	for i := 0; i < cfg.Batch; i++ {
		data.Stats.Normalize(net.X[i*784:(i+1)*784], data.Train.Image(i))
		net.Y[i*3+int(data.Train.Labels[i])] = 1
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := net.Run(); err != nil {
			b.Fatal(err)
		}
		if err := opt.Step(params, net.Grads(), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cfg.Batch*b.N)/b.Elapsed().Seconds(), "samples/s")
}

func smallDataB(b *testing.B) *Data {
	cfg := DefaultConfig()
	cfg.Limit = 256
	data, err := Prepare(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return data
}
