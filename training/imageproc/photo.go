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
	gridCells     = 32   // the background is estimated on a grid this many cells along the longer side
	closeCells    = 2    // ... closed with a square of this radius in cells, which removes ink up to ~5 cells wide
	paperQuantile = 0.75 // a cell's paper level: this quantile of its pixels (ink is the dark minority)
	inkSigmas     = 5    // ink must stand this many noise σ above the paper
	minInkLevel   = 10   // ... and at least this many levels of 255 of relative darkening
	lineLength    = 0.4  // a ruled line runs at least this fraction of the image's width (or height)
	lineMaxAngle  = 12   // ... within this many degrees of horizontal (or vertical)
	lineGap       = 2    // ... with gaps of at most this many pixels (faint stretches, JPEG)
	maxLineWidth  = 6    // a stroke crossing a line is restored over at most this many pixels
	speckFraction = 0.02 // marks smaller than this fraction of the digit's main stroke are specks
	nearFraction  = 0.35 // marks within this fraction of the main stroke's size of it belong to the digit
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
// how much darker than its paper each pixel is, from 0 (paper) to 1
// (black), (paper − v)/paper, and the histogram of that in 256 levels.
//
// The paper's brightness at every pixel is the paperQuantile of each cell
// of a grid, closed (a maximum, then a minimum, over closeCells around each
// cell) so that ink narrower than about five cells is filled in while a
// shadow's edge stays where it is, smoothed, and interpolated bilinearly
// between cell centres. Dividing by it evens out shadows and gradients.
// The interpolation, the division and the histogram share one pass: this
// runs for every colour channel of every image classified.
func evened(g *image.Gray) (*fplane, histogram) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	cell := max(2, (max(w, h)+gridCells-1)/gridCells)
	gw, gh := (w+cell-1)/cell, (h+cell-1)/cell
	grid := make([]float64, gw*gh)
	var hist histogram
	for cy := range gh {
		for cx := range gw {
			hist = histogram{}
			for y := cy * cell; y < min(h, (cy+1)*cell); y++ {
				hist.add(g.Pix[y*g.Stride+cx*cell:][:min(w, (cx+1)*cell)-cx*cell])
			}
			grid[cy*gw+cx] = float64(hist.quantile(paperQuantile))
		}
	}
	grid = gridFilter(grid, gw, gh, closeCells, math.Max)
	grid = gridFilter(grid, gw, gh, closeCells, math.Min)
	grid = gridMean(grid, gw, gh)

	// Bilinear interpolation between cell centres, separably: the grid's
	// columns at each row, then along the row, where the paper changes by
	// a constant step per pixel between two cell centres.
	tap := func(i, cells int) (int, int, float64) {
		f := (float64(i)+0.5)/float64(cell) - 0.5
		i0 := min(cells-1, max(0, int(math.Floor(f))))
		return i0, min(cells-1, i0+1), min(1, max(0, f-float64(i0)))
	}
	xi, xt := make([]int32, w), make([]float64, w)
	for x := range w {
		x0, _, t := tap(x, gw)
		xi[x], xt[x] = int32(x0), t
	}
	col := make([]float64, gw+1)
	paper := make([]float32, w)
	e := newFplane(w, h)
	hist = histogram{}
	for y := range h {
		y0, y1, t := tap(y, gh)
		for cx := range gw {
			col[cx] = grid[y0*gw+cx]*(1-t) + grid[y1*gw+cx]*t
		}
		col[gw] = col[gw-1] // the last centre's right neighbour, for x1 = x0+1
		for x := range paper {
			c := col[xi[x]:][:2]
			p := float32(c[0] + (c[1]-c[0])*xt[x])
			if p < 1 {
				p = 1
			}
			paper[x] = p
		}
		in := g.Pix[y*g.Stride:][:w]
		out := e.pix[y*w:][:w]
		for x, p := range paper {
			// Comparisons, not min and max, which order NaNs: twice as fast.
			v := (p - float32(in[x])) / p
			if v < 0 {
				v = 0
			}
			out[x] = v
			hist[int(v*255+0.5)]++
		}
	}
	return e, hist
}

// gridFilter replaces each cell by pick (math.Max or math.Min) of the
// cells within r of it: a square filter, done as a pass along the rows
// and one along the columns.
func gridFilter(g []float64, w, h, r int, pick func(a, b float64) float64) []float64 {
	pass := func(in []float64, dx, dy int) []float64 {
		out := make([]float64, len(in))
		for y := range h {
			for x := range w {
				v := in[y*w+x]
				for k := -r; k <= r; k++ {
					if xx, yy := x+k*dx, y+k*dy; xx >= 0 && xx < w && yy >= 0 && yy < h {
						v = pick(v, in[yy*w+xx])
					}
				}
				out[y*w+x] = v
			}
		}
		return out
	}
	return pass(pass(g, 1, 0), 0, 1)
}

// gridMean smooths a grid with a 3×3 mean.
func gridMean(g []float64, w, h int) []float64 {
	out := make([]float64, len(g))
	for y := range h {
		for x := range w {
			var s float64
			n := 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if xx, yy := x+dx, y+dy; xx >= 0 && xx < w && yy >= 0 && yy < h {
						s += g[yy*w+xx]
						n++
					}
				}
			}
			out[y*w+x] = s / float64(n)
		}
	}
	return out
}

// inkThresholdOf returns the level (of 255) from which a pixel of an
// evened plane is ink, and the noise floor under it: Otsu's threshold
// between paper and ink, but never below the paper's noise (inkSigmas
// robust σ above its median) or minInkLevel, so that on blank or noisy
// paper nothing passes.
func inkThresholdOf(hist histogram) (threshold, floor int) {
	med := hist.quantile(0.5)
	sigma := 1.4826 * float64(hist.mad(med))
	floor = max(minInkLevel, med+int(math.Ceil(inkSigmas*max(sigma, 0.5))))
	return max(floor, otsu(hist)), floor
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
	for _, vertical := range []bool{false, true} {
		for _, f := range lineFamilies(m, vertical) {
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

// lineFamily is a direction in which a page has lines, in degrees from
// horizontal (or from vertical), and their typical length in pixels.
type lineFamily struct {
	deg    float64
	length int
}

// lineFamilies returns the directions in which the mask has ruled or
// squared lines: those whose projection puts at least lineLength of the
// image's width (height) of ink into each of two or more separate bins,
// tried every half degree up to lineMaxAngle (a page has many parallel
// lines; a digit has at most one long straight stroke, the stem of a 1
// or a 4). Neighbouring directions are all returned: perspective makes a
// page's lines converge.
func lineFamilies(m *bmask, vertical bool) []lineFamily {
	along, across := m.w, m.h
	if vertical {
		along, across = m.h, m.w
	}
	need := int(lineLength * float64(along))
	// The ink's coordinates, along and across the lines sought.
	var us, vs []float64
	for i, on := range m.pix {
		if !on {
			continue
		}
		u, v := i%m.w, i/m.w
		if vertical {
			u, v = v, u
		}
		us, vs = append(us, float64(u)), append(vs, float64(v))
	}
	if len(us) < 2*need {
		return nil
	}
	var found []lineFamily
	bins := make([]int, across+2*along+2)
	for a := -lineMaxAngle * 2; a <= lineMaxAngle*2; a++ {
		deg := float64(a) / 2
		slope := math.Tan(deg * math.Pi / 180)
		clear(bins)
		for k, u := range us {
			if b := int(math.Round(vs[k]-slope*u)) + along; b >= 0 && b < len(bins) {
				bins[b]++
			}
		}
		// Separate lines: runs of full bins more than a line's width
		// apart, each counted by its fullest bin.
		var lengths []int
		last := -maxLineWidth - 1
		for b, n := range bins {
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
	for start := lo; start < hi; start++ {
		runStart, last := -1, -1
		flush := func() {
			if runStart >= 0 && last-runStart+1 >= need {
				for u := runStart; u <= last; u++ {
					v := int(math.Round(float64(start) + slope*float64(u)))
					if v >= 0 && v < across && m.pix[at(u, v)] {
						lines.pix[at(u, v)] = true
					}
				}
			}
			runStart, last = -1, -1
		}
		for u := range along {
			v := int(math.Round(float64(start) + slope*float64(u)))
			if v < 0 || v >= across || !m.pix[at(u, v)] {
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

// component is a connected set of ink pixels.
type component struct {
	area   int
	box    image.Rectangle
	border bool // touches the image's edge
	pixels []int
}

// components labels the 8-connected components of a mask.
func components(m *bmask) []*component {
	label := make([]int32, len(m.pix))
	for i := range label {
		label[i] = -1
	}
	var out []*component
	stack := make([]int, 0, 1024)
	for i, v := range m.pix {
		if !v || label[i] >= 0 {
			continue
		}
		c := &component{box: image.Rectangle{Min: image.Pt(m.w, m.h)}}
		id := int32(len(out))
		label[i] = id
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := p%m.w, p/m.w
			c.pixels = append(c.pixels, p)
			c.box = c.box.Union(image.Rect(x, y, x+1, y+1))
			if x == 0 || y == 0 || x == m.w-1 || y == m.h-1 {
				c.border = true
			}
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= m.w || yy >= m.h {
						continue
					}
					if q := yy*m.w + xx; m.pix[q] && label[q] < 0 {
						label[q] = id
						stack = append(stack, q)
					}
				}
			}
		}
		c.area = len(c.pixels)
		out = append(out, c)
	}
	return out
}

// chooseDigit picks the digit among the marks of a page: the largest mark
// that does not touch the image's edge (or the largest of all, when every
// mark does: a digit filling its picture), and every other mark of more
// than speckFraction of its size within nearFraction of its size of it,
// such as the separate bar of a 5; specks, the edges of other pages and
// stray marks are left out. It returns the chosen marks' mask, empty when
// there is no mark larger than a speck (minInkPixels), how many marks it
// chose and how many there were.
func chooseDigit(m *bmask) (digit *bmask, chosen, marks int) {
	comps := components(m)
	digit = newBmask(m.w, m.h)
	if len(comps) == 0 {
		return digit, 0, 0
	}
	var main *component
	for _, c := range comps {
		if !c.border && (main == nil || c.area > main.area) {
			main = c
		}
	}
	if main == nil {
		for _, c := range comps {
			if main == nil || c.area > main.area {
				main = c
			}
		}
	}
	if main.area < minInkPixels {
		return digit, 0, len(comps) // only specks: sensor noise in a shadow, dust
	}
	size := max(main.box.Dx(), main.box.Dy())
	reach := main.box.Inset(-int(math.Ceil(nearFraction * float64(size))))
	for _, c := range comps {
		keep := c == main ||
			(c.area >= int(speckFraction*float64(main.area)) && c.box.Overlaps(reach) && (!c.border || c.box.In(reach)))
		if keep {
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
		if !chroma {
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
	return planes
}
