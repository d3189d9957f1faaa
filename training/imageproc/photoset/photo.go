package photoset

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/neuralworkbench/workbench/training/imageproc"
)

// Photo sizes.
const (
	Width, Height           = 640, 480   // the default photo, landscape (swap them for portrait)
	LargeWidth, LargeHeight = 4000, 3000 // a 12-megapixel phone photo, for benchmarks
	MinSide                 = 64         // photos are at least MinSide pixels each way
	MaxPixels               = 50_000_000 // and at most MaxPixels in all
)

// reference is the shorter side of the photo that the sizes in pixels of
// Condition and of the generator's tuning are given for.
const reference = 480

// ErrNoInk means a frame has no ink to draw.
var ErrNoInk = errors.New("the frame has no ink (every pixel is 0)")

// Photo returns a phone photo, w×h pixels, of the digit in frame (an MNIST
// frame: imageproc.Size² bytes, row-major, ink bright) handwritten on
// paper under condition c. The photo is a deterministic function of its
// arguments: the same frame, condition, seed and size give the same bytes
// on every platform.
//
// Each factor draws from its own random stream of seed, so photos with one
// seed share everything that their conditions share: the "ruled" photo of
// a seed is its "plain" photo with lines on the paper.
//
// img is the photo as an image decoder gives it; when the condition
// compresses, jpegFile is the JPEG file img was decoded from (nil
// otherwise). The error says which argument is out of range, or that the
// frame has no ink (ErrNoInk).
func Photo(frame []uint8, c Condition, seed uint64, w, h int) (img image.Image, jpegFile []byte, err error) {
	if len(frame) != imageproc.Pixels {
		return nil, nil, fmt.Errorf("a frame has %d pixels (got %d)", imageproc.Pixels, len(frame))
	}
	if err := checkSize(w, h); err != nil {
		return nil, nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	box, ok := inkBox(frame)
	if !ok {
		return nil, nil, ErrNoInk
	}
	st := plan(box, c, seed, w, h)
	rgba := st.render(drawStrokes(frame, box, st.digitHeight, st.pen))
	if st.quality == 0 {
		return rgba, nil, nil
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: st.quality}); err != nil {
		return nil, nil, fmt.Errorf("encoding the photo as JPEG: %w", err)
	}
	img, err = jpeg.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return nil, nil, fmt.Errorf("decoding the photo's JPEG: %w", err)
	}
	return img, buf.Bytes(), nil
}

// checkSize reports a photo size out of range.
func checkSize(w, h int) error {
	if w < MinSide || h < MinSide || w > MaxPixels/h {
		return fmt.Errorf("a photo must be at least %d×%d pixels and at most %d pixels in all (got %d×%d)", MinSide, MinSide, MaxPixels, w, h)
	}
	return nil
}

// shot is every random choice of one photo. Page coordinates are those of
// the photo's pixels as they would be with the camera square to the page.
type shot struct {
	w, h  int
	scale float64 // photo pixels per pixel of the reference size

	// Layout: the digit's ink is digitHeight high, its box centred on
	// (digitX, digitY) of the page, turned by angle radians.
	digitHeight, digitX, digitY, angle float64

	// Paper: its colour (reflectance × exposure) and the seed of its
	// mottling.
	paper       [3]float64
	textureSeed uint64

	// Ruling: lines of lineWidth pixels and colour lineColour every
	// spacing pixels at lineAngle radians from horizontal, offset by
	// phase; a margin line at marginX if marginWidth > 0.
	lines                Lines
	spacing, lineWidth   float64
	lineAngle            float64
	phase                [2]float64
	lineColour           [3]float64
	marginX, marginWidth float64
	marginColour         [3]float64
	lineSeed             uint64

	// Ink: how much of each channel full ink absorbs, and its unevenness.
	absorb  [3]float64
	grain   float64
	inkSeed uint64
	pen     float64 // width as a fraction of the digit's height; 0: the digit's own strokes

	// Light: a shadow of depth (0: even light) whose soft edge, penumbra
	// pixels wide, passes through edge with normal (nx, ny) into the
	// shade, bent by curve and wobbling; an even gradient of gradient
	// along gradDir; vignetting.
	depth, penumbra, curve, wobble float64
	edge                           [2]float64
	nx, ny                         float64
	gradient                       float64
	gradDir                        [2]float64
	vignette                       float64
	shadowSeed                     uint64

	// Camera: photo pixel → page, defocus, noise, JPEG quality (0: none).
	page      homography
	blur      float64
	noise     float64
	noiseSeed uint64
	quality   int
}

// stream returns the random stream named name of seed.
func stream(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// uniformIn returns a number in [lo, hi) from rng.
func uniformIn(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

// sign returns −1 or +1 from rng.
func sign(rng *rand.Rand) float64 { return float64(2*rng.IntN(2) - 1) }

// plan draws every random choice of a photo of a digit whose ink fills box
// of its frame.
func plan(box image.Rectangle, c Condition, seed uint64, w, h int) *shot {
	st := &shot{w: w, h: h, scale: float64(min(w, h)) / reference}
	fw, fh := float64(w), float64(h)

	// Layout: the digit 25 to 60 % of the photo's height (and at most 60 %
	// of its width), its centre in the middle third each way.
	layout := stream(seed, "layout")
	st.digitHeight = uniformIn(layout, 0.25, 0.6) * fh
	if wide := st.digitHeight * float64(box.Dx()) / float64(box.Dy()); wide > 0.6*fw {
		st.digitHeight *= 0.6 * fw / wide
	}
	cx, cy := uniformIn(layout, 1, 2)*fw/3, uniformIn(layout, 1, 2)*fh/3
	st.angle = c.Rotate.draw(stream(seed, "rotate")) * math.Pi / 180 * sign(layout)

	// Paper: white to cream or grey, exposed at 80 to 95 % of full scale.
	paper := stream(seed, "paper")
	bright, warm := uniformIn(paper, 0.8, 0.95), uniformIn(paper, -0.3, 1)
	tint := [3]float64{1, 1 - 0.025*warm, 1 - 0.09*warm}
	top := max(tint[0], tint[1], tint[2])
	for i := range tint {
		st.paper[i] = bright * tint[i] / top
	}
	st.textureSeed = paper.Uint64()

	st.planLines(c, stream(seed, "lines"))
	st.planInk(c, stream(seed, "ink"))
	st.pen = c.Pen.draw(stream(seed, "pen"))
	st.planLight(c, stream(seed, "shadow"))

	// Camera: a tilt moves the photo's corners on the page, pitch
	// (keystone top to bottom) and yaw (left to right) mixed at random,
	// with a little independent jitter of each corner.
	tilt := stream(seed, "tilt")
	m := c.Tilt.draw(tilt)
	phi := uniformIn(tilt, 0, 2*math.Pi)
	pitch, yaw := m*math.Cos(phi), m*math.Sin(phi)
	corners := [4][2]float64{{0, 0}, {fw, 0}, {fw, fh}, {0, fh}}
	moved := [4][2]float64{
		{-pitch * fw, -yaw * fh},
		{fw + pitch*fw, 0},
		{fw, fh},
		{0, fh + yaw*fh},
	}
	for i := range moved {
		moved[i][0] += 0.25 * m * fw * uniformIn(tilt, -1, 1)
		moved[i][1] += 0.25 * m * fh * uniformIn(tilt, -1, 1)
	}
	st.page = identity
	if m > 0 {
		st.page = fitHomography(corners, moved)
	}
	st.digitX, st.digitY = st.page.apply(cx, cy)

	camera := stream(seed, "camera")
	st.blur = c.Blur.draw(camera) * st.scale
	st.noise = c.Noise.draw(camera)
	st.quality = int(math.Round(c.JPEG.draw(camera)))
	st.noiseSeed = camera.Uint64()
	return st
}

// planLines draws the paper's ruling.
func (st *shot) planLines(c Condition, rng *rand.Rand) {
	kind := rng.IntN(max(len(c.Lines), 1))
	if len(c.Lines) > 0 {
		st.lines = c.Lines[kind]
	}
	st.lineAngle = uniformIn(rng, -2.5, 2.5) * math.Pi / 180
	st.phase = [2]float64{rng.Float64(), rng.Float64()}
	colours := [][3]float64{
		{0.55, 0.72, 0.92}, // light blue
		{0.62, 0.66, 0.75}, // blue-grey
		{0.72, 0.72, 0.72}, // grey
	}
	colour := colours[rng.IntN(len(colours))]
	strength := uniformIn(rng, 0.6, 1)
	for i := range colour {
		st.lineColour[i] = 1 - strength*(1-colour[i])
	}
	ruled, squared := uniformIn(rng, 0.5, 1.1), uniformIn(rng, 0.22, 0.45)
	ruledWidth, squaredWidth := uniformIn(rng, 1, 2.2), uniformIn(rng, 0.8, 1.6)
	margin := rng.Float64() < 0.35
	marginX, marginWidth := uniformIn(rng, 0.03, 0.2), uniformIn(rng, 1.5, 3)
	st.marginColour = [3]float64{0.95, 0.55, 0.58}
	st.lineSeed = rng.Uint64()
	switch st.lines {
	case Ruled:
		st.spacing, st.lineWidth = ruled*st.digitHeight, ruledWidth*st.scale
		if margin {
			st.marginX, st.marginWidth = marginX*float64(st.w), marginWidth*st.scale
		}
	case Squared:
		st.spacing, st.lineWidth = squared*st.digitHeight, squaredWidth*st.scale
	}
}

// planInk draws the ink: its colour scaled so that full ink darkens the
// paper's luma by the drawn contrast (as far as no channel absorbs more
// than all its light).
func (st *shot) planInk(c Condition, rng *rand.Rand) {
	inks := c.Inks
	if len(inks) == 0 {
		inks = []Ink{Black}
	}
	ink := inks[rng.IntN(len(inks))]
	contrast := Range{0.85, 0.92}
	if c.Contrast.On() {
		contrast = c.Contrast
	}
	k := contrast.draw(rng) / luma(ink.Absorb)
	for i, a := range ink.Absorb {
		st.absorb[i] = min(1, a*k)
	}
	st.grain = ink.Grain
	st.inkSeed = rng.Uint64()
}

// luma is Rec. 601's weighting of red, green and blue.
func luma(c [3]float64) float64 { return 0.299*c[0] + 0.587*c[1] + 0.114*c[2] }

// planLight draws the shadow, the uneven light and the vignetting.
func (st *shot) planLight(c Condition, rng *rand.Rand) {
	size := float64(min(st.w, st.h))
	st.depth = c.Shadow.draw(rng)
	theta := uniformIn(rng, 0, 2*math.Pi)
	st.nx, st.ny = math.Cos(theta), math.Sin(theta)
	st.edge = [2]float64{
		float64(st.w) * (0.5 + uniformIn(rng, -0.25, 0.25)),
		float64(st.h) * (0.5 + uniformIn(rng, -0.25, 0.25)),
	}
	st.penumbra = uniformIn(rng, 0.02, 0.12) * size
	st.curve = uniformIn(rng, -1.5, 1.5) / size
	st.wobble = uniformIn(rng, 0, 0.035) * size
	st.gradient = uniformIn(rng, 0, 0.5) * st.depth
	phi := uniformIn(rng, 0, 2*math.Pi)
	st.gradDir = [2]float64{math.Cos(phi), math.Sin(phi)}
	st.vignette = uniformIn(rng, 0.1, 0.3)
	st.shadowSeed = rng.Uint64()
	if st.depth == 0 {
		st.gradient, st.vignette = 0, 0
	}
}

// Tuning of the page's look, in pixels of the reference size.
const (
	textureCell   = 40    // the paper's mottling
	texture       = 0.012 // ± this fraction of the paper's brightness
	blotchCell    = 12    // a pen's uneven ink
	grainCell     = 1.5   // pencil's grain
	shadowTint    = 0.9   // the shade's blue is darkened this fraction as much as its red (skylight)
	shadowTintMid = 0.97  // ... and its green
)

// render draws the photo of the digit s.
func (st *shot) render(s *strokes) *image.RGBA {
	w, h := st.w, st.h
	var planes [3][]float32
	for i := range planes {
		planes[i] = make([]float32, w*h)
	}
	unit := st.digitHeight / s.height // photo pixels per field pixel
	cos, sin := math.Cos(st.angle), math.Sin(st.angle)
	inLines := st.lines != Blank
	parallel(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			for x := range w {
				u, v := st.page.apply(float64(x)+0.5, float64(y)+0.5)
				var rgb [3]float64
				t := 1 + 2*texture*(fractal(st.textureSeed, u/(textureCell*st.scale), v/(textureCell*st.scale), 2)-0.5)
				for i := range rgb {
					rgb[i] = st.paper[i] * t
				}
				if inLines {
					st.rule(&rgb, u, v)
				}
				// The ink: turn the page point into the field's frame.
				du, dv := u-st.digitX, v-st.digitY
				fx := (cos*du+sin*dv)/unit + s.cx
				fy := (-sin*du+cos*dv)/unit + s.cy
				if cov := 0.5 - s.at(fx, fy)*unit; cov > 0 {
					cov = min(cov, 1) * st.density(u, v)
					for i := range rgb {
						rgb[i] *= 1 - cov*st.absorb[i]
					}
				}
				st.light(&rgb, u, v, float64(x)+0.5, float64(y)+0.5)
				for i := range planes {
					planes[i][y*w+x] = float32(rgb[i])
				}
			}
		}
	})
	if st.blur > 0 {
		for i := range planes {
			gaussianBlur(planes[i], w, h, st.blur)
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	parallel(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			for x := range w {
				shared := 0.0
				if st.noise > 0 {
					shared = 0.8 * gauss(hash2(st.noiseSeed, int64(x), int64(y)))
				}
				p := img.Pix[y*img.Stride+4*x:]
				for i := range planes {
					v := 255 * float64(planes[i][y*w+x])
					if st.noise > 0 {
						own := 0.6 * gauss(hash2(st.noiseSeed+1+uint64(i), int64(x), int64(y)))
						v += st.noise * (shared + own)
					}
					p[i] = uint8(min(255, max(0, math.Round(v))))
				}
				p[3] = 255
			}
		}
	})
	return img
}

// rule darkens rgb where the ruling passes through page point (u, v).
func (st *shot) rule(rgb *[3]float64, u, v float64) {
	cos, sin := math.Cos(st.lineAngle), math.Sin(st.lineAngle)
	across, along := cos*u+sin*v, -sin*u+cos*v // along runs down the page
	cov := lineCover(along/st.spacing-st.phase[1], st.spacing, st.lineWidth)
	if st.lines == Squared {
		cov = max(cov, lineCover(across/st.spacing-st.phase[0], st.spacing, st.lineWidth))
	}
	if cov > 0 {
		// Printed lines are not quite even.
		cov *= 0.85 + 0.15*smooth(st.lineSeed, u/(30*st.scale), v/(30*st.scale))
		for i := range rgb {
			rgb[i] *= 1 - cov*(1-st.lineColour[i])
		}
	}
	if st.marginWidth > 0 {
		m := min(1, max(0, st.marginWidth/2+0.5-math.Abs(across-st.marginX)))
		for i := range rgb {
			rgb[i] *= 1 - m*(1-st.marginColour[i])
		}
	}
}

// lineCover returns how much of a pixel a line width pixels wide covers,
// for lines every spacing pixels, at t spacings from a line's position.
func lineCover(t, spacing, width float64) float64 {
	d := math.Abs(t-math.Round(t)) * spacing
	return min(1, max(0, width/2+0.5-d))
}

// density returns how much of full ink the pen left at page point (u, v).
func (st *shot) density(u, v float64) float64 {
	blotch := fractal(st.inkSeed, u/(blotchCell*st.scale), v/(blotchCell*st.scale), 2)
	grain := smooth(st.inkSeed+7, u/(grainCell*st.scale), v/(grainCell*st.scale))
	return 1 - st.grain*(0.5*blotch+0.5*grain)
}

// light applies the page's light at page point (u, v), which the photo
// shows at (x, y).
func (st *shot) light(rgb *[3]float64, u, v, x, y float64) {
	if st.depth == 0 {
		return
	}
	du, dv := u-st.edge[0], v-st.edge[1]
	along := -st.ny*du + st.nx*dv
	d := st.nx*du + st.ny*dv + st.curve*along*along
	if math.Abs(d) < st.penumbra/2+st.wobble {
		// The edge wobbles; away from it, it cannot matter.
		size := float64(min(st.w, st.h))
		d += st.wobble * (2*fractal(st.shadowSeed, u/(0.5*size), v/(0.5*size), 2) - 1)
	}
	shade := st.depth * smoothstep(-st.penumbra/2, st.penumbra/2, d)

	fw, fh := float64(st.w), float64(st.h)
	g := (st.gradDir[0]*(u-fw/2) + st.gradDir[1]*(v-fh/2)) / math.Hypot(fw/2, fh/2)
	even := 1 - st.gradient*(0.5+0.5*min(1, max(-1, g)))
	r2 := ((x-fw/2)*(x-fw/2) + (y-fh/2)*(y-fh/2)) / (fw*fw/4 + fh*fh/4)
	even *= 1 - st.vignette*r2

	tint := [3]float64{1, shadowTintMid, shadowTint}
	for i := range rgb {
		rgb[i] *= (1 - shade*tint[i]) * even
	}
}

// smoothstep is 0 below lo, 1 above hi and a smooth S between.
func smoothstep(lo, hi, x float64) float64 {
	t := min(1, max(0, (x-lo)/(hi-lo)))
	return t * t * (3 - 2*t)
}

// gaussianBlur blurs a w×h plane in place with a Gaussian of standard
// deviation sigma pixels, extending the edges.
func gaussianBlur(p []float32, w, h int, sigma float64) {
	r := int(math.Ceil(3 * sigma))
	k := make([]float32, 2*r+1)
	sum := float32(0)
	for i := range k {
		d := float64(i - r)
		k[i] = float32(math.Exp(-d * d / (2 * sigma * sigma)))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float32, len(p))
	parallel(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			row := p[y*w : (y+1)*w]
			for x := range w {
				acc := float32(0)
				for i, kv := range k {
					acc += kv * row[min(w-1, max(0, x+i-r))]
				}
				tmp[y*w+x] = acc
			}
		}
	})
	parallel(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			for x := range w {
				acc := float32(0)
				for i, kv := range k {
					acc += kv * tmp[min(h-1, max(0, y+i-r))*w+x]
				}
				p[y*w+x] = acc
			}
		}
	})
}

// parallel calls f on bands of the rows 0..h−1, concurrently, and waits.
func parallel(h int, f func(y0, y1 int)) {
	n := min(runtime.GOMAXPROCS(0), max(1, h/32))
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i*h/n, (i+1)*h/n) })
	}
	wg.Wait()
}
