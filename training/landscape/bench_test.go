package landscape

import (
	"context"
	"testing"

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
