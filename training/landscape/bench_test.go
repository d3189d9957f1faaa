package landscape

import (
	"context"
	"testing"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
)

// BenchmarkSlice2D is the default 2-D slice: 41×41 points over 1,000
// test samples for the default network (784-128-64-3).
func BenchmarkSlice2D(b *testing.B) {
	set := digitSet(b, DefaultSamples)
	m := model(b, defaultHidden, 1)
	pl := Plane{Centre: m, D1: Random(m, 1), D2: Random(m, 2)}
	axis := Span(-1, 1, 41)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(context.Background(), pl, nn.CrossEntropy, set, axis, axis, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHessianProduct is one exact Hessian-vector product over 1,000
// test samples: of the default network (784-128-64-3, fresh weights), and
// of LeNet-5 trained one epoch.
func BenchmarkHessianProduct(b *testing.B) {
	b.Run("mlp", func(b *testing.B) { benchProduct(b, model(b, defaultHidden, 1), digitSet(b, DefaultSamples)) })
	b.Run("lenet", func(b *testing.B) {
		m, set := trainedLeNet(b)
		benchProduct(b, m, set)
	})
}

func benchProduct(b *testing.B, m *nn.Model, set *Set) {
	h, err := newHessian(m, nn.CrossEntropy, set)
	if err != nil {
		b.Fatal(err)
	}
	v, hv := make([]float64, h.n), make([]float64, h.n)
	for i := range v {
		v[i] = 1 / float64(len(v))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.product(context.Background(), v, hv); err != nil {
			b.Fatal(err)
		}
	}
}

// trained trains cfg's network and returns it with the default
// evaluation set (1,000 test samples).
func trained(b *testing.B, cfg training.Config) (*nn.Model, *Set) {
	data, err := training.Prepare(cfg)
	if err != nil {
		b.Fatal(err)
	}
	run, err := training.Start(context.Background(), cfg, data)
	if err != nil {
		b.Fatal(err)
	}
	var m *nn.Model
	for ev := range run.Events() {
		if done, ok := ev.(*training.DoneEvent); ok {
			m = done.Model.Net
		}
	}
	set, err := NewSet(data.Test, data.Stats, DefaultSamples, 1)
	if err != nil {
		b.Fatal(err)
	}
	return m, set
}

// trainedLeNet is LeNet-5 trained on the digits for one epoch, with the
// default evaluation set.
func trainedLeNet(b *testing.B) (*nn.Model, *Set) {
	cfg := training.DefaultConfig()
	cfg.Hidden, cfg.Layers, cfg.Epochs = nil, nn.LeNet5(3).Layers, 1
	return trained(b, cfg)
}

// BenchmarkSlice2DLeNet is a 21×21 slice of LeNet-5, trained one epoch,
// over the default 1,000 test samples: 441 evaluation-mode forward passes
// of the whole network over the set.
func BenchmarkSlice2DLeNet(b *testing.B) {
	m, set := trainedLeNet(b)
	d1, d2 := Pair(m, 1)
	axis := Span(-1, 1, 21)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(context.Background(), Plane{Centre: m, D1: d1, D2: d2}, nn.CrossEntropy, set, axis, axis, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCurvature is the default curvature: Lanczos to a relative
// residual of 1e-3 (at most 80 products) for the default network, trained
// for three epochs, over 1,000 test samples.
func BenchmarkCurvature(b *testing.B) {
	cfg := training.DefaultConfig()
	cfg.Epochs = 3
	m, set := trained(b, cfg)
	b.ReportAllocs()
	for b.Loop() {
		c, err := Hessian(context.Background(), m, nn.CrossEntropy, set, CurvatureOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(c.Iterations), "iterations")
	}
}
