package imageproc

import (
	"image"
	"image/color"
	"math"
	"slices"

	"golang.org/x/image/draw"
)

// The steps that make a phone photo of a digit readable: evening out the
// light, picking the ink by contrast, removing ruled and squared lines and
// choosing the digit among the marks on the page. They work on the image
// brought down to at most workMax pixels on its longer side, enough for a
// 20-pixel frame, so that a 12-megapixel photo costs about what a small
// one does.

// workMax bounds the longer side of the working image.
const workMax = 640

// Tuning of the photo steps; see the functions for the reasons.
const (
	closeFraction   = 0.16 // the paper is the image closed along lines this long either way (of its longer side)
	closeHalfFrom   = 16   // ... computed at half size when the longer side is over twice this
	smoothFrom      = 320  // the ink mask is taken after a 3×3 mean when the longer side is over this
	inkSigmas       = 5    // ink must stand this many noise σ above the paper
	minInkLevel     = 10   // ... and at least this many levels of 255 of relative darkening
	lineLength      = 0.4  // a ruled line runs at least this fraction of the image's width (or height)
	lineMaxAngle    = 12   // ... within this many degrees of horizontal (or vertical)
	lineGap         = 2    // ... with gaps of at most this many pixels (faint stretches, JPEG)
	maxLineWidth    = 6    // a stroke crossing a line is restored over at most this many pixels
	lineThin        = 0.6  // a line is at most maxLineWidth thick over at least this fraction of its length
	speckFraction   = 0.02 // marks smaller than this fraction of the digit's main stroke are specks
	nearFraction    = 0.35 // marks within this fraction of the main stroke's size of a chosen mark belong to the digit
	digitExtent     = 2.5  // ... as long as the digit stays within this many times the main stroke's size
	borderOutweighs = 8    // a mark touching the edge is the digit if this many times larger than any other
	colourSpread    = 16   // a mark is coloured if its saturation differs from the paper's by this many levels
	thinStroke      = 0.08 // strokes narrower than this share of the digit's size are grown ...
	mnistStroke     = 0.13 // ... to this, the median of MNIST's digits
)

// fplane is a float image of the working size, row-major.
type fplane struct {
	w, h int
	pix  []float32
}

func newFplane(w, h int) *fplane { return &fplane{w: w, h: h, pix: make([]float32, w*h)} }

// bmask is a binary image of the working size, row-major.
type bmask struct {
	w, h int
	pix  []bool
}

func newBmask(w, h int) *bmask { return &bmask{w: w, h: h, pix: make([]bool, w*h)} }

// downscale returns g area-averaged so that its longer side is at most
// workMax; g itself when it is small enough.
func downscale(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	dw, dh := workSize(w, h)
	if dw == w && dh == h {
		return g
	}
	out := image.NewGray(image.Rect(0, 0, dw, dh))
	areaResize(out.Pix, g.Pix[g.PixOffset(g.Rect.Min.X, g.Rect.Min.Y):], g.Stride, 1, w, h, dw, dh)
	return out
}

// workSize is the working size of a w×h image: its longer side brought
// down to workMax, or unchanged when it is no longer.
func workSize(w, h int) (int, int) {
	side := max(w, h)
	if side <= workMax {
		return w, h
	}
	f := float64(side) / workMax
	return max(1, int(math.Round(float64(w)/f))), max(1, int(math.Round(float64(h)/f)))
}

// areaResize writes into dst (dw×dh, packed) the sw×sh plane src, whose
// rows are stride bytes apart and whose pixels are step bytes apart (1 for
// a gray plane, 4 for a channel of RGBA), resampled by a box filter: each
// target pixel is the mean of the source pixels it covers, at least one.
// golang.org/x/image/draw's ApproxBiLinear skips most source pixels when
// shrinking 12 megapixels sixfold, which turns sensor noise into noise of
// the working image, and its CatmullRom costs about a second there; the
// box filter reads every pixel once.
func areaResize(dst, src []uint8, stride, step, sw, sh, dw, dh int) {
	x0 := make([]int, dw+1)
	for tx := range dw {
		x0[tx] = tx * sw / dw
	}
	x0[dw] = sw
	acc := make([]uint32, sw)
	for ty := range dh {
		y0, y1 := ty*sh/dh, max(ty*sh/dh+1, (ty+1)*sh/dh)
		clear(acc)
		for y := y0; y < y1; y++ {
			row := src[y*stride:]
			for x := range acc {
				acc[x] += uint32(row[x*step])
			}
		}
		out := dst[ty*dw:][:dw]
		for tx := range out {
			a, b := x0[tx], max(x0[tx]+1, x0[tx+1])
			var sum uint32
			for _, v := range acc[a:b] {
				sum += v
			}
			n := uint32((b - a) * (y1 - y0))
			out[tx] = uint8((sum + n/2) / n)
		}
	}
}

// evened evens out the light of a plane whose ink is dark: it returns
// how much darker than its paper each pixel is, (paper − v)/paper, 0 on
// the paper and up to 1 (black); the paper's noise makes some of its
// pixels a little lighter than the paper, below 0.
//
// The paper's brightness comes from grey-level closings of the plane (a
// maximum, then a minimum) along lines in four directions, horizontal,
// vertical and the two diagonals, each closeFraction of the longer side
// either way: the paper at a pixel is the second highest of the four.
// A closing along a line fills in what is darker than the paper on both
// sides of it within its length, so a stroke, which is narrow across,
// is filled in along three directions of four (all but its own), and a
// blot of ink along at least two. A shadow's edge is a step, dark on one
// side only, so every line across it gives it back where it is: a square
// closing would instead fill in every wedge of shadow narrower than the
// square, where a curved shadow's edge meets the photo's edge, and take
// it for ink. The plane is extended beyond its edges with its edge values
// first, so that light fading towards an edge, as in a vignette, is a
// ramp going on, not a valley at the edge to be filled in. The closings
// run at half the working size, after a 3×3 mean that keeps the maxima
// from picking the sensor noise's peaks, and the paper is interpolated
// bilinearly. Dividing by it evens out shadows and gradients. The
// interpolation and the division share one pass: this runs for every
// colour channel of every image classified.
func evened(g *image.Gray) *fplane {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	s := 1
	if max(w, h) > 2*closeHalfFrom {
		s = 2
	}
	radius := int(math.Round(closeFraction * float64(max(w, h))))
	bg := paperOf(g, s, max(2, (radius+s-1)/s))
	gw, gh := bg.w, bg.h

	// Bilinear interpolation between the centres of the background's
	// pixels, separably: the background's columns at each row, then along
	// the row, where the paper changes by a constant step per pixel
	// between two centres.
	tap := func(i, cells int) (int, int, float32) {
		f := (float32(i)+0.5)/float32(s) - 0.5
		i0 := min(cells-1, max(0, int(math.Floor(float64(f)))))
		return i0, min(cells-1, i0+1), min(1, max(0, f-float32(i0)))
	}
	xi, xt := make([]int32, w), make([]float32, w)
	for x := range w {
		x0, _, t := tap(x, gw)
		xi[x], xt[x] = int32(x0), t
	}
	col := make([]float32, gw+1)
	paper := make([]float32, w)
	e := newFplane(w, h)
	for y := range h {
		y0, y1, t := tap(y, gh)
		r0, r1 := bg.pix[y0*gw:][:gw], bg.pix[y1*gw:][:gw]
		for cx := range gw {
			col[cx] = r0[cx] + (r1[cx]-r0[cx])*t
		}
		col[gw] = col[gw-1] // the last centre's right neighbour, for x1 = x0+1
		for x := range paper {
			c := col[xi[x]:][:2]
			p := c[0] + (c[1]-c[0])*xt[x]
			if p < 1 {
				p = 1
			}
			paper[x] = p
		}
		in := g.Pix[y*g.Stride:][:w]
		out := e.pix[y*w:][:w]
		for x, p := range paper {
			out[x] = (p - float32(in[x])) / p
		}
	}
	return e
}

// levelsOf returns the distribution of an evened plane's levels.
func levelsOf(e *fplane) evenLevels {
	var lv evenLevels
	for _, v := range e.pix {
		// Comparisons, not min and max, which order NaNs: twice as fast.
		if v < 0 {
			if v < -1 {
				v = -1
			}
			lv.lighter[int(-v*255+0.5)]++
			v = 0
		}
		if v > 1 {
			v = 1
		}
		lv.hist[int(v*255+0.5)]++
	}
	return lv
}

// smoothed returns the plane smoothed by a 3×3 mean.
func (p *fplane) smoothed() *fplane {
	q := &fplane{w: p.w, h: p.h, pix: slices.Clone(p.pix)}
	q.filter(1, mean3)
	return q
}

// evenLevels is the distribution of an evened plane: hist counts its pixels
// by level of 255 (those lighter than the paper at 0), lighter counts
// those lighter than the paper by how much.
type evenLevels struct {
	hist, lighter histogram
}

// noise returns the median and the robust σ (1.4826 times the median
// absolute deviation) of the evened levels, lighter pixels counted as
// negative: the paper's level and noise, ink being the minority.
func (lv *evenLevels) noise() (median, sigma float64) {
	var signed [511]int // level + 255
	for v, c := range lv.hist {
		signed[255+v] = c
	}
	for k := 1; k < 256; k++ {
		signed[255-k] = lv.lighter[k]
		signed[255] -= lv.lighter[k]
	}
	med := quantileOf(signed[:], 0.5)
	var dev [511]int
	for v, c := range signed {
		d := v - med
		if d < 0 {
			d = -d
		}
		dev[d] += c
	}
	return float64(med - 255), 1.4826 * float64(quantileOf(dev[:], 0.5))
}

// paperOf returns the paper's brightness under a plane whose ink is dark,
// at 1/s of its size: the s×s means of the plane, smoothed by a 3×3 mean
// and closed along lines r pixels (of that size) either way, as evened
// describes.
func paperOf(g *image.Gray, s, r int) *fplane {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	bg := newFplane((w+s-1)/s, (h+s-1)/s)
	for y := range h {
		row := g.Pix[y*g.Stride:][:w]
		out := bg.pix[y/s*bg.w:][:bg.w]
		for x, v := range row {
			out[x/s] += float32(v)
		}
	}
	for y := range bg.h {
		for x := range bg.w {
			n := (min(h, (y+1)*s) - y*s) * (min(w, (x+1)*s) - x*s)
			bg.pix[y*bg.w+x] /= float32(n)
		}
	}
	bg.filter(1, mean3)

	// Closings along lines in four directions (a diagonal's r steps are as
	// long as the others' r); the paper is the second highest of the four
	// at each pixel.
	rd := max(1, int(math.Round(float64(r)/math.Sqrt2)))
	c := newFplane(bg.w, bg.h)
	hi1, hi2 := make([]float32, len(bg.pix)), make([]float32, len(bg.pix)) // the highest and second highest so far
	buf := newCloseBuf(max(bg.w, bg.h), r)
	for k, d := range [4][3]int{{1, 0, r}, {0, 1, r}, {1, 1, rd}, {-1, 1, rd}} {
		copy(c.pix, bg.pix)
		c.closeAlong(d[0], d[1], d[2], buf)
		if k == 0 {
			copy(hi1, c.pix)
			continue
		}
		for i, v := range c.pix {
			switch {
			case k == 1:
				hi1[i], hi2[i] = max(hi1[i], v), min(hi1[i], v)
			case v > hi1[i]:
				hi1[i], hi2[i] = v, hi1[i]
			case v > hi2[i]:
				hi2[i] = v
			}
		}
	}
	copy(bg.pix, hi2)
	return bg
}

// closeAlong closes p (a maximum, then a minimum) along the lines of
// direction (dx, dy), dy ≥ 0, over r steps either way, each line as if it
// went on beyond its ends with its end values (see closeLine).
func (p *fplane) closeAlong(dx, dy, r int, b *closeBuf) {
	line, out, buf, idx := b.line, b.out, b.buf, b.idx
	if dy == 0 {
		// Rows are lines already.
		for y := range p.h {
			row := p.pix[y*p.w:][:p.w]
			closeLine(out[:p.w], row, buf, r)
			copy(row, out[:p.w])
		}
		return
	}
	for y := range p.h {
		for x := range p.w {
			// Start where the line enters the plane.
			if px, py := x-dx, y-dy; px >= 0 && px < p.w && py >= 0 && py < p.h {
				continue
			}
			k := 0
			for xx, yy := x, y; xx >= 0 && xx < p.w && yy < p.h; xx, yy = xx+dx, yy+dy {
				idx[k] = int32(yy*p.w + xx)
				line[k] = p.pix[idx[k]]
				k++
			}
			closeLine(out[:k], line[:k], buf, r)
			for j, i := range idx[:k] {
				p.pix[i] = out[j]
			}
		}
	}
}

// closeBuf is the scratch space of closeAlong for lines of up to n values
// closed over up to r either way.
type closeBuf struct {
	line, out, buf []float32
	idx            []int32
}

func newCloseBuf(n, r int) *closeBuf {
	return &closeBuf{line: make([]float32, n), out: make([]float32, n), buf: make([]float32, 3*(n+2*r)), idx: make([]int32, n)}
}

// closeLine sets dst to the closing of src over r either way, src taken as
// going on beyond its ends with its end values: light that fades towards
// an edge, as in a vignette, then reads as fading on (a monotone ramp,
// which a closing gives back exactly), not as a dark valley at the edge
// to be filled in. That is the closing with windows cut at the ends,
// except within r of an end, where the windows beyond it bring in the
// running maximum from the end: max(src[0..i]) near the start.
func closeLine(dst, src, buf []float32, r int) {
	n := len(src)
	maxFilter(dst, src, buf, r)
	minFilter(dst, dst, buf, r)
	run := src[0]
	for i := range min(r, n) {
		if src[i] > run {
			run = src[i]
		}
		if run < dst[i] {
			dst[i] = run
		}
	}
	run = src[n-1]
	for i := n - 1; i >= max(0, n-r); i-- {
		if src[i] > run {
			run = src[i]
		}
		if run < dst[i] {
			dst[i] = run
		}
	}
}

// filter applies a one-dimensional filter of radius r along the rows of
// p and then along its columns.
func (p *fplane) filter(r int, f func(dst, src, buf []float32, r int)) {
	line := make([]float32, max(p.w, p.h))
	out := make([]float32, max(p.w, p.h))
	buf := make([]float32, 3*(max(p.w, p.h)+2*r))
	for y := range p.h {
		row := p.pix[y*p.w:][:p.w]
		f(out[:p.w], row, buf, r)
		copy(row, out[:p.w])
	}
	for x := range p.w {
		for y := range p.h {
			line[y] = p.pix[y*p.w+x]
		}
		f(out[:p.h], line[:p.h], buf, r)
		for y := range p.h {
			p.pix[y*p.w+x] = out[y]
		}
	}
}

// mean3 is the mean of each value and its neighbours (r = 1), of the
// values that exist at the ends.
func mean3(dst, src, _ []float32, _ int) {
	n := len(src)
	if n == 1 {
		dst[0] = src[0]
		return
	}
	dst[0] = (src[0] + src[1]) / 2
	for i := 1; i < n-1; i++ {
		dst[i] = (src[i-1] + src[i] + src[i+1]) / 3
	}
	dst[n-1] = (src[n-2] + src[n-1]) / 2
}

// maxFilter sets dst[i] to the maximum of src within r of i, in three
// comparisons a value whatever r is (van Herk 1992; Gil and Werman 1993):
// the padded line is cut into blocks of 2r+1, and each window, which spans
// at most two blocks, is the maximum of a suffix of one and a prefix of
// the next. buf holds at least 3(len(src)+2r) values.
func maxFilter(dst, src, buf []float32, r int) {
	k, n := 2*r+1, len(src)+2*r
	p, pre, suf := buf[:n], buf[n:2*n], buf[2*n:3*n]
	inf := float32(math.Inf(-1))
	for i := range r {
		p[i], p[n-1-i] = inf, inf
	}
	copy(p[r:], src)
	// Comparisons, not max, which orders NaNs: several times faster.
	for start := 0; start < n; start += k {
		end := min(start+k, n)
		m := p[start]
		for i := start; i < end; i++ {
			if v := p[i]; v > m {
				m = v
			}
			pre[i] = m
		}
		m = p[end-1]
		for i := end - 1; i >= start; i-- {
			if v := p[i]; v > m {
				m = v
			}
			suf[i] = m
		}
	}
	pre = pre[2*r:]
	for i := range dst {
		a, b := suf[i], pre[i]
		if b > a {
			a = b
		}
		dst[i] = a
	}
}

// minFilter sets dst[i] to the minimum of src within r of i: maxFilter of
// the negated values.
func minFilter(dst, src, buf []float32, r int) {
	for i, v := range src {
		dst[i] = -v
	}
	maxFilter(dst, dst, buf, r)
	for i, v := range dst {
		dst[i] = -v
	}
}

// inkThresholdOf returns the level (of 255) from which a pixel of an
// evened plane is ink, and the noise floor under it: Otsu's threshold
// between paper and ink, but never below the paper's noise (inkSigmas
// robust σ above its median) or minInkLevel, so that on blank or noisy
// paper nothing passes.
func inkThresholdOf(lv evenLevels) (threshold, floor int) {
	med, sigma := lv.noise()
	floor = max(minInkLevel, int(math.Ceil(med+inkSigmas*max(sigma, 0.5))))
	return max(floor, otsu(lv.hist)), floor
}

// otsu returns Otsu's threshold of a histogram: the level that best
// separates it into two classes (the first level of the upper class).
func otsu(hist histogram) int {
	var n, sum float64
	for v, c := range hist {
		n += float64(c)
		sum += float64(v) * float64(c)
	}
	var w0, sum0, best float64
	level := 0
	for v, c := range hist {
		w0 += float64(c)
		if w0 == 0 {
			continue
		}
		w1 := n - w0
		if w1 == 0 {
			break
		}
		sum0 += float64(v) * float64(c)
		m0, m1 := sum0/w0, (sum-sum0)/w1
		if between := w0 * w1 * (m0 - m1) * (m0 - m1); between > best {
			best, level = between, v+1
		}
	}
	return level
}

// maskOf returns the pixels of an evened plane at or above a level.
func maskOf(e *fplane, level int) *bmask {
	m := newBmask(e.w, e.h)
	t := (float32(level) - 0.5) / 255
	for i, v := range e.pix {
		m.pix[i] = v >= t
	}
	return m
}

// removeLines finds the ruled and squared lines of a page in an ink mask,
// parallel long thin straight runs of ink across most of the image within
// lineMaxAngle of horizontal or vertical, and returns the mask without
// them and the lines found. Where a stroke crosses a line, the line's
// pixels between the stroke's two sides are kept, so that the digit is not
// cut. The lines' directions are found first from projections of the ink
// (a Hough transform restricted to near-horizontal and near-vertical
// lines), so that only the few directions that hold lines are traced.
func removeLines(m *bmask) (cleaned, lines *bmask) {
	lines = newBmask(m.w, m.h)
	xs, ys := inkAt(m)
	for _, vertical := range []bool{false, true} {
		us, vs := xs, ys
		if vertical {
			us, vs = ys, xs
		}
		for _, f := range lineFamilies(m, us, vs, vertical) {
			traceLines(m, lines, f, vertical)
		}
	}
	cleaned = newBmask(m.w, m.h)
	for i, v := range m.pix {
		cleaned.pix[i] = v && !lines.pix[i]
	}
	// Restore the crossings: a line pixel with stroke ink on both sides
	// across the line (above and below it, or left and right).
	restored := slices.Clone(cleaned.pix)
	for y := range m.h {
		for x := range m.w {
			i := y*m.w + x
			if !lines.pix[i] {
				continue
			}
			if crossed(cleaned, x, y, 0, 1) || crossed(cleaned, x, y, 1, 0) {
				restored[i] = true
			}
		}
	}
	cleaned.pix = restored
	return cleaned, lines
}

// crossed reports whether ink lies within maxLineWidth of (x, y) on both
// sides along (dx, dy).
func crossed(m *bmask, x, y, dx, dy int) bool {
	side := func(s int) bool {
		for k := 1; k <= maxLineWidth; k++ {
			xx, yy := x+s*k*dx, y+s*k*dy
			if xx < 0 || yy < 0 || xx >= m.w || yy >= m.h {
				return false
			}
			if m.pix[yy*m.w+xx] {
				return true
			}
		}
		return false
	}
	return side(-1) && side(1)
}

// inkAt returns the coordinates of a mask's ink.
func inkAt(m *bmask) (xs, ys []int32) {
	n := 0
	for _, on := range m.pix {
		if on {
			n++
		}
	}
	xs, ys = make([]int32, 0, n), make([]int32, 0, n)
	for y := range m.h {
		for x, on := range m.pix[y*m.w:][:m.w] {
			if on {
				xs, ys = append(xs, int32(x)), append(ys, int32(y))
			}
		}
	}
	return xs, ys
}

// lineFamily is a direction in which a page has lines, in degrees from
// horizontal (or from vertical), and their typical length in pixels.
type lineFamily struct {
	deg    float64
	length int
}

// lineFamilies returns the directions in which the mask has ruled or
// squared lines: those whose projection puts at least lineLength of the
// image's width (height) of ink into each of two or more separate bins
// (give or take a pixel), tried every half degree (on a small image,
// every few) up to lineMaxAngle (a page has many parallel lines; a digit
// has at most one long straight stroke, the stem of a 1 or a 4).
// Neighbouring directions are all returned: perspective makes a page's
// lines converge. us and vs are the ink's coordinates along and across
// the lines sought.
func lineFamilies(m *bmask, us, vs []int32, vertical bool) []lineFamily {
	along, across := m.w, m.h
	if vertical {
		along, across = m.h, m.w
	}
	need := int(lineLength * float64(along))
	if len(us) < 2*need {
		return nil
	}
	var found []lineFamily
	bins := make([]int32, across+2*along+2)
	shift := make([]int32, along) // where the line through (u, 0) is at u=0, offset by along
	// Directions a step apart such that a line between two of them drifts
	// at most a pixel and a half from either over the image, which the
	// bins' tolerance of a pixel absorbs: half a degree at 640 pixels,
	// two at 96.
	step := min(2, max(0.5, 2*math.Atan(1.5/float64(along))*180/math.Pi))
	steps := int(math.Ceil(lineMaxAngle / step))
	for a := -steps; a <= steps; a++ {
		deg := float64(a) * lineMaxAngle / float64(steps)
		slope := math.Tan(deg * math.Pi / 180)
		for u := range shift {
			shift[u] = int32(math.Round(-slope*float64(u))) + int32(along)
		}
		clear(bins)
		for k, u := range us {
			bins[vs[k]+shift[u]]++
		}
		// Separate lines: runs of full bins more than a line's width
		// apart, each counted by its fullest bin.
		var lengths []int
		last := -maxLineWidth - 1
		for b := 1; b < len(bins)-1; b++ {
			// A line drifting a pixel across the direction (perspective,
			// the paper's curl) spreads over neighbouring bins; a line is
			// no longer than the image.
			n := min(along, int(bins[b-1]+bins[b]+bins[b+1]))
			if n < need {
				continue
			}
			if b-last > maxLineWidth || len(lengths) == 0 {
				lengths = append(lengths, n)
			} else {
				lengths[len(lengths)-1] = max(lengths[len(lengths)-1], n)
			}
			last = b
		}
		if len(lengths) >= 2 {
			slices.Sort(lengths)
			found = append(found, lineFamily{deg: deg, length: lengths[len(lengths)/2]})
		}
	}
	return found
}

// traceLines follows the mask along a family's direction and marks in
// lines every run of ink, bridging gaps of up to lineGap pixels, at least
// three quarters as long as the family's lines (and lineLength of the
// image): a digit's stroke parallel to the lines, shorter than they, stays.
func traceLines(m, lines *bmask, f lineFamily, vertical bool) {
	along, across := m.w, m.h
	if vertical {
		along, across = m.h, m.w
	}
	slope := math.Tan(f.deg * math.Pi / 180)
	need := max(int(lineLength*float64(along)), f.length*3/4)
	lo := int(math.Floor(math.Min(0, -slope*float64(along)))) - 1
	hi := across + int(math.Ceil(math.Max(0, -slope*float64(along)))) + 1
	at := func(u, v int) int {
		if vertical {
			return u*m.w + v
		}
		return v*m.w + u
	}
	// inkNear returns where, within a pixel of the path at u, the line's
	// ink is (the path itself first), or -1: a page's lines bend a little
	// (perspective, the paper's curl) and drift across a straight path.
	inkNear := func(u, v int) int {
		for _, d := range [3]int{0, -1, 1} {
			if vv := v + d; vv >= 0 && vv < across && m.pix[at(u, vv)] {
				return vv
			}
		}
		return -1
	}
	path := func(start, u int) int { return int(math.Round(float64(start) + slope*float64(u))) }
	for start := lo; start < hi; start++ {
		runStart, last := -1, -1
		flush := func() {
			if runStart >= 0 && last-runStart+1 >= need && thinRun(m, runStart, last, func(u int) int { return inkNear(u, path(start, u)) }, at, across) {
				for u := runStart; u <= last; u++ {
					v := path(start, u)
					for vv := max(0, v-1); vv <= min(across-1, v+1); vv++ {
						if m.pix[at(u, vv)] {
							lines.pix[at(u, vv)] = true
						}
					}
				}
			}
			runStart, last = -1, -1
		}
		for u := range along {
			if inkNear(u, path(start, u)) < 0 {
				if last >= 0 && u-last > lineGap {
					flush()
				}
				continue
			}
			if runStart < 0 {
				runStart = u
			}
			last = u
		}
		flush()
	}
}

// thinRun reports whether a traced run of ink, from u = from to to with
// its ink at inkAt(u) (−1 for a gap), is a ruled line rather than a path
// along a digit's strokes: over most of its length (lineThin) the ink
// across it is at most maxLineWidth thick. A page's line is thin except
// where strokes cross it; a path through a big digit written with a thick
// pen, long enough to pass for a line, runs inside its strokes.
func thinRun(m *bmask, from, to int, inkAt func(u int) int, at func(u, v int) int, across int) bool {
	thin, n := 0, 0
	for u := from; u <= to; u++ {
		v := inkAt(u)
		if v < 0 {
			continue
		}
		n++
		width := 1
		for d := v - 1; d >= 0 && width <= maxLineWidth && m.pix[at(u, d)]; d-- {
			width++
		}
		for d := v + 1; d < across && width <= maxLineWidth && m.pix[at(u, d)]; d++ {
			width++
		}
		if width <= maxLineWidth {
			thin++
		}
	}
	return float64(thin) >= lineThin*float64(n)
}

// component is a connected set of ink pixels.
type component struct {
	area   int
	box    image.Rectangle
	border bool    // touches the image's edge
	pixels []int32 // their indices
}

// components labels the 8-connected components of a mask. Their pixels
// share one slice, filled breadth first: it is the queue of the search.
func components(m *bmask) []*component {
	n := 0
	for _, v := range m.pix {
		if v {
			n++
		}
	}
	order := make([]int32, 0, n)
	seen := make([]bool, len(m.pix))
	var out []*component
	for i, v := range m.pix {
		if !v || seen[i] {
			continue
		}
		seen[i] = true
		start := len(order)
		order = append(order, int32(i))
		x0, y0, x1, y1 := m.w, m.h, -1, -1
		border := false
		for head := start; head < len(order); head++ {
			p := int(order[head])
			x, y := p%m.w, p/m.w
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			if x == 0 || y == 0 || x == m.w-1 || y == m.h-1 {
				border = true
			}
			for yy := max(0, y-1); yy <= min(m.h-1, y+1); yy++ {
				for xx := max(0, x-1); xx <= min(m.w-1, x+1); xx++ {
					if q := yy*m.w + xx; m.pix[q] && !seen[q] {
						seen[q] = true
						order = append(order, int32(q))
					}
				}
			}
		}
		px := order[start:len(order):len(order)]
		out = append(out, &component{area: len(px), box: image.Rect(x0, y0, x1+1, y1+1), border: border, pixels: px})
	}
	return out
}

// chooseDigit picks the digit among the marks of a page: the largest mark
// that does not touch the image's edge (or the largest of all, when every
// mark does, or when it is borderOutweighs times larger than that one: a
// digit filling its picture, or joined to the edge by a line's remnant),
// and every other mark of more than speckFraction of its size within
// nearFraction of its size of a chosen mark, such as the separate bar of
// a 5 or the other half of a digit broken by a shadow's edge, as long as
// the digit's box stays within digitExtent times that size; specks, the
// edges of other pages and stray marks are left out. It returns the chosen marks' mask, empty when
// there is no mark larger than a speck (minInkPixels), how many marks it
// chose and how many there were.
func chooseDigit(m *bmask) (digit *bmask, chosen, marks int) {
	comps := components(m)
	digit = newBmask(m.w, m.h)
	if len(comps) == 0 {
		return digit, 0, 0
	}
	var main, largest *component
	for _, c := range comps {
		if !c.border && (main == nil || c.area > main.area) {
			main = c
		}
		if largest == nil || c.area > largest.area {
			largest = c
		}
	}
	// A digit joined to the edge by what is left of a line, or cut by
	// the photo's edge, still outweighs the specks by far.
	if main == nil || largest.area > borderOutweighs*main.area {
		main = largest
	}
	if main.area < minInkPixels {
		return digit, 0, len(comps) // only specks: sensor noise in a shadow, dust
	}
	// Marks near a chosen one join it, in turn: a digit broken in two by
	// a shadow's edge or a skipping pen is two large marks, each with its
	// small pieces, and the far one's pieces are near the near one only.
	// The digit stays within digitExtent of its main mark's size.
	size := max(main.box.Dx(), main.box.Dy())
	near := int(math.Ceil(nearFraction * float64(size)))
	speck := int(speckFraction * float64(main.area))
	in := make([]bool, len(comps))
	var candidates []int // the marks larger than a speck
	for i, c := range comps {
		if c == main {
			in[i] = true
		} else if c.area >= speck {
			candidates = append(candidates, i)
		}
	}
	reaches := []image.Rectangle{main.box.Inset(-near)} // of the chosen marks
	union := main.box
	for added := true; added; {
		added = false
		for _, i := range candidates {
			c := comps[i]
			if in[i] {
				continue
			}
			grown := union.Union(c.box)
			if max(grown.Dx(), grown.Dy()) > int(digitExtent*float64(size)) {
				continue
			}
			for _, reach := range reaches {
				if c.box.Overlaps(reach) && (!c.border || c.box.In(reach)) {
					in[i], added, union = true, true, grown
					reaches = append(reaches, c.box.Inset(-near))
					break
				}
			}
		}
	}
	for i, c := range comps {
		if in[i] {
			chosen++
			for _, p := range c.pixels {
				digit.pix[p] = true
			}
		}
	}
	return digit, chosen, len(comps)
}

// dilate grows a mask by one pixel in every direction (3×3).
func dilate(m *bmask) *bmask {
	out := newBmask(m.w, m.h)
	for y := range m.h {
		for x := range m.w {
			if !m.pix[y*m.w+x] {
				continue
			}
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if xx, yy := x+dx, y+dy; xx >= 0 && yy >= 0 && xx < m.w && yy < m.h {
						out.pix[yy*m.w+xx] = true
					}
				}
			}
		}
	}
	return out
}

// gray returns a plane as an 8-bit image: ink (1) white on black (0) if
// inkWhite, else dark on white.
func (p *fplane) gray(inkWhite bool) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, p.w, p.h))
	for i, v := range p.pix {
		l := uint8(min(255, max(0, v*255+0.5)))
		if !inkWhite {
			l = 255 - l
		}
		g.Pix[i] = l
	}
	return g
}

// gray returns a mask as an 8-bit image, set pixels white.
func (m *bmask) gray() *image.Gray {
	g := image.NewGray(image.Rect(0, 0, m.w, m.h))
	for i, v := range m.pix {
		if v {
			g.Pix[i] = 255
		}
	}
	return g
}

// colourPlanes returns the red, green and blue of a colour image,
// area-averaged to the working size of work (its luma, already brought
// down), or nil for an image without colour: gray, or a drawing with
// transparency, whose luma flattened onto a contrasting background is the
// ink. A JPEG's chroma planes are brought down on their own and converted
// with work as Y once per working pixel, since YCbCr is linear in RGB.
func colourPlanes(img image.Image, work *image.Gray) []*image.Gray {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	w, h := work.Rect.Dx(), work.Rect.Dy()
	planes := make([]*image.Gray, 3)
	for k := range planes {
		planes[k] = image.NewGray(image.Rect(0, 0, w, h))
	}
	switch src := img.(type) {
	case *image.Gray, *image.Gray16:
		return nil
	case *image.YCbCr:
		// The chroma planes cover the luma plane's rectangle at their own
		// resolution; each is resized straight to the working size.
		c0 := src.COffset(b.Min.X, b.Min.Y)
		c1 := src.COffset(b.Max.X-1, b.Max.Y-1)
		cw := c1%src.CStride - c0%src.CStride + 1
		ch := c1/src.CStride - c0/src.CStride + 1
		cb, cr := make([]uint8, w*h), make([]uint8, w*h)
		areaResize(cb, src.Cb[c0:], src.CStride, 1, cw, ch, w, h)
		areaResize(cr, src.Cr[c0:], src.CStride, 1, cw, ch, w, h)
		chroma := false
		for i := range cb {
			chroma = chroma || absDiff(int(cb[i]), 128) > 2 || absDiff(int(cr[i]), 128) > 2
			y := work.Pix[i/w*work.Stride+i%w]
			planes[0].Pix[i], planes[1].Pix[i], planes[2].Pix[i] = color.YCbCrToRGB(y, cb[i], cr[i])
		}
		if !chroma || !colourful(planes) {
			return nil
		}
		return planes
	}
	var pix []uint8
	stride := 0
	switch src := img.(type) {
	case *image.RGBA:
		pix, stride = src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride
	case *image.NRGBA:
		pix, stride = src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride
	default:
		rgba := image.NewRGBA(image.Rect(0, 0, sw, sh))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
		pix, stride = rgba.Pix, rgba.Stride
	}
	colour := false
	for y := range sh {
		row := pix[y*stride:][:4*sw]
		for x := 0; x < len(row); x += 4 {
			p := row[x : x+4 : x+4]
			if p[3] != 255 {
				return nil
			}
			colour = colour || p[0] != p[1] || p[1] != p[2]
		}
	}
	if !colour {
		return nil
	}
	for k, plane := range planes {
		areaResize(plane.Pix, pix[k:], stride, 4, sw, sh, w, h)
	}
	if !colourful(planes) {
		return nil
	}
	return planes
}

// colourful reports whether the red, green and blue planes of a photo
// hold coloured marks worth reading the ink in: pixels whose saturation
// (the spread of their red, green and blue) differs from the paper's by
// colourSpread levels or more, at least 1/inkShare of them. Black ink or
// pencil on paper with a tint has none, and is read in luma alone: that
// saves three quarters of the work.
func colourful(planes []*image.Gray) bool {
	r, g, b := planes[0].Pix, planes[1].Pix, planes[2].Pix
	var spread histogram
	for i := range r {
		hi := max(r[i], g[i], b[i])
		lo := min(r[i], g[i], b[i])
		spread[hi-lo]++
	}
	paper := spread.quantile(0.5)
	n := 0
	for v, c := range spread {
		if absDiff(v, paper) >= colourSpread {
			n += c
		}
	}
	return n > 0 && n >= len(r)/inkShare
}

// strokeOf returns the typical width of the strokes of a mask, twice its
// area over its boundary (the pixels with a 4-neighbour outside it: a
// stroke's two sides), and the longer side of its bounding box.
func strokeOf(m *bmask) (width, size float64) {
	area, edge := 0, 0
	box := image.Rectangle{Min: image.Pt(m.w, m.h)}
	for y := range m.h {
		for x := range m.w {
			if !m.pix[y*m.w+x] {
				continue
			}
			area++
			box = box.Union(image.Rect(x, y, x+1, y+1))
			if x == 0 || y == 0 || x == m.w-1 || y == m.h-1 ||
				!m.pix[y*m.w+x-1] || !m.pix[y*m.w+x+1] || !m.pix[(y-1)*m.w+x] || !m.pix[(y+1)*m.w+x] {
				edge++
			}
		}
	}
	if edge == 0 {
		return 0, 0
	}
	return 2 * float64(area) / float64(edge), float64(max(box.Dx(), box.Dy()))
}

// restroke grows the strokes of a digit's ink, whose chosen marks are
// digit, by a grey-level maximum over a square to mnistStroke of the
// digit's size (but to at most seven times their width) when they are
// narrower than thinStroke of it. It returns
// the strokes' width as written, as a share of the size, and by how many
// pixels a side they were grown. Broad strokes are left as they are:
// thinning them by a minimum was measured to lose more digits (loops
// close up) than it saved.
func restroke(ink *image.Gray, digit *bmask) (stroke float64, by int) {
	// Measured on the largest mark, the digit's body: a remnant of a line
	// kept beside it would make the strokes look far finer than they are.
	// The other marks kept beside it are finer (a line's remnant) or as
	// broad (a 5's bar) and widen the box, so when all of them together
	// measure broad enough, the body is taken to as well, without
	// labelling the marks: most digits end here.
	if w, size := strokeOf(digit); size > 0 && w/size >= thinStroke {
		return w / size, 0
	}
	var main *component
	for _, c := range components(digit) {
		if main == nil || c.area > main.area {
			main = c
		}
	}
	if main == nil {
		return 0, 0
	}
	body := newBmask(digit.w, digit.h)
	for _, p := range main.pixels {
		body.pix[p] = true
	}
	width, size := strokeOf(body)
	if size == 0 {
		return 0, 0
	}
	stroke = width / size
	if stroke >= thinStroke {
		return stroke, 0
	}
	// At most to seven times as wide: a stroke measured far finer than
	// any pen is something else.
	by = min(int(math.Round(3*width)), int(math.Round((mnistStroke*size-width)/2)))
	if by <= 0 {
		return stroke, 0
	}
	p := newFplane(ink.Rect.Dx(), ink.Rect.Dy())
	for y := range p.h {
		for x, v := range ink.Pix[y*ink.Stride:][:p.w] {
			p.pix[y*p.w+x] = float32(v)
		}
	}
	p.filter(by, maxFilter)
	for y := range p.h {
		row := ink.Pix[y*ink.Stride:][:p.w]
		for x := range row {
			row[x] = uint8(p.pix[y*p.w+x])
		}
	}
	return stroke, by
}
