package plots

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// linearTicks marks about Target labelled ticks at 1, 2 or 5 times a power
// of ten (or 25, 250, …), with minor ticks between them. gonum/plot's
// DefaultTicks aims for three, too few for a chart several hundred pixels
// wide.
type linearTicks struct{ Target int }

// step returns the distance between labelled ticks over lo..hi and the
// number of minor intervals between two of them: of the steps 1, 2 and 5
// times a power of ten (and 25, 250, …), the one that labels closest to
// Target ticks, the coarser on a tie.
func (t linearTicks) step(lo, hi float64) (step float64, minors int) {
	target := max(t.Target, 2)
	mag := math.Pow(10, math.Floor(math.Log10((hi-lo)/float64(target))))
	bestMiss := math.Inf(1)
	for _, scale := range []float64{1, 10} {
		for _, s := range []struct {
			m      float64
			minors int
		}{{1, 5}, {2, 4}, {2.5, 5}, {5, 5}} {
			st := s.m * mag * scale
			if s.m == 2.5 && st < 10 {
				continue // 0.25 steps read worse than 0.2 or 0.5
			}
			count := math.Floor(hi/st+1e-9) - math.Ceil(lo/st-1e-9) + 1
			if miss := math.Abs(count - float64(target)); miss <= bestMiss {
				step, minors, bestMiss = st, s.minors, miss
			}
		}
	}
	return step, minors
}

// Ticks implements plot.Ticker.
func (t linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || !finite(lo) || !finite(hi) {
		return nil
	}
	step, minors := t.step(lo, hi)
	prec := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	kilo := math.Max(math.Abs(lo), math.Abs(hi)) >= 1e4 && step >= 1e3

	var ticks []plot.Tick
	minor := step / float64(minors)
	first := math.Ceil(lo/minor-1e-9) * minor
	for i := 0; ; i++ {
		v := first + float64(i)*minor
		if v > hi+minor*1e-9 {
			break
		}
		tk := plot.Tick{Value: v}
		if r := v / step; math.Abs(r-math.Round(r)) < 1e-6 {
			tk.Value = math.Round(r) * step
			tk.Label = formatTick(tk.Value, prec, kilo)
		}
		ticks = append(ticks, tk)
	}
	return ticks
}

// formatTick formats v with prec decimals, or in thousands ("12.5k") for
// large step counts.
func formatTick(v float64, prec int, kilo bool) string {
	if v == 0 {
		return "0"
	}
	if kilo {
		s := strconv.FormatFloat(v/1e3, 'f', -1, 64)
		return s + "k"
	}
	if a := math.Abs(v); a >= 1e7 || a < 1e-4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// logTicks marks the powers of ten on a log axis and, when the axis spans
// few decades, 2× and 5× (or every multiple) so that at least a few ticks
// are labelled.
type logTicks struct{}

// labelled reports whether the tick at m×10ᵏ is labelled on an axis
// spanning the given number of decades.
func (logTicks) labelled(m int, decades float64) bool {
	switch {
	case decades < 0.6:
		return true
	case decades < 2.5:
		return m == 1 || m == 2 || m == 5
	}
	return m == 1
}

// Ticks implements plot.Ticker.
func (t logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || !(lo > 0) || !finite(hi) {
		return nil
	}
	decades := math.Log10(hi / lo)
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		p := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * p
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			tk := plot.Tick{Value: v}
			if t.labelled(m, decades) {
				tk.Label = formatLog(v)
			}
			ticks = append(ticks, tk)
		}
	}
	return ticks
}

// niceReach is how far, as a fraction of an axis, niceRange widens it.
const niceReach = 0.08

// niceRange widens lo..hi to the labelled ticks just outside it where they
// are close, so that an axis fitted to the data ends on labelled values
// (a loss axis from 0, not from 0.013).
func niceRange(lo, hi float64, ticker plot.Ticker) (float64, float64) {
	if !(hi > lo) {
		return lo, hi
	}
	switch t := ticker.(type) {
	case linearTicks:
		step, _ := t.step(lo, hi)
		reach := niceReach * (hi - lo)
		if l := math.Floor(lo/step+1e-9) * step; lo-l <= reach {
			lo = l
		}
		if h := math.Ceil(hi/step-1e-9) * step; h-hi <= reach {
			hi = h
		}
	case logTicks:
		decades := math.Log10(hi / lo)
		reach := niceReach * decades
		var l, h float64
		for e := math.Floor(math.Log10(lo)) - 1; e <= math.Ceil(math.Log10(hi))+1; e++ {
			for m := 1; m <= 9; m++ {
				v := float64(m) * math.Pow(10, e)
				if !t.labelled(m, decades) {
					continue
				}
				if v <= lo*(1+1e-9) {
					l = v
				}
				if v >= hi*(1-1e-9) && h == 0 {
					h = v
				}
			}
		}
		if l > 0 && math.Log10(lo/l) <= reach {
			lo = l
		}
		if h > 0 && math.Log10(h/hi) <= reach {
			hi = h
		}
	}
	return lo, hi
}

// formatLog formats a tick value of a log axis without float noise
// ("0.003", not "0.0030000000000000005") and without an exponent where
// a plain number is short.
func formatLog(v float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	if r >= 1e-4 && r < 1e6 {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strconv.FormatFloat(r, 'g', 3, 64)
}
