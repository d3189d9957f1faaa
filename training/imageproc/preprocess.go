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
	tailFraction  = 0.001 // the darkest and brightest tails ignored when judging the tonal range
	noiseSigmas   = 2     // the background floor is this many noise σ above the border median
	minContrast   = 32    // brightest ink must be this many levels (of 255) above the floor
	inkThreshold  = 64    // contrast-stretched pixels at or above this are ink for the bounding box
	edgeThreshold = 16    // ... and those at or above this just outside it are its anti-aliased rim
	minStrokePeak = 16    // the ink shrunk to frame scale must reach this level (noise averages below it)
	minStrokeEdge = 128   // ... and somewhere change by this much of its peak (×255) between neighbours
)

// Stages are the intermediate results of Preprocess, shown to the user in the GUI.
type Stages struct {
	Original image.Image // as decoded
	Gray     *image.Gray // alpha flattened onto a background, converted to grayscale, original size
	Inverted bool        // dark ink on a light background was detected and inverted
	Ink      *image.Gray // ink bright on a dark background (= Gray, or its inversion), contrast-normalised, original size
	Frame    *image.Gray // Size×Size: cropped to the ink's bounding box, scaled into Box×Box preserving aspect ratio, centred by centre of mass (Pix has exactly 784 bytes, Stride 28, Rect at origin)
}

// PreprocessFile decodes the image file at path and preprocesses it (see
// DecodeFile and Preprocess); its errors start with the path.
func PreprocessFile(path string) (*Stages, error) {
	img, err := DecodeFile(path)
	if err != nil {
		return nil, err
	}
	st, err := Preprocess(img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// Preprocess turns a decoded image into an MNIST-style frame, keeping every
// intermediate stage for display. Gray and Ink have the image's size with
// their origin at (0, 0). The steps and the choices they make:
//
//   - Flatten and convert. Transparent pixels are composited onto white if
//     the opaque pixels are dark on average (their alpha-weighted mean
//     luminance is below one half) and onto black otherwise, so a
//     transparent PNG of a black digit and one of a white digit both keep
//     their ink visible. Luminance is 0.299 R + 0.587 G + 0.114 B, as in
//     color.GrayModel and JPEG's Y.
//   - Polarity. The background level is the median of an outer ring of
//     pixels, min(width, height)/32 thick: the border is background in any
//     photo or scan of a digit, while the global mean depends on how much
//     ink there is. The image counts as dark ink on a light background, and
//     is inverted, when that level lies in the upper half of the image's
//     tonal range (between its 0.1% darkest and 0.1% brightest pixels), so
//     a dim photo of grey paper is recognised as well as white paper.
//   - Contrast. In the (possibly inverted) image the background floor is the
//     border median plus two robust standard deviations of the border
//     (1.4826 × its median absolute deviation), which absorbs paper texture
//     and sensor noise. Levels are stretched linearly so the floor and
//     anything darker become 0 and the brightest pixel 255. An image whose
//     brightest pixel is fewer than 32 levels above the floor is blank
//     (ErrBlank).
//   - Bounding box. Ink is every pixel at 64 or more after stretching, a
//     quarter of full scale, high enough that the noise left in a photo
//     and faint smudges stay out. The box of those pixels is then widened
//     over the adjacent rows and columns that hold pixels at 16 or more,
//     by at most one frame pixel's worth (the box's longer side / 20) a
//     side, so the faint anti-aliased rim of a stroke is kept without
//     letting noise stretch the box: with the rim, 999 of the first 1000
//     MNIST test digits come back within one level a pixel of themselves,
//     without it 981.
//   - Scale. The box is resampled with x/image/draw's Catmull-Rom kernel
//     (which widens its support when shrinking, so large photos are
//     averaged rather than aliased) to Box pixels along its longer side and
//     the rounded proportional length along the other. Levels are then
//     stretched again so its brightest pixel is 255, as in nearly every
//     MNIST digit; otherwise the thin strokes of a large image would fade
//     while shrinking.
//   - Centre. The scaled box is pasted into the frame at the whole-pixel
//     offset that brings its centre of mass nearest to (14, 14) in
//     pixel-index coordinates (see the package documentation): integer
//     placement needs no second resampling, so an MNIST digit passes
//     through unchanged. The offset is clamped so the box stays inside the
//     frame; only then can the centre of mass be more than half a pixel off.
//
// Limits: the digit needs a margin of background around it, since the
// border decides what the background is; one global stretch cannot undo
// strongly uneven lighting, which may move the centre of mass by a pixel;
// and a picture whose own opaque background has transparent corners is
// flattened as if the transparent part were the background.
//
// Preprocess reports ErrBlank (wrapped) for images without ink and rejects
// images with more than MaxPixels pixels.
func Preprocess(img image.Image) (*Stages, error) {
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

	var all, ring histogram
	all.add(st.Gray.Pix)
	t := max(1, min(w, h)/ringDivisor)
	for y := range h {
		row := st.Gray.Pix[y*st.Gray.Stride:][:w]
		if y < t || y >= h-t {
			ring.add(row)
			continue
		}
		ring.add(row[:min(t, w)])
		ring.add(row[max(t, w-t):])
	}

	bg := ring.quantile(0.5)
	lo, hi := all.quantile(tailFraction), all.quantile(1-tailFraction)
	st.Inverted = 2*bg > lo+hi || (2*bg == lo+hi && bg >= 128)

	// Work in ink levels from here: ink(v) = v, or 255-v when inverted.
	sigma := 1.4826 * float64(ring.mad(bg))
	peak := all.max()
	if st.Inverted {
		bg, peak = 255-bg, 255-all.min()
	}
	floor := bg + int(math.Ceil(noiseSigmas*sigma))
	if peak-floor < minContrast {
		return nil, fmt.Errorf("%w: nothing in it stands out from the background and its noise by %d of 255 levels or more",
			ErrBlank, minContrast)
	}
	var lut [256]uint8
	span := peak - floor
	for v := range lut {
		x := v
		if st.Inverted {
			x = 255 - v
		}
		x -= floor
		lut[v] = uint8(min(255, max(0, (x*255+span/2)/span)))
	}
	st.Ink = image.NewGray(st.Gray.Rect)
	for i, v := range st.Gray.Pix {
		st.Ink.Pix[i] = lut[v]
	}

	box := inkBounds(st.Ink, inkThreshold, edgeThreshold)
	if box.Empty() {
		return nil, fmt.Errorf("%w: no pixel reaches the ink threshold", ErrBlank) // unreachable: peak maps to 255
	}
	if err := checkStrokes(st.Ink, box); err != nil {
		return nil, err
	}
	frame, err := frameOf(st.Ink, box)
	if err != nil {
		return nil, err
	}
	st.Frame = frame
	return st, nil
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
func (h *histogram) quantile(q float64) int {
	n := 0
	for _, c := range h {
		n += c
	}
	target := q * float64(n)
	seen := 0
	for v, c := range h {
		seen += c
		if float64(seen) > target {
			return v
		}
	}
	return 255
}

// mad returns the median absolute deviation of the levels from m.
func (h *histogram) mad(m int) int {
	var dev histogram
	for v, c := range h {
		d := v - m
		if d < 0 {
			d = -d
		}
		dev[d] += c
	}
	return dev.quantile(0.5)
}

func (h *histogram) min() int {
	for v, c := range h {
		if c > 0 {
			return v
		}
	}
	return 0
}

func (h *histogram) max() int {
	for v := 255; v >= 0; v-- {
		if h[v] > 0 {
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
	small := image.NewGray(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(small, small.Rect, ink, around, draw.Src, nil)
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
