package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/neuralworkbench/workbench/training/openblas"
)

func defaultSpec() Spec {
	return Spec{Inputs: 784, Hidden: []Layer{{128, ReLU}, {64, ReLU}}, Classes: 3}
}

func BenchmarkTrainStep(b *testing.B) {
	b.Log(openblas.Load())
	m, err := New(defaultSpec(), 1)
	if err != nil {
		b.Fatal(err)
	}
	net, err := m.Compile(Train, 64, CrossEntropy)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range net.X {
		net.X[i] = rng.Float32()
	}
	for i := 0; i < 64; i++ {
		net.Y[i*3+i%3] = 1
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := net.Run(); err != nil {
			b.Fatal(err)
		}
		for i, g := range net.Grads() {
			p := m.Params[i].Data
			for j := range p {
				p[j] -= 0.01 * g[j]
			}
		}
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "samples/s")
}
