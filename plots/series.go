package plots

import "math"

// maxSmoothing caps the EMA weight: at 1 the average would never move.
const maxSmoothing = 0.999

// EMA returns the debiased exponential moving average of y with the given
// smoothing, the formula TensorBoard uses: a running average started at zero
// and divided by 1 - smoothing^n, so the first value equals y[0] instead of
// being pulled towards zero. Smoothing is clamped to [0, 0.999]; 0 returns a
// copy of y. Non-finite values are passed through unchanged and do not enter
// the average.
func EMA(y []float64, smoothing float64) []float64 {
	out := make([]float64, len(y))
	if !(smoothing > 0) { // also catches NaN
		copy(out, y)
		return out
	}
	w := math.Min(smoothing, maxSmoothing)
	var last float64
	wn := 1.0 // w^n for the n finite values seen so far
	for i, v := range y {
		if !finite(v) {
			out[i] = v
			continue
		}
		last = last*w + (1-w)*v
		wn *= w
		out[i] = last / (1 - wn)
	}
	return out
}

// Thin reduces a series to at most about 2×columns points so that a long
// series draws fast and looks the same: the x range is split into columns
// equal buckets and, from each bucket's run of points, the ones with the
// smallest and the largest y are kept, in their original order. The first and
// last points are always kept, so the result has at most 2×columns+2 points.
// Points with a non-finite x or y are dropped.
//
// Thin expects x to be non-decreasing (steps, epochs); if it is not, the
// buckets are taken by position instead of by x value.
func Thin(x, y []float64, columns int) (tx, ty []float64) {
	n := min(len(x), len(y))
	columns = max(columns, 1)

	// Count finite points, find the x range and whether x is sorted.
	var (
		m          int
		xmin, xmax = math.Inf(1), math.Inf(-1)
		sorted     = true
		prev       = math.Inf(-1)
	)
	for i := range n {
		if !finite(x[i]) || !finite(y[i]) {
			continue
		}
		m++
		if x[i] < prev {
			sorted = false
		}
		prev = x[i]
		xmin = math.Min(xmin, x[i])
		xmax = math.Max(xmax, x[i])
	}
	if m <= 2*columns+2 {
		tx, ty = make([]float64, 0, m), make([]float64, 0, m)
		for i := range n {
			if finite(x[i]) && finite(y[i]) {
				tx = append(tx, x[i])
				ty = append(ty, y[i])
			}
		}
		return tx, ty
	}

	byX := sorted && xmax > xmin
	span := xmax - xmin
	bucket := func(i, k int) int {
		if byX {
			return min(int((x[i]-xmin)/span*float64(columns)), columns-1)
		}
		return k * columns / m
	}

	tx, ty = make([]float64, 0, 2*columns+2), make([]float64, 0, 2*columns+2)
	last := -1 // index of the last point emitted
	emit := func(i int) {
		if i > last {
			tx = append(tx, x[i])
			ty = append(ty, y[i])
			last = i
		}
	}
	// flush emits the run's minimum and maximum in index order.
	flush := func(lo, hi int) {
		emit(min(lo, hi))
		emit(max(lo, hi))
	}

	cur, lo, hi, k, end := -1, -1, -1, 0, -1
	for i := range n {
		if !finite(x[i]) || !finite(y[i]) {
			continue
		}
		if last < 0 {
			emit(i) // the first point
		}
		b := bucket(i, k)
		k++
		end = i
		if b != cur {
			if cur >= 0 {
				flush(lo, hi)
			}
			cur, lo, hi = b, i, i
			continue
		}
		if y[i] < y[lo] {
			lo = i
		}
		if y[i] > y[hi] {
			hi = i
		}
	}
	flush(lo, hi)
	emit(end) // the last point
	return tx, ty
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
