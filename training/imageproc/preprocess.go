// Package imageproc turns image files into the 28×28 frames the network
// sees, computes the statistics frames are normalised with, and augments
// training frames on the fly.
//
// Preprocess is the one path from a decoded image to a frame, shared by
// folder datasets and by images dropped on the window, so that a digit is
// seen the same way in training and in classification. It follows the MNIST
// convention: bright ink on a black background, the ink scaled to fit a
// Box×Box square and centred by centre of mass in a Size×Size frame.
//
// Coordinates follow the MNIST convention too: pixel (x, y) is the point
// (x, y), so the centre of mass of a frame is Σ v·x / Σ v over pixel indices,
// and Preprocess puts it within half a pixel of (14, 14), the same place as
// in MNIST's own frames (in the "pixel centres at i+0.5" convention that is
// (14.5, 14.5)). Rotations in Augment turn about the geometric centre of the
// frame, (13.5, 13.5) in this convention.
//
// Inputs are untrusted: no input makes these functions panic; files that are
// not images, are damaged, empty, have no pixels or declare more than
// MaxPixels are rejected with an error that says what was wrong and what is
// allowed, and images without ink give ErrBlank. Likewise Validate and
// ParseAugment reject NaN and out-of-range augmentation settings, and
// ComputeStats never returns a zero or NaN standard deviation.
package imageproc

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"

	"golang.org/x/image/draw"
)

// The frame the network sees and the limit on input images.
const (
	Size      = 28          // side of the frame the network sees
	Pixels    = Size * Size // 784
	Box       = 20          // the ink is scaled to fit a Box×Box square (MNIST convention)
	MaxPixels = 50_000_000  // images whose header declares more pixels are rejected before decoding
)

// ErrBlank means an image has no ink to classify: it is uniform, or its
// brightest stroke barely differs from the background. Preprocess wraps it
// with the reason.
var ErrBlank = errors.New("no digit found in the image (it is blank)")

// Tuning of Preprocess; see the doc comment of Preprocess for the reasons.
const (
	ringDivisor   = 32    // the border ring is min(width, height)/ringDivisor pixels thick (at least 1)
	ringPaper     = 0.8   // ... and its background level is this quantile of it
	tailFraction  = 0.001 // the darkest and brightest tails ignored when judging the tonal range
	minContrast   = 16    // brightest ink must be this many levels (of 255) above the floor
	inkThreshold  = 64    // contrast-stretched pixels at or above this are ink for the bounding box
	edgeThreshold = 16    // ... and those at or above this just outside it are its anti-aliased rim
	minStrokePeak = 16    // the ink shrunk to frame scale must reach this level (noise averages below it)
	minStrokeEdge = 128   // ... and somewhere change by this much of its peak (×255) between neighbours
	minInkPixels  = 12    // the ink's contrast is that of its darkest this many pixels (fewer are specks)
	inkShare      = 2000  // ... or of this share of the image's pixels if more: a digit's strokes, not noise's peaks
)

// Stages are the intermediate results of Preprocess, shown to the user in
// the GUI. The photo stages (Evened to Ink) have the working size: the
// image brought down to at most 640 pixels on its longer side. Frame
// leaves the pictures Evened, Mask, Lines and Digit nil.
type Stages struct {
	Original image.Image // as decoded
	Gray     *image.Gray // alpha flattened onto a background, converted to grayscale, original size
	Inverted bool        // dark ink on a light background was detected: the frame's ink is the image's inverse
	Channel  string      // the channel the ink was read in: "luma", "red", "green" or "blue"
	Evened   *image.Gray // the light evened out: each pixel's darkness relative to its paper, paper white
	Mask     *image.Gray // the ink: what stands out from the paper beyond its noise (white)
	Lines    *image.Gray // the mask with ruled and squared lines removed (the lines are dimmed)
	Digit    *image.Gray // the marks chosen as the digit (white), the others dimmed
	Ink      *image.Gray // the digit's ink, bright on black, as the frame is made from it

	Frame *image.Gray // Size×Size: cropped to the ink's bounding box, scaled into Box×Box preserving aspect ratio, centred by centre of mass (Pix has exactly 784 bytes, Stride 28, Rect at origin)

	Unchanged bool // the image was already a Size×Size frame, light ink on black: Frame is it, unchanged, and so are the photo stages
	// Stroke is the width of the digit's strokes as a share of its size
	// (its bounding box's longer side), as written; Restroked is by how
	// many pixels of the working size a side Ink's strokes were grown
	// towards MNIST's width, 0 when they were left as they were.
	Stroke     float64
	Restroked  int
	LinesFound bool // ruled or squared lines were found and removed
	Marks      int  // the separate marks (connected pieces of ink) left after removing lines
	Chosen     int  // ... of which this many were chosen as the digit
}

// PreprocessFile decodes the image file at path and preprocesses it (see
// DecodeFile and Preprocess); its errors start with the path.
func PreprocessFile(path string) (*Stages, error) { return decodeThen(path, Preprocess) }

// decodeThen decodes the image file at path and passes it to f, its
// errors starting with the path.
func decodeThen(path string, f func(image.Image) (*Stages, error)) (*Stages, error) {
	img, err := DecodeFile(path)
	if err != nil {
		return nil, err
	}
	st, err := f(img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// Preprocess turns a decoded image into an MNIST-style frame, keeping every
// intermediate stage for display. Gray has the image's size, the photo
// stages (Evened to Ink) the working size, all with their origin at (0, 0).
// The steps and the choices they make:
//
//   - Flatten and convert. Transparent pixels are composited onto white if
//     the opaque pixels are dark on average (their alpha-weighted mean
//     luminance is below one half) and onto black otherwise, so a
//     transparent PNG of a black digit and one of a white digit both keep
//     their ink visible. Luminance is 0.299 R + 0.587 G + 0.114 B, as in
//     color.GrayModel and JPEG's Y.
//   - Pass through. An image that already is a frame (Size×Size, light ink
//     on black, nearly all of its border black) is used unchanged, bit for
//     bit: MNIST's own digits, and frames saved from this program.
//   - Working size. The image is area-averaged (a box filter) to at most
//     workMax = 640 pixels on its longer side, enough for a 20-pixel frame:
//     a 12-megapixel photo then costs about what a small one does.
//   - Polarity. The background level is the 80th percentile of an outer
//     ring of pixels, min(width, height)/32 thick: the border is background
//     in any photo or scan of a digit, while the global mean depends on how
//     much ink there is; and where a shadow covers most of a page's border,
//     the lit part of the paper on the rest of it still sets the level (a
//     median there read shadowed photos as white ink on dark paper). A
//     digit may still touch the border over a fifth of it, as a cropped
//     MNIST-style digit does. The image counts as dark ink on a light background
//     when that level lies in the upper half of the image's tonal range
//     (between its 0.1% darkest and 0.1% brightest pixels), so a dim photo
//     of grey paper is recognised as well as white paper; the photo steps
//     work on dark ink, so light ink on dark is inverted for them.
//   - Even out the light (Evened). The paper's brightness is a grey-level
//     closing (a maximum, then a minimum) of the image along lines in four
//     directions, 16% of the longer side either way, the second highest of
//     the four at each pixel: a stroke is darker than the paper on both
//     sides across it and is filled in, while a shadow's edge, dark on one
//     side only, is given back where it is (see evened). Each pixel
//     becomes its darkness relative to its paper, (paper − v)/paper: a
//     shadow or a gradient across the page divides out.
//   - Pick the ink by contrast (Channel, Mask). This is done for luma and,
//     for a photo with coloured marks, for red, green and blue; the
//     channel whose darkest strokes (its darkest 1/2000 of the pixels, at
//     least 12) stand furthest above the noise floor wins (luma on ties,
//     as the least noisy): blue ink on white paper is darkest in red,
//     where blue ruled lines all but vanish. Ink is what lies above Otsu's
//     threshold of the evened histogram and at least half as dark as those
//     darkest strokes (a stroke's edge is where it is half as dark as its
//     core; a fainter stain or remnant of a shadow is not ink), and never
//     below five robust σ of the paper's noise above its median (measured
//     on both sides of the paper's level), nor 10 levels: on blank paper or
//     a shadow nothing stands out. On images over 320 pixels a side the mask is taken after
//     a 3×3 mean, which removes two thirds of the sensor noise. An image
//     whose darkest strokes stand fewer than 16 levels above that floor is
//     blank (ErrBlank).
//   - Remove lines (Lines). Ruled and squared lines are straight ink running
//     across at least 40% of the page, in two or more parallel copies,
//     within 12° of horizontal or vertical, and thin (at most 6 pixels
//     over 60% of their length, which a path through a thick-penned digit
//     is not); they are traced and removed, and put back where a stroke
//     crosses them (ink on both sides within 6 pixels), so a 4's stem stays
//     whole.
//   - Choose the digit (Digit). Of the marks left (8-connected pieces), the
//     digit is the largest that does not touch the edge (or one touching
//     it and 8 times larger: a digit joined to the edge by a line's
//     remnant), with every mark of at least 2% of its area within 35% of
//     its size of a mark already chosen (the separate bar of a 5, the dot
//     of a hurried 9, the other half of a digit broken by a shadow's edge
//     and its pieces), as long as the digit's box stays within 2.5 times
//     that size; specks, page edges and stray marks are dropped. A largest mark of
//     fewer than 12 pixels is noise.
//   - Ink. The chosen marks, grown by a pixel to keep their anti-aliased
//     rims, keep their evened levels, stretched so the brightest of the
//     marks is 255; everything else is black.
//   - Stroke width. The strokes' width (twice the chosen marks' area over
//     their boundary) is measured against the digit's size. MNIST's digits
//     have strokes 0.10 to 0.25 of their size (1st to 99th percentile, 0.13
//     the median); a digit written with a much finer pen (below 0.08) has
//     its ink grown by a grey-level maximum over a square, to 0.13. Others
//     are left as they are, so that clean digits come out as before
//     (thinning broad strokes lost more digits than it saved).
//   - Bounding box. Ink is every pixel at 64 or more, a quarter of full
//     scale. The box of those pixels is then widened over the adjacent rows
//     and columns that hold pixels at 16 or more, by at most one frame
//     pixel's worth (the box's longer side / 20) a side, so the faint rim of
//     a stroke is kept without letting noise stretch the box.
//   - Scale. The box is resampled with x/image/draw's Catmull-Rom kernel
//     (which widens its support when shrinking, so large images are
//     averaged rather than aliased) to Box pixels along its longer side and
//     the rounded proportional length along the other. Levels are then
//     stretched again so its brightest pixel is 255, as in nearly every
//     MNIST digit; otherwise the thin strokes of a large image would fade
//     while shrinking.
//   - Centre. The scaled box is pasted into the frame at the whole-pixel
//     offset that brings its centre of mass nearest to (14, 14) in
//     pixel-index coordinates (see the package documentation). The offset
//     is clamped so the box stays inside the frame; only then can the
//     centre of mass be more than half a pixel off.
//
// Limits: the digit needs a margin of paper around it, since the border
// decides which side is paper; a digit written along a ruled line and as
// long as it, or one whose strokes are themselves long parallel straight
// lines, loses those strokes with the lines; a page with several digits
// gives the largest; and a picture whose own opaque background has
// transparent corners is flattened as if the transparent part were the
// background.
//
// Preprocess reports ErrBlank (wrapped) for images without ink and rejects
// images with more than MaxPixels pixels.
func Preprocess(img image.Image) (*Stages, error) { return preprocess(img, true) }

// Frame is Preprocess without the pictures of the photo stages (Evened,
// Mask, Lines and Digit are nil), which only a person looks at: the same
// steps give the same Frame, in less time for a folder of small images.
func Frame(img image.Image) (*Stages, error) { return preprocess(img, false) }

// FrameFile is PreprocessFile without the pictures of the photo stages
// (see Frame).
func FrameFile(path string) (*Stages, error) { return decodeThen(path, Frame) }

// preprocess is Preprocess, drawing the photo stages' pictures if show.
func preprocess(img image.Image, show bool) (*Stages, error) {
	if img == nil {
		return nil, errors.New("no image to preprocess (nil)")
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: the image has no pixels (%d×%d)", ErrBlank, w, h)
	}
	if w > MaxPixels || h > MaxPixels || int64(w)*int64(h) > MaxPixels {
		return nil, tooLarge("image has", w, h)
	}

	st := &Stages{Original: img, Gray: grayscale(img)}
	if mnistLike(st.Gray) {
		// Already what Preprocess makes: it passes through unchanged.
		frame := image.NewGray(image.Rect(0, 0, Size, Size))
		copy(frame.Pix, st.Gray.Pix)
		st.Channel, st.Ink, st.Frame, st.Unchanged = "luma", frame, frame, true
		st.Evened, st.Mask, st.Lines, st.Digit = frame, frame, frame, frame
		return st, nil
	}

	work := downscale(st.Gray)
	ww, wh := work.Rect.Dx(), work.Rect.Dy()
	light := lightOnDark(work)
	st.Inverted = !light

	// The channel in which the ink stands out most from its paper: luma,
	// or for a colour photo red, green or blue (blue ink on white paper is
	// darkest in red).
	planes := []*image.Gray{work}
	names := []string{"luma", "red", "green", "blue"}
	planes = append(planes, colourPlanes(img, work)...)
	var best evenedPlane
	best.score = math.MinInt
	for i, g := range planes {
		if light { // the photo steps want dark ink on light paper
			g = invert(g)
		}
		p := evenPlane(g)
		// Luma wins ties: it is the least noisy.
		if i > 0 {
			p.score = p.score * 9 / 10
		}
		if p.score > best.score {
			best = p
			st.Channel = names[i]
		}
	}
	if best.score < minContrast {
		if show {
			st.Evened = best.e.gray(false)
		}
		return nil, fmt.Errorf("%w: nothing in it stands out from the paper and its noise by %d of 255 levels or more",
			ErrBlank, minContrast)
	}

	mask := maskOf(best.m, best.threshold)
	cleaned, lines := removeLines(mask)
	digit, chosen, marks := chooseDigit(cleaned)
	st.LinesFound, st.Chosen, st.Marks = slices.Contains(lines.pix, true), chosen, marks
	if show {
		st.Evened = best.e.gray(false)
		st.Mask = mask.gray()
		st.Lines = overlay(cleaned, lines)
		st.Digit = overlay(digit, cleaned)
	}

	// The digit's ink levels, over the chosen marks grown by a pixel so
	// that their anti-aliased rims stay, stretched so its brightest is
	// 255; everything else, lines and specks included, is black. The
	// brightest is taken from the plane the mask came from, over the
	// chosen marks themselves, so that one noisy pixel does not dim the
	// rest.
	keep := dilate(digit)
	st.Ink = image.NewGray(image.Rect(0, 0, ww, wh))
	var peak float32
	for i, on := range digit.pix {
		if on {
			peak = max(peak, best.m.pix[i])
		}
	}
	floor := float32(best.floor) / 255
	if peak <= floor {
		return nil, fmt.Errorf("%w: no mark stands out from the paper", ErrBlank)
	}
	for i, on := range keep.pix {
		if on {
			v := (best.e.pix[i] - floor) / (peak - floor)
			st.Ink.Pix[i] = uint8(min(255, max(0, v*255+0.5)))
		}
	}

	box := inkBounds(st.Ink, inkThreshold, edgeThreshold)
	if box.Empty() {
		return nil, fmt.Errorf("%w: no pixel reaches the ink threshold", ErrBlank)
	}
	if err := checkStrokes(st.Ink, box); err != nil {
		return nil, err
	}
	// Strokes, once they are known to be strokes, brought to MNIST's width.
	if st.Stroke, st.Restroked = restroke(st.Ink, digit); st.Restroked != 0 {
		box = inkBounds(st.Ink, inkThreshold, edgeThreshold)
		if box.Empty() {
			return nil, fmt.Errorf("%w: no pixel reaches the ink threshold", ErrBlank)
		}
	}
	frame, err := frameOf(st.Ink, box)
	if err != nil {
		return nil, err
	}
	st.Frame = frame
	return st, nil
}

// evenedPlane is a plane with its light evened out, and how its ink
// stands out.
type evenedPlane struct {
	e *fplane // the evened plane
	// m is what the ink mask is taken from: e itself, or for an image
	// larger than smoothFrom, e smoothed by a 3×3 mean, which is
	// below what the frame resolves there and takes two thirds of the
	// sensor noise away, and with it the specks the noise would leave
	// above the threshold. The ink's levels are e's.
	m                *fplane
	threshold, floor int // the ink threshold (inkThresholdOf of m, and at least half the darkest strokes' level) and the noise floor
	// score is how far the ink stands above the floor: the level of m's
	// darkest minInkPixels, or 1/inkShare of its pixels if more (a digit's
	// strokes, not noise's peaks), less the floor.
	score int
}

// evenPlane evens out the light of g (see evened) and measures its ink.
func evenPlane(g *image.Gray) evenedPlane {
	p := evenedPlane{e: evened(g)}
	p.m = p.e
	if max(p.e.w, p.e.h) > smoothFrom {
		p.m = p.e.smoothed()
	}
	lv := levelsOf(p.m)
	p.threshold, p.floor = inkThresholdOf(lv)
	top := lv.hist.top(max(minInkPixels, p.e.w*p.e.h/inkShare))
	p.score = top - p.floor
	p.threshold = max(p.threshold, (top+1)/2)
	return p
}

// mnistLike reports whether g is already a frame as Preprocess makes them:
// Size×Size, light ink on black, its ink bright. MNIST digits may touch the
// frame's edge (a long tail does), so the test is that nearly all of the
// border (all but mnistEdgeInk of its pixels) is black, not all of it.
func mnistLike(g *image.Gray) bool {
	if g.Rect.Dx() != Size || g.Rect.Dy() != Size {
		return false
	}
	var peak uint8
	lit := 0
	for y := range Size {
		for x := range Size {
			v := g.Pix[y*g.Stride+x]
			peak = max(peak, v)
			if (x == 0 || y == 0 || x == Size-1 || y == Size-1) && v > mnistBlack {
				lit++
			}
		}
	}
	return peak >= 128 && lit <= mnistEdgeInk
}

const (
	// mnistBlack is the darkest a frame's background may be and still be
	// black (a drawing program's antialiasing, a PNG saved with a gamma).
	mnistBlack = 8
	// mnistEdgeInk is how many of a frame's 108 border pixels may be ink:
	// a stroke leaving through one edge, as in MNIST's own test set.
	mnistEdgeInk = 12
)

// lightOnDark reports whether an image is light ink on a dark background:
// its background level, the ringPaper quantile of an outer ring of pixels
// (the border is background in any photo or scan of a digit, while the
// global mean depends on how much ink there is; the lit part of a page
// whose border is mostly in shadow still sets it), lies in the lower half
// of its tonal range (between its 0.1% darkest and 0.1% brightest pixels),
// so that a dim photo of grey paper still counts as paper.
func lightOnDark(g *image.Gray) bool {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var all, ring histogram
	all.add(g.Pix)
	t := max(1, min(w, h)/ringDivisor)
	for y := range h {
		row := g.Pix[y*g.Stride:][:w]
		if y < t || y >= h-t {
			ring.add(row)
			continue
		}
		ring.add(row[:min(t, w)])
		ring.add(row[max(t, w-t):])
	}
	bg := ring.quantile(ringPaper)
	lo, hi := all.quantile(tailFraction), all.quantile(1-tailFraction)
	return !(2*bg > lo+hi || (2*bg == lo+hi && bg >= 128))
}

// invert returns 255 − g.
func invert(g *image.Gray) *image.Gray {
	out := image.NewGray(g.Rect)
	for i, v := range g.Pix {
		out.Pix[i] = 255 - v
	}
	return out
}

// overlay draws the pixels of on white and those of dim alone grey.
func overlay(on, dim *bmask) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, on.w, on.h))
	for i := range on.pix {
		switch {
		case on.pix[i]:
			g.Pix[i] = 255
		case dim.pix[i]:
			g.Pix[i] = 70
		}
	}
	return g
}

// grayscale flattens img onto a background that contrasts with its opaque
// pixels (see Preprocess) and converts it to 8-bit luminance, with the
// result's origin at (0, 0).
func grayscale(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	g := image.NewGray(image.Rect(0, 0, w, h))
	switch src := img.(type) {
	case *image.Gray: // grayscale PNG and JPEG: already what we want
		for y := range h {
			copy(g.Pix[y*g.Stride:][:w], src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):])
		}
		return g
	case *image.YCbCr: // colour JPEG: opaque, and Y is the luminance
		for y := range h {
			copy(g.Pix[y*g.Stride:][:w], src.Y[src.YOffset(b.Min.X, b.Min.Y+y):])
		}
		return g
	}

	// Everything else: let image/draw convert to premultiplied RGBA (it has
	// fast paths for the common decoder outputs), then flatten.
	rgba := image.NewRGBA(g.Rect)
	draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	var sumA, sumY uint64
	for i := 0; i < len(rgba.Pix); i += 4 {
		p := rgba.Pix[i : i+4 : i+4]
		sumA += uint64(p[3])
		sumY += uint64(luma(p[0], p[1], p[2]))
	}
	white := 2*sumY < sumA // opaque pixels are dark on average
	for i, j := 0, 0; i < len(rgba.Pix); i, j = i+4, j+1 {
		p := rgba.Pix[i : i+4 : i+4]
		y := luma(p[0], p[1], p[2]) // premultiplied, so at most p[3]
		if white {
			y += 255 - uint32(p[3])
		}
		g.Pix[j] = uint8(y)
	}
	return g
}

// luma is 0.299 R + 0.587 G + 0.114 B, rounded, with color.GrayModel's weights.
func luma(r, g, b uint8) uint32 {
	return (19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16
}

// histogram counts pixels by level.
type histogram [256]int

func (h *histogram) add(pix []uint8) {
	for _, v := range pix {
		h[v]++
	}
}

// quantile returns the lowest level at or below which more than q of the
// pixels lie (the lower median for q = 0.5); 0 for an empty histogram.
func (h *histogram) quantile(q float64) int { return quantileOf(h[:], q) }

// quantileOf returns the lowest index at or below which more than q of
// the counts lie; the last index if none (0 for no counts at all).
func quantileOf(counts []int, q float64) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	target := q * float64(n)
	seen := 0
	for v, c := range counts {
		seen += c
		if float64(seen) > target {
			return v
		}
	}
	return len(counts) - 1
}

// top returns the highest level that at least n pixels reach.
func (h *histogram) top(n int) int {
	seen := 0
	for v := 255; v >= 0; v-- {
		seen += h[v]
		if seen >= n {
			return v
		}
	}
	return 0
}

// inkBounds returns the bounding box of the ink in g (empty if there is
// none), by hysteresis: the box of every pixel at or above core, widened
// side by side over each adjacent row or column that holds a pixel at or
// above edge, by at most one frame pixel's worth (the box's longer side /
// Box, rounded up). The faint anti-aliased rim of a stroke is thus kept
// without letting noise or specks far from the digit stretch the box.
func inkBounds(g *image.Gray, core, edge uint8) image.Rectangle {
	box := threshold(g, core)
	if box.Empty() {
		return box
	}
	at := func(x, y int) uint8 { return g.Pix[(y-g.Rect.Min.Y)*g.Stride+x-g.Rect.Min.X] }
	row := func(y int) bool {
		for x := box.Min.X; x < box.Max.X; x++ {
			if at(x, y) >= edge {
				return true
			}
		}
		return false
	}
	col := func(x int) bool {
		for y := box.Min.Y; y < box.Max.Y; y++ {
			if at(x, y) >= edge {
				return true
			}
		}
		return false
	}
	grow := (max(box.Dx(), box.Dy()) + Box - 1) / Box
	for i := 0; i < grow && box.Min.X > g.Rect.Min.X && col(box.Min.X-1); i++ {
		box.Min.X--
	}
	for i := 0; i < grow && box.Max.X < g.Rect.Max.X && col(box.Max.X); i++ {
		box.Max.X++
	}
	for i := 0; i < grow && box.Min.Y > g.Rect.Min.Y && row(box.Min.Y-1); i++ {
		box.Min.Y--
	}
	for i := 0; i < grow && box.Max.Y < g.Rect.Max.Y && row(box.Max.Y); i++ {
		box.Max.Y++
	}
	return box
}

// threshold returns the smallest rectangle holding every pixel of g at or
// above level (empty if there is none).
func threshold(g *image.Gray, level uint8) image.Rectangle {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	box := image.Rectangle{Min: image.Pt(w, h)}
	for y := range h {
		row := g.Pix[y*g.Stride:][:w]
		first := -1
		for x, v := range row {
			if v >= level {
				first = x
				break
			}
		}
		if first < 0 {
			continue
		}
		last := first
		for x := w - 1; x > first; x-- {
			if row[x] >= level {
				last = x
				break
			}
		}
		box.Min.X = min(box.Min.X, first)
		box.Max.X = max(box.Max.X, last+1)
		box.Min.Y = min(box.Min.Y, y)
		box.Max.Y = y + 1
	}
	if box.Max.Y == 0 {
		return image.Rectangle{}
	}
	return box.Add(g.Rect.Min)
}

// checkStrokes reports ErrBlank when what stands out in ink is not
// strokes: sensor noise, whose specks average away at the frame's scale,
// or shading (vignetting, a glare, uneven light on blank paper), which has
// no sharp edges. It shrinks the box, with one frame pixel's worth of its
// surroundings, to the frame's scale, as frameOf will, and asks for a peak
// of at least minStrokePeak and, between some two neighbours, a step of
// at least minStrokeEdge/255 of that peak. The first 10,000 MNIST test
// digits reach 255 and a step of 198 at least, a digit drawn with a
// 1-pixel pen in a 160-pixel box a peak of 39; noise of σ 20 or 40 levels
// on blank paper peaks at 3, and vignetting or a glare steps by 60 at most.
func checkStrokes(ink *image.Gray, box image.Rectangle) error {
	side := max(box.Dx(), box.Dy())
	grow := (side + Box - 1) / Box
	around := box.Inset(-grow).Intersect(ink.Rect)
	w := max(1, (around.Dx()*Box+side/2)/side)
	h := max(1, (around.Dy()*Box+side/2)/side)
	// A box filter, not frameOf's Catmull-Rom: a mean is what the test
	// asks about (noise averages away), and x/image's scaler costs as much
	// as the rest of a small image's steps together.
	small := image.NewGray(image.Rect(0, 0, w, h))
	areaResize(small.Pix, ink.Pix[ink.PixOffset(around.Min.X, around.Min.Y):], ink.Stride, 1, around.Dx(), around.Dy(), w, h)
	var peak, step int
	for y := range h {
		row := small.Pix[y*small.Stride:][:w]
		for x, v := range row {
			peak = max(peak, int(v))
			if x+1 < w {
				step = max(step, absDiff(int(row[x+1]), int(v)))
			}
			if y+1 < h {
				step = max(step, absDiff(int(small.Pix[(y+1)*small.Stride+x]), int(v)))
			}
		}
	}
	switch {
	case peak < minStrokePeak:
		return fmt.Errorf("%w: what stands out are scattered specks, like sensor noise, not strokes", ErrBlank)
	case step*255 < minStrokeEdge*peak:
		return fmt.Errorf("%w: what stands out is shading, with none of the sharp edges of a stroke", ErrBlank)
	}
	return nil
}

func absDiff(a, b int) int {
	if a < b {
		return b - a
	}
	return a - b
}

// frameOf scales the part of ink inside box into a Box×Box square,
// preserving its aspect ratio, and pastes it into a Size×Size frame centred
// by centre of mass (see Preprocess).
func frameOf(ink *image.Gray, box image.Rectangle) (*image.Gray, error) {
	bw, bh := box.Dx(), box.Dy()
	side := max(bw, bh)
	dw := min(Box, max(1, (bw*Box+side/2)/side))
	dh := min(Box, max(1, (bh*Box+side/2)/side))
	scaled := image.NewGray(image.Rect(0, 0, dw, dh))
	draw.CatmullRom.Scale(scaled, scaled.Rect, ink, box, draw.Src, nil)

	var peak uint8
	for _, v := range scaled.Pix {
		peak = max(peak, v)
	}
	if peak == 0 {
		return nil, fmt.Errorf("%w: the ink (a %d×%d box) fades away when shrunk to %d×%d",
			ErrBlank, bw, bh, dw, dh)
	}
	var sum, sx, sy float64
	for y := range dh {
		for x := range dw {
			v := scaled.Pix[y*scaled.Stride+x]
			if peak < 255 {
				v = uint8((int(v)*255 + int(peak)/2) / int(peak))
				scaled.Pix[y*scaled.Stride+x] = v
			}
			sum += float64(v)
			sx += float64(v) * float64(x)
			sy += float64(v) * float64(y)
		}
	}
	const centre = Size / 2
	ox := min(Size-dw, max(0, int(math.Round(centre-sx/sum))))
	oy := min(Size-dh, max(0, int(math.Round(centre-sy/sum))))

	frame := image.NewGray(image.Rect(0, 0, Size, Size))
	for y := range dh {
		copy(frame.Pix[(oy+y)*Size+ox:][:dw], scaled.Pix[y*scaled.Stride:][:dw])
	}
	return frame, nil
}
