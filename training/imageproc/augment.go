package imageproc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"unsafe"
)

// Augment describes the random augmentation applied to training images on the fly.
type Augment struct {
	Flip   bool    // horizontal flip with probability 0.5
	Rotate float64 // random rotation, uniform in ±Rotate degrees, about the frame centre
	Shift  int     // random translation, uniform integer in ±Shift pixels along each axis independently
	// Pen widens or narrows the strokes as a thicker or finer pen would:
	// each edge of a stroke moves out or in by a distance uniform in
	// ±Pen pixels (see Apply).
	Pen   float64
	Noise float64 // additive Gaussian noise with this σ, in [0,1] pixel units, result clamped to [0,1]
}

// MaxPen is the largest Pen: two pixels a side thins most of MNIST's
// strokes away, or doubles them.
const MaxPen = 2

// Enabled reports whether a changes frames at all.
func (a Augment) Enabled() bool {
	return a.Flip || a.Rotate != 0 || a.Shift != 0 || a.Pen != 0 || a.Noise != 0
}

// Validate checks that Rotate is in [0,180] degrees, Shift in [0,Size/2]
// pixels, Pen in [0,MaxPen] pixels and Noise in [0,1], none of them NaN,
// and reports every field that is not.
func (a Augment) Validate() error {
	var errs []error
	if !(a.Rotate >= 0 && a.Rotate <= 180) {
		errs = append(errs, fmt.Errorf("rotation must be between 0 and 180 degrees (got %v)", a.Rotate))
	}
	if a.Shift < 0 || a.Shift > Size/2 {
		errs = append(errs, fmt.Errorf("shift must be between 0 and %d pixels (got %d)", Size/2, a.Shift))
	}
	if !(a.Pen >= 0 && a.Pen <= MaxPen) {
		errs = append(errs, fmt.Errorf("pen must be between 0 and %d pixels (got %v)", MaxPen, a.Pen))
	}
	if !(a.Noise >= 0 && a.Noise <= 1) {
		errs = append(errs, fmt.Errorf("noise must be between 0 and 1 (got %v)", a.Noise))
	}
	return errors.Join(errs...)
}

// String returns a in the CLI's syntax that ParseAugment reads: "none", or
// the enabled augmentations in the order flip, rotate, shift, pen, noise,
// such as "flip,rotate=15,shift=2,pen=0.5,noise=0.1".
func (a Augment) String() string {
	if !a.Enabled() {
		return "none"
	}
	var parts []string
	if a.Flip {
		parts = append(parts, "flip")
	}
	if a.Rotate != 0 {
		parts = append(parts, "rotate="+strconv.FormatFloat(a.Rotate, 'g', -1, 64))
	}
	if a.Shift != 0 {
		parts = append(parts, "shift="+strconv.Itoa(a.Shift))
	}
	if a.Pen != 0 {
		parts = append(parts, "pen="+strconv.FormatFloat(a.Pen, 'g', -1, 64))
	}
	if a.Noise != 0 {
		parts = append(parts, "noise="+strconv.FormatFloat(a.Noise, 'g', -1, 64))
	}
	return strings.Join(parts, ",")
}

const augmentKeys = "flip, rotate=DEGREES, shift=PIXELS, pen=PIXELS, noise=SIGMA, or none"

// ParseAugment reads the syntax String writes: a comma-separated list of
// flip, rotate=DEGREES, shift=PIXELS, pen=PIXELS and noise=SIGMA, in any
// order, with
// optional spaces; "none" or "" is the zero Augment. Keys are
// case-insensitive. The result is validated (see Validate).
func ParseAugment(s string) (Augment, error) {
	var a Augment
	text := strings.TrimSpace(s)
	if text == "" || strings.EqualFold(text, "none") {
		return a, nil
	}
	fail := func(format string, args ...any) (Augment, error) {
		return Augment{}, fmt.Errorf("augmentation %q: %s", s, fmt.Sprintf(format, args...))
	}
	var seen []string
	for item := range strings.SplitSeq(text, ",") {
		key, val, hasVal := strings.Cut(strings.TrimSpace(item), "=")
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		for _, k := range seen {
			if k == key {
				return fail("%s is given twice", key)
			}
		}
		seen = append(seen, key)
		if key != "flip" && key != "none" && key != "" && (!hasVal || val == "") {
			return fail("%s needs a value, like %s", key, example(key))
		}
		var err error
		switch key {
		case "":
			return fail("empty item (allowed: %s)", augmentKeys)
		case "none":
			return fail("none cannot be combined with other augmentations")
		case "flip":
			if hasVal {
				return fail("flip takes no value (got %q)", item)
			}
			a.Flip = true
		case "rotate":
			a.Rotate, err = strconv.ParseFloat(val, 64)
			if err != nil {
				return fail("rotate must be a number of degrees, like rotate=15 (got %q)", val)
			}
		case "shift":
			a.Shift, err = strconv.Atoi(val)
			if err != nil {
				return fail("shift must be a whole number of pixels, like shift=2 (got %q)", val)
			}
		case "pen":
			a.Pen, err = strconv.ParseFloat(val, 64)
			if err != nil {
				return fail("pen must be a number of pixels, like pen=0.5 (got %q)", val)
			}
		case "noise":
			a.Noise, err = strconv.ParseFloat(val, 64)
			if err != nil {
				return fail("noise must be a number, like noise=0.1 (got %q)", val)
			}
		default:
			return fail("unknown kind %q (allowed: %s)", key, augmentKeys)
		}
	}
	if err := a.Validate(); err != nil {
		return Augment{}, fmt.Errorf("augmentation %q: %w", s, err)
	}
	return a, nil
}

func example(key string) string {
	switch key {
	case "rotate":
		return "rotate=15"
	case "shift":
		return "shift=2"
	case "pen":
		return "pen=0.5"
	case "noise":
		return "noise=0.1"
	}
	return "(allowed: " + augmentKeys + ")"
}

// Apply writes into dst (Pixels floats in [0,1]) the frame (Pixels bytes)
// augmented with random draws from rng: first a horizontal flip, then
// rotation and shift as one affine warp with bilinear sampling (pixels
// brought in from outside the frame are 0; without rotation the shift
// moves whole pixels exactly), then the pen's width, then noise. The same rng state gives the
// same output. a should be valid (see Validate); invalid values give odd
// frames, not a panic. dst and frame must hold at least Pixels values.
//
// Apply does not allocate, so a prefetching goroutine can call it for every
// image of every batch: with all four augmentations on it takes about 4 µs
// an MNIST digit on the 2-core development machine (BenchmarkAugmentApply),
// 0.6 µs with only flip and shift.
func (a Augment) Apply(dst []float32, frame []uint8, rng *rand.Rand) {
	d := (*[Pixels]float32)(dst[:Pixels])
	f := (*[Pixels]uint8)(frame[:Pixels])
	flip := a.Flip && rng.Uint64()&1 == 1
	var deg float64
	if a.Rotate > 0 {
		deg = (2*rng.Float64() - 1) * a.Rotate
	}
	var dx, dy int
	if a.Shift > 0 {
		s := min(a.Shift, Size) // beyond Size everything leaves the frame anyway
		dx = rng.IntN(2*s+1) - s
		dy = rng.IntN(2*s+1) - s
	}
	if deg != 0 {
		warp(d, f, flip, deg, float64(dx), float64(dy))
	} else {
		translate(d, f, flip, dx, dy)
	}
	if a.Pen > 0 {
		repen(d, float32((2*rng.Float64()-1)*a.Pen))
	}
	if a.Noise > 0 {
		addNoise(d, float32(a.Noise), rng)
	}
}

// repen moves the edges of the frame's strokes out by t pixels (in, for t
// negative), as a broader or finer pen would have drawn them: a grey-level
// maximum (minimum) over 3×3 for each whole pixel, and for the rest of t
// that fraction of the way to one more. Photos of digits come in every
// pen's width, and MNIST's strokes (about 2 to 3 pixels wide in the frame)
// vary less than a phone's pictures of biros, pencils and felt-tips.
func repen(x *[Pixels]float32, t float32) {
	// Thinning the strokes is growing the paper around them.
	thin := t < 0
	if thin {
		t = -t
		for i, v := range x {
			x[i] = 1 - v
		}
	}
	var next [Pixels]float32
	for t > 0 {
		max3(&next, x)
		f := min(t, 1)
		for i, v := range next {
			x[i] += f * (v - x[i])
		}
		t--
	}
	if thin {
		for i, v := range x {
			x[i] = 1 - v
		}
	}
}

// max3 writes into dst the maximum of each pixel of src and its eight
// neighbours inside the frame, separably. The values are in [0, 1], where
// floats order like their bits: the maxima are taken on the bits, in
// integer instructions, since the builtin max on floats orders NaNs and
// signed zeros first (Apply with pen=0.5 took 5.3 µs that way, 3.8 µs
// this way, BenchmarkAugmentApply).
func max3(dst, src *[Pixels]float32) {
	s := (*[Pixels]uint32)(unsafe.Pointer(src))
	d := (*[Pixels]uint32)(unsafe.Pointer(dst))
	var rows [Pixels]uint32
	for y := range Size {
		r, o := s[y*Size:][:Size], rows[y*Size:][:Size]
		o[0] = max(r[0], r[1])
		for x := 1; x < Size-1; x++ {
			o[x] = max(r[x-1], r[x], r[x+1])
		}
		o[Size-1] = max(r[Size-2], r[Size-1])
	}
	for i := range Size {
		d[i] = max(rows[i], rows[i+Size])
		d[Pixels-Size+i] = max(rows[Pixels-Size+i], rows[Pixels-2*Size+i])
	}
	for i := Size; i < Pixels-Size; i++ {
		d[i] = max(rows[i-Size], rows[i], rows[i+Size])
	}
}

// translate writes into dst the frame mirrored left to right (if flip),
// then moved by whole pixels (dx, dy) (right, down), with 0 brought in from
// outside: warp without rotation, for which no interpolation is needed,
// in about a quarter of warp's time.
func translate(dst *[Pixels]float32, frame *[Pixels]uint8, flip bool, dx, dy int) {
	// Destination columns lo to hi-1 come from inside the frame, mirrored
	// or not.
	lo, hi := max(0, dx), min(Size, Size+dx)
	for y := range Size {
		out := dst[y*Size:][:Size]
		sy := y - dy
		if sy < 0 || sy >= Size || lo >= hi {
			clear(out)
			continue
		}
		row := frame[sy*Size:][:Size]
		clear(out[:lo])
		clear(out[hi:])
		if flip {
			for x := lo; x < hi; x++ {
				out[x] = unitLevels[row[Size-1-x+dx]]
			}
			continue
		}
		src := row[lo-dx : hi-dx]
		to := out[lo:][:len(src)]
		for i, v := range src {
			to[i] = unitLevels[v]
		}
	}
}

// warp writes into dst the frame mirrored left to right (if flip), then
// rotated by deg degrees counter-clockwise as seen on screen about the
// frame's centre (13.5, 13.5), then moved by (dx, dy) pixels (right, down),
// sampling bilinearly; whatever comes from outside the frame is 0.
//
// It is written out rather than done with x/image/draw's Transform because
// Transform is 17 to 27 times slower on a 28×28 frame: with an *image.Gray
// destination it takes its generic path, with interface calls for every
// pixel and tap. Best of 10 runs on the 2-core development machine, per
// MNIST digit (BenchmarkWarp, BenchmarkWarpXImageDraw):
// BiLinear.Transform 54 µs, ApproxBiLinear.Transform 34 µs (and 692
// allocations), this function 2.0 µs, against a budget of about 5 µs per
// image for the whole of Apply (64 images per 1 ms training step). To get
// there it works in 16.16 fixed point with 8-bit interpolation weights, and
// skips the arithmetic for the pixels whose taps all fall outside the ink's
// bounding box (most of an MNIST frame is background). The result agrees
// with plain floating-point bilinear interpolation to within 0.01
// (TestWarpMatchesReference).
func warp(dst *[Pixels]float32, frame *[Pixels]uint8, flip bool, deg, dx, dy float64) {
	x0, x1, y0, y1, ok := inkSpan(frame)
	if !ok {
		clear(dst[:])
		return
	}
	// The source is padded with a ring of zeros so that every bilinear
	// tap of a point in (-1, Size) × (-1, Size) is a plain load.
	const stride = Size + 2
	var src [stride * stride]uint8
	for y := y0; y <= y1; y++ {
		copy(src[(y+1)*stride+1:][:Size], frame[y*Size:][:Size])
	}

	// Map each destination pixel p back to the source:
	// s = R(-deg)·(p - c - (dx, dy)) + c, then mirror x if flipping.
	// With y pointing down, a counter-clockwise turn by θ on screen
	// sends (u, v) to (u cos θ + v sin θ, -u sin θ + v cos θ); its
	// inverse is (u cos θ - v sin θ, u sin θ + v cos θ). In padded
	// coordinates sx = ax·x + bx·y + cx and sy = ay·x + by·y + cy.
	const c = (Size - 1) / 2.0
	sin, cos := math.Sincos(deg * math.Pi / 180)
	if deg == 0 {
		sin, cos = 0, 1
	}
	ax, bx := cos, -sin
	ay, by := sin, cos
	u0, v0 := -c-dx, -c-dy
	cx := cos*u0 - sin*v0 + c
	cy := sin*u0 + cos*v0 + c
	if flip {
		ax, bx, cx = -ax, -bx, Size-1-cx
	}
	cx, cy = cx+1, cy+1

	// The ink covers padded columns x0+1 to x1+1; a sample at sx reads
	// columns floor(sx) and floor(sx)+1, so it can be non-zero only for
	// sx in [x0, x1+2). Coordinates are kept relative to x0 (and y0) so
	// that one unsigned comparison tests both ends.
	const one = 1 << 16
	const unit = 1.0 / (255 * 256 * 256) // 8-bit level × two 8-bit weights → [0,1]
	limX, limY := uint32(x1-x0+2)*one, uint32(y1-y0+2)*one
	fax, fay := int32(math.Round(ax*one)), int32(math.Round(ay*one))
	fbx, fby := int32(math.Round(bx*one)), int32(math.Round(by*one))
	rowX := int32(math.Round((cx - float64(x0)) * one))
	rowY := int32(math.Round((cy - float64(y0)) * one))
	for y := range Size {
		sx, sy := rowX, rowY
		rowX, rowY = rowX+fbx, rowY+fby
		out := dst[y*Size:][:Size]
		for x := range out {
			var v float32
			if uint32(sx) < limX && uint32(sy) < limY {
				i := (int(sy>>16)+y0)*stride + int(sx>>16) + x0
				fx, fy := uint32(sx>>8)&255, uint32(sy>>8)&255
				p := src[i : i+stride+2 : i+stride+2]
				// Unsigned arithmetic wraps on the differences
				// but the sums come out right.
				top := uint32(p[0])<<8 + fx*(uint32(p[1])-uint32(p[0]))
				bot := uint32(p[stride])<<8 + fx*(uint32(p[stride+1])-uint32(p[stride]))
				v = float32(top<<8+fy*(bot-top)) * unit
			}
			out[x] = v
			sx += fax
			sy += fay
		}
	}
}

// inkSpan returns the first and last columns and rows of frame that hold a
// non-zero pixel; ok is false for an all-zero frame. It reads each row as
// a few machine words.
func inkSpan(frame *[Pixels]uint8) (x0, x1, y0, y1 int, ok bool) {
	var cols [4]uint64 // the rows' bytes ORed together, 8 columns a word
	y0 = -1
	for y := range Size {
		r := frame[y*Size : y*Size+Size : y*Size+Size]
		a := binary.LittleEndian.Uint64(r[0:])
		b := binary.LittleEndian.Uint64(r[8:])
		c := binary.LittleEndian.Uint64(r[16:])
		d := uint64(binary.LittleEndian.Uint32(r[24:]))
		if a|b|c|d != 0 {
			if y0 < 0 {
				y0 = y
			}
			y1 = y
			cols[0] |= a
			cols[1] |= b
			cols[2] |= c
			cols[3] |= d
		}
	}
	if y0 < 0 {
		return 0, 0, 0, 0, false
	}
	for i, w := range cols {
		if w != 0 {
			x0 = i*8 + bits.TrailingZeros64(w)/8
			break
		}
	}
	for i := len(cols) - 1; i >= 0; i-- {
		if w := cols[i]; w != 0 {
			x1 = i*8 + 7 - bits.LeadingZeros64(w)/8
			break
		}
	}
	return x0, x1, y0, y1, true
}

// gauss holds the standard normal distribution's quantiles at probabilities
// (i+0.5)/4096, rescaled to unit variance: indexed by 12 random bits it
// gives a normal deviate (truncated at about ±3.7σ, which no augmentation
// notices). Five such deviates come out of one rng.Uint64, which makes noise
// for a frame 4 times cheaper than rng.NormFloat64 per pixel
// (BenchmarkNoise: 1.5 µs against 6.2 µs a frame).
var gauss = func() (t [4096]float32) {
	var z [len(t)]float64
	var ss float64
	for i := range z {
		z[i] = math.Sqrt2 * math.Erfinv(2*(float64(i)+0.5)/float64(len(z))-1)
		ss += z[i] * z[i]
	}
	scale := 1 / math.Sqrt(ss/float64(len(z)))
	for i := range t {
		t[i] = float32(z[i] * scale)
	}
	return t
}()

// addNoise adds Gaussian noise with standard deviation sigma to every value
// of x and clamps the results to [0,1].
func addNoise(x *[Pixels]float32, sigma float32, rng *rand.Rand) {
	const mask = uint64(len(gauss) - 1)
	i := 0
	for ; i+5 <= Pixels; i += 5 {
		r := rng.Uint64()
		p := x[i : i+5 : i+5]
		p[0] = clamp01(p[0] + sigma*gauss[r&mask])
		p[1] = clamp01(p[1] + sigma*gauss[r>>12&mask])
		p[2] = clamp01(p[2] + sigma*gauss[r>>24&mask])
		p[3] = clamp01(p[3] + sigma*gauss[r>>36&mask])
		p[4] = clamp01(p[4] + sigma*gauss[r>>48&mask])
	}
	for r := rng.Uint64(); i < Pixels; i, r = i+1, r>>12 {
		x[i] = clamp01(x[i] + sigma*gauss[r&mask])
	}
}

// clamp01 clamps v to [0, 1] (NaN becomes 0 or 1). It works on the bits
// because the builtin min and max take care of NaN and signed zeros (about
// 12 instructions for the pair, against 6 here) and an if per bound
// mispredicts on noisy background pixels half the time (4 times slower).
func clamp01(v float32) float32 {
	b := math.Float32bits(v)
	// Negative numbers have the sign bit set: make them +0.
	b &^= uint32(int32(b) >> 31)
	// Positive floats order like their bits: cap at 1.
	return math.Float32frombits(min(b, 0x3f800000))
}
