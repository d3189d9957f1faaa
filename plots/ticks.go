package plots

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// linearTicks marks about Target labelled ticks at 1, 2 or 5 times a power
// of ten (or 25, 250, …), with minor ticks between them. gonum/plot's
// DefaultTicks aims for three, too few for a chart several hundred pixels
// wide.
//
// Its labels are short for any range (see tickLabels): plain numbers
// ("0.25", "600"), thousands ("12.5k"), or scientific notation for large
// and tiny values ("2e25", "1.5e-7"). Where a range is narrow next to its
// values (1e6 ± 1e-3), the labels are written relative to an offset
// ("-0.001" … "0.001" and "+1e6"), which the plot shows at the end of the
// axis (axisOffsets).
type linearTicks struct{ Target int }

// step returns the distance between labelled ticks over lo..hi and the
// number of minor intervals between two of them: of the steps 1, 2 and 5
// times a power of ten (and 25, 250, …), the one that labels closest to
// Target ticks, the coarser on a tie, and at least two where it can.
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
			miss := math.Abs(count - float64(target))
			if count < 2 {
				miss += 100 // one label does not show a scale
			}
			if miss <= bestMiss {
				step, minors, bestMiss = st, s.minors, miss
			}
		}
	}
	return step, minors
}

// Ticks implements plot.Ticker.
func (t linearTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks, _ := t.ticks(lo, hi)
	return ticks
}

// ticks returns the ticks over lo..hi and the offset their labels are
// relative to, 0 for none. A range too wide for float64 arithmetic (more
// than about 1.8e308) has no ticks.
func (t linearTicks) ticks(lo, hi float64) ([]plot.Tick, float64) {
	if !(hi > lo) || !finite(hi-lo) {
		return nil, 0
	}
	step, minors := t.step(lo, hi)
	if !(step > 0) || !finite(step) {
		return nil, 0
	}
	// Far from zero next to the step, counting ticks from zero would lose
	// precision: an offset is needed anyway.
	if math.Max(math.Abs(lo), math.Abs(hi))/step < 1e12 {
		ticks := mark(lo, hi, step, minors, 0)
		if longestLabel(ticks) <= maxLabelLen {
			return ticks, 0
		}
	}
	off := labelOffset(lo, hi, step)
	return mark(lo, hi, step, minors, off), off
}

// mark returns the ticks over lo..hi, labelled every step, with minors
// intervals between labels, and labels relative to offset, a multiple of
// step. Tick j is at offset + j×step/minors: counting from the offset
// keeps the labels exact multiples of the step even where the values
// themselves are not representable.
func mark(lo, hi, step float64, minors int, offset float64) []plot.Tick {
	labels := newTickLabels(lo-offset, hi-offset, step)
	minor := step / float64(minors)
	first := math.Ceil((lo-offset)/minor - 1e-9)
	n := int(math.Floor((hi-offset)/minor+1e-9) - first)
	if n < 0 || n > 10000 { // not a range step was chosen for
		return nil
	}
	ticks := make([]plot.Tick, 0, n+1)
	for i := range n + 1 {
		j := first + float64(i)
		tk := plot.Tick{Value: offset + j*minor}
		if math.Mod(j, float64(minors)) == 0 {
			u := j / float64(minors) * step
			tk.Value = offset + u
			tk.Label = labels.format(u)
		}
		ticks = append(ticks, tk)
	}
	return ticks
}

// maxLabelLen is the longest tick label, not counting a minus sign:
// "0.500005", "1.25e-30". Ranges whose labels would be longer are
// labelled relative to an offset, with at most offsetLabelDigits
// significant digits.
const (
	maxLabelLen       = 8
	offsetLabelDigits = 2
)

// longestLabel returns the length of the longest label, not counting a
// minus sign.
func longestLabel(ticks []plot.Tick) int {
	n := 0
	for _, tk := range ticks {
		n = max(n, len(strings.TrimPrefix(tk.Label, "-")))
	}
	return n
}

// exponent returns the power of ten of |v|'s leading digit.
func exponent(v float64) int { return int(math.Floor(math.Log10(math.Abs(v)))) }

// pow10 returns 10ⁿ.
func pow10(n int) float64 { return math.Pow(10, float64(n)) }

// labelDigits returns the significant digits the labels of multiples of
// step over lo..hi need.
func labelDigits(lo, hi, step float64) int {
	big := math.Max(math.Abs(lo), math.Abs(hi))
	if big < step {
		return 1
	}
	return exponent(big) - exponent(step) + 1
}

// labelOffset returns the value the tick labels over lo..hi, step apart,
// are written relative to where the values themselves make long labels:
// the roundest number (multiple of the largest power of ten) near the
// middle of the range that leaves the labels at most offsetLabelDigits
// significant digits, such as 1e6 for 1e6 ± 1e-3. It is a multiple of
// step.
func labelOffset(lo, hi, step float64) float64 {
	mid := lo/2 + hi/2
	finest := max(exponent(hi-lo), exponent(step)) + 1
	for k := max(exponent(mid), finest); ; k-- {
		unit := pow10(k)
		off := math.Round(mid/unit) * unit
		if k <= finest || labelDigits(lo-off, hi-off, step) <= offsetLabelDigits {
			return off
		}
	}
}

// tickLabels writes the labels of one axis, all in one style chosen by the
// size of the values and of the step between them.
type tickLabels struct {
	step  float64
	style byte // 'f' plain, 'k' thousands, 'e' scientific
}

func newTickLabels(lo, hi, step float64) tickLabels {
	big := math.Max(math.Abs(lo), math.Abs(hi))
	switch {
	case big >= 1e6 || big < 1e-4:
		return tickLabels{step, 'e'}
	case big >= 1e4 && step >= 1e3:
		return tickLabels{step, 'k'}
	}
	return tickLabels{step, 'f'}
}

// format writes the label of u, a multiple of the step, with as many
// decimals as the step needs, so that neighbouring labels always differ.
func (l tickLabels) format(u float64) string {
	if u == 0 || math.Abs(u) < l.step*1e-6 {
		return "0"
	}
	switch l.style {
	case 'k':
		return trimZeros(strconv.FormatFloat(u/1e3, 'f', decimals(l.step/1e3), 64)) + "k"
	case 'e':
		e := exponent(u)
		mant := trimZeros(strconv.FormatFloat(u/pow10(e), 'f', decimals(l.step/pow10(e)), 64))
		if mant == "10" || mant == "-10" { // rounding carried into the next power
			mant, e = mant[:len(mant)-1], e+1
		}
		return mant + "e" + strconv.Itoa(e)
	}
	return strconv.FormatFloat(u, 'f', decimals(l.step), 64)
}

// trimZeros removes the trailing zeros of a decimal fraction: "2.50" is
// "2.5" and "5.0" is "5".
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// decimals returns the number of decimals that write multiples of x
// exactly: 0 for 5, 1 for 0.5 or 2.5, 2 for 0.25.
func decimals(x float64) int {
	for d := 0; d < 17; d++ {
		r := x * pow10(d)
		if math.Abs(r-math.Round(r)) <= 1e-6*math.Abs(r) {
			return d
		}
	}
	return 17
}

// compact writes v in its shortest form, with a short exponent ("1e6", not
// "1e+06") where one is shorter.
func compact(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'g', prec, 64)
	mant, exp, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	n, _ := strconv.Atoi(exp)
	return mant + "e" + strconv.Itoa(n)
}

// formatOffset writes an axis offset: its sign and its significant digits.
func formatOffset(offset float64) string {
	digits := strconv.FormatFloat(math.Abs(offset), 'e', -1, 64)
	mant, _, _ := strings.Cut(digits, "e")
	prec := len(strings.ReplaceAll(mant, ".", ""))
	s := compact(offset, prec)
	if offset > 0 {
		s = "+" + s
	}
	return s
}

// logTicks marks the powers of ten on a log axis and, when the axis spans
// few decades, 2× and 5× (or every multiple) so that at least a few ticks
// are labelled (the rule of labelled). Fitted to an axis's length (see
// fit), it labels only every few decades where the labels would not fit
// otherwise, and leaves out the ticks between decades where they would run
// together.
type logTicks struct {
	// every, if not 0, labels only the powers of ten whose exponent is a
	// multiple of it, instead of labelled's rule.
	every int
	// sparse leaves out the ticks at 2…9 times the powers of ten.
	sparse bool
}

// labelled reports whether the tick at m×10ᵏ is labelled on an axis
// spanning the given number of decades, by the rule of an axis of unknown
// length.
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
	sci := false // all labels in scientific notation if one needs it
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		p := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * p
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) || (m > 1 && t.sparse) {
				continue
			}
			tk := plot.Tick{Value: v}
			if t.every == 0 && t.labelled(m, decades) || t.every > 0 && m == 1 && math.Mod(e, float64(t.every)) == 0 {
				tk.Label = "x" // written below
				r := roundLog(v)
				sci = sci || r < 1e-4 || r >= 1e6
			}
			ticks = append(ticks, tk)
		}
	}
	for i, tk := range ticks {
		if tk.Label != "" {
			ticks[i].Label = formatLogStyle(tk.Value, sci)
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
	if !(hi > lo) || !finite(hi-lo) {
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

// roundLog returns a tick value of a log axis, m×10ᵏ, without float noise
// (0.003, not 0.0030000000000000005).
func roundLog(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	return r
}

// formatLog formats a tick value of a log axis without float noise
// ("0.003", not "0.0030000000000000005") and without an exponent where
// a plain number is short ("1e-5" where one is needed).
func formatLog(v float64) string {
	r := roundLog(v)
	return formatLogStyle(r, r < 1e-4 || r >= 1e6)
}

// formatLogStyle formats a tick value of a log axis as a plain number, or
// in scientific notation ("2e-5", "1e0") if sci.
func formatLogStyle(v float64, sci bool) string {
	r := roundLog(v)
	if !sci {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	e := exponent(r)
	return strconv.FormatFloat(roundLog(r/pow10(e)), 'f', -1, 64) + "e" + strconv.Itoa(e)
}

// axisOffsets draws the offsets that the tick labels of linearTicks axes
// are relative to (see labelOffset): the y axis's above the top left corner
// of the plotting area, the x axis's right of its right end, each in the
// axis's tick label font. Its glyph boxes make the plot leave room for
// them; where there is no offset it draws nothing and takes no room.
type axisOffsets struct{}

// offsets returns the offset texts of p's axes, "" for none.
func (axisOffsets) offsets(p *plot.Plot) (x, y string) {
	text := func(a *plot.Axis) string {
		t, ok := a.Tick.Marker.(linearTicks)
		if !ok {
			return ""
		}
		if _, off := t.ticks(a.Min, a.Max); off != 0 {
			return formatOffset(off)
		}
		return ""
	}
	return text(&p.X), text(&p.Y)
}

// offsetGap separates an offset from the plotting area.
const offsetGap = 3 // points

// offsetStyle returns the style of an axis's offset, anchored at its
// bottom left corner.
func offsetStyle(a *plot.Axis) text.Style {
	sty := a.Tick.Label
	sty.Rotation, sty.XAlign, sty.YAlign = 0, draw.XLeft, draw.YBottom
	return sty
}

// GlyphBoxes implements plot.GlyphBoxer. The boxes have no width (the y
// offset) or no height (the x offset), so that the plot makes room for
// them only in the direction that needs it.
func (o axisOffsets) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	x, y := o.offsets(p)
	var boxes []plot.GlyphBox
	if y != "" {
		h := offsetStyle(&p.Y).Height(y)
		boxes = append(boxes, plot.GlyphBox{X: 0, Y: 1, Rectangle: vg.Rectangle{
			Min: vg.Point{Y: vg.Points(offsetGap)}, Max: vg.Point{Y: vg.Points(offsetGap) + h}}})
	}
	if x != "" {
		w := offsetStyle(&p.X).Width(x)
		boxes = append(boxes, plot.GlyphBox{X: 1, Y: 0, Rectangle: vg.Rectangle{
			Min: vg.Point{X: vg.Points(offsetGap)}, Max: vg.Point{X: vg.Points(offsetGap) + w}}})
	}
	return boxes
}

// Plot implements plot.Plotter.
func (o axisOffsets) Plot(dc draw.Canvas, p *plot.Plot) {
	x, y := o.offsets(p)
	if y != "" {
		dc.FillText(offsetStyle(&p.Y), vg.Point{X: dc.Min.X, Y: dc.Max.Y + vg.Points(offsetGap)}, y)
	}
	if x != "" {
		dc.FillText(offsetStyle(&p.X), vg.Point{X: dc.Max.X + vg.Points(offsetGap), Y: dc.Min.Y}, x)
	}
}
