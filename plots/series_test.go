package plots

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"
)

func TestEMA(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		y         []float64
		smoothing float64
		want      []float64
	}{
		// Worked by hand: last = last·w + (1-w)·y, divided by 1-wⁿ.
		// w=0.5: 0.5/0.5 = 1; (0.25+1)/0.75 = 5/3; (0.625+1.5)/0.875 = 17/7.
		{[]float64{1, 2, 3}, 0.5, []float64{1, 5.0 / 3, 17.0 / 7}},
		// w=0.9 over a step: 0.1·10/0.1 = 10; (0.9 + 0)/0.19 = 90/19.
		{[]float64{10, 0}, 0.9, []float64{10, 90.0 / 19}},
		// A constant stays constant: the debiasing removes the pull to 0.
		{[]float64{4, 4, 4, 4}, 0.99, []float64{4, 4, 4, 4}},
		// Non-finite values pass through and do not enter the average, so 3
		// is the second value averaged: (0.25 + 1.5)/0.75 = 7/3.
		{[]float64{1, nan, 3, inf}, 0.5, []float64{1, nan, 7.0 / 3, inf}},
		{[]float64{1, 2, 3}, 0, []float64{1, 2, 3}},
		{[]float64{1, 2, 3}, -1, []float64{1, 2, 3}},
		{nil, 0.5, []float64{}},
	}

	for _, tt := range tests {
		got := EMA(tt.y, tt.smoothing)
		if !floatsEqual(got, tt.want, 1e-12) {
			t.Errorf("EMA(%v, %v) = %v, want %v", tt.y, tt.smoothing, got, tt.want)
		}
	}
}

func TestEMAFirstValueIsY0(t *testing.T) {
	for _, w := range []float64{0.1, 0.6, 0.99, 0.999, 5} {
		if got := EMA([]float64{2.5, 1, 0}, w)[0]; math.Abs(got-2.5) > 1e-9 {
			t.Errorf("EMA([2.5 1 0], %v)[0] = %v, want 2.5", w, got)
		}
	}
}

func TestEMAReturnsACopy(t *testing.T) {
	y := []float64{1, 2, 3}
	got := EMA(y, 0)
	got[0] = 99
	if y[0] != 1 {
		t.Errorf("EMA(y, 0) aliases y: writing to the result changed y to %v", y)
	}
}

func floatsEqual(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		switch {
		case math.IsNaN(a[i]) || math.IsNaN(b[i]):
			if math.IsNaN(a[i]) != math.IsNaN(b[i]) {
				return false
			}
		case math.IsInf(a[i], 0) || math.IsInf(b[i], 0):
			if a[i] != b[i] {
				return false
			}
		case math.Abs(a[i]-b[i]) > tol:
			return false
		}
	}
	return true
}

// noisy returns n points of a noisy, decaying curve at x = 0..n-1.
func noisy(n int) (x, y []float64) {
	for i := range n {
		x = append(x, float64(i))
		y = append(y, math.Exp(-float64(i)/float64(n))+0.3*math.Sin(float64(i)*1.7)*math.Cos(float64(i)*0.31))
	}
	return x, y
}

func TestThinKeepsExtremesAndOrder(t *testing.T) {
	for _, tt := range []struct{ n, columns int }{{5000, 600}, {1000, 7}, {100, 49}, {3, 1}} {
		t.Run(fmt.Sprintf("n=%d,columns=%d", tt.n, tt.columns), func(t *testing.T) {
			x, y := noisy(tt.n)
			tx, ty := Thin(x, y, tt.columns)

			if len(tx) != len(ty) {
				t.Fatalf("Thin returned %d x and %d y values", len(tx), len(ty))
			}
			if max := 2*tt.columns + 2; len(tx) > max {
				t.Errorf("Thin(%d points, %d columns) kept %d points, want at most %d", tt.n, tt.columns, len(tx), max)
			}
			if tt.n > 2*tt.columns+2 && len(tx) >= tt.n {
				t.Errorf("Thin(%d points, %d columns) kept all %d points", tt.n, tt.columns, len(tx))
			}
			// Order: x strictly increasing here, and every kept point is an
			// input point.
			if !slices.IsSorted(tx) {
				t.Errorf("Thin changed the order of the points: %v", tx)
			}
			for i := range tx {
				j := int(tx[i])
				if x[j] != tx[i] || y[j] != ty[i] {
					t.Fatalf("Thin point %d = (%v, %v) is not an input point", i, tx[i], ty[i])
				}
			}
			// Extremes: every column's minimum and maximum, and the first and
			// last points, are kept.
			kept := map[float64]bool{}
			for _, v := range tx {
				kept[v] = true
			}
			span := x[len(x)-1] - x[0]
			lo, hi := map[int]int{}, map[int]int{}
			for i := range x {
				c := min(int((x[i]-x[0])/span*float64(tt.columns)), tt.columns-1)
				if l, ok := lo[c]; !ok || y[i] < y[l] {
					lo[c] = i
				}
				if h, ok := hi[c]; !ok || y[i] > y[h] {
					hi[c] = i
				}
			}
			for c := range lo {
				if !kept[x[lo[c]]] || !kept[x[hi[c]]] {
					t.Errorf("column %d: minimum at x=%v kept %v, maximum at x=%v kept %v, want both kept",
						c, x[lo[c]], kept[x[lo[c]]], x[hi[c]], kept[x[hi[c]]])
				}
			}
			if !kept[x[0]] || !kept[x[len(x)-1]] {
				t.Errorf("Thin dropped the first or last point")
			}
		})
	}
}

func TestThinDropsNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := []float64{0, 1, 2, nan, 4, 5, 6, 7}
	y := []float64{1, nan, 2, 3, inf, 5, math.Inf(-1), 7}
	for _, columns := range []int{1, 100} {
		tx, ty := Thin(x, y, columns)
		for i := range tx {
			if !finite(tx[i]) || !finite(ty[i]) {
				t.Errorf("Thin(%v, %v, %d) kept (%v, %v)", x, y, columns, tx[i], ty[i])
			}
		}
		if columns == 100 && !slices.Equal(tx, []float64{0, 2, 5, 7}) {
			t.Errorf("Thin(%v, %v, %d) x = %v, want [0 2 5 7]", x, y, columns, tx)
		}
	}
}

func TestThinShortSeriesUnchanged(t *testing.T) {
	x, y := noisy(50)
	tx, ty := Thin(x, y, 100)
	if !slices.Equal(tx, x) || !slices.Equal(ty, y) {
		t.Errorf("Thin of 50 points to 100 columns changed the series")
	}
	tx[0] = 99
	if x[0] == 99 {
		t.Errorf("Thin aliases its input")
	}
}

func TestThinUnsortedX(t *testing.T) {
	// x running backwards falls back to buckets by position: still capped,
	// still in input order.
	x, y := noisy(1000)
	slices.Reverse(x)
	tx, _ := Thin(x, y, 10)
	if len(tx) > 22 {
		t.Errorf("Thin of 1000 unsorted points to 10 columns kept %d, want at most 22", len(tx))
	}
	if !slices.IsSortedFunc(tx, func(a, b float64) int { return -cmp.Compare(a, b) }) {
		t.Errorf("Thin reordered unsorted points: %v", tx)
	}
}
