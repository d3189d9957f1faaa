package logistic

import (
	"context"
	"testing"
)

// BenchmarkSurface is the lab's refresh while a slider moves: a 101×101
// grid over 2,000 points (MNIST 3s and 5s), one loss or both sigmoid
// losses at once, with loss, gradient and Hessian at every grid point.
func BenchmarkSurface(b *testing.B) {
	pts := digitPoints(b)
	axis := Axis{-8, 8, 101}
	for _, bc := range []struct {
		name   string
		losses []Loss
	}{
		{"ce", []Loss{CE}},
		{"mse", []Loss{MSE}},
		{"ce+mse", []Loss{CE, MSE}},
		{"mse-linear", []Loss{MSELinear}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compute(context.Background(), pts, axis, axis, bc.losses...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDescend is a 500-step descent with its loss at every step.
func BenchmarkDescend(b *testing.B) {
	pts := digitPoints(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Descend(context.Background(), pts, MSE, -4, 4, DescentOptions{LR: 1, Steps: 500}); err != nil {
			b.Fatal(err)
		}
	}
}
