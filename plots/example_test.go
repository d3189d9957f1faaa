package plots_test

import (
	"fmt"

	"github.com/neuralworkbench/workbench/plots"
)

func ExampleEMA() {
	// A loss that drops and spikes once, smoothed as TensorBoard does: the
	// first value is kept (the average is debiased), the spike is damped.
	loss := []float64{1.0, 0.8, 0.6, 2.0, 0.4}
	for _, v := range plots.EMA(loss, 0.6) {
		fmt.Printf("%.3f ", v)
	}
	fmt.Println()
	// Output:
	// 1.000 0.875 0.735 1.316 0.919
}

func ExampleThin() {
	// Ten points into two columns: each column keeps its lowest and highest
	// point, in order, and the first and last points are always kept.
	x := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	y := []float64{5, 3, 9, 1, 4, 6, 0, 8, 2, 7}
	tx, ty := plots.Thin(x, y, 2)
	fmt.Println(tx)
	fmt.Println(ty)
	// Output:
	// [0 2 3 6 7 9]
	// [5 9 1 0 8 7]
}

func ExampleCurveOptions_Line() {
	// A loss that underflows to 0 at one step. A log axis cannot show the
	// 0, so the chart drops it before smoothing; Line gives the points of
	// the line as drawn, where a hover mark belongs.
	opts := plots.CurveOptions{LogY: true, Smoothing: 0.5}
	x, y := opts.Line(plots.Series{X: []float64{1, 2, 3, 4}, Y: []float64{1, 0, 0.5, 0.25}})
	fmt.Println(x)
	for _, v := range y {
		fmt.Printf("%.3f ", v)
	}
	fmt.Println()
	// Output:
	// [1 3 4]
	// 1.000 0.667 0.429
}
