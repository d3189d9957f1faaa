package imageproc

import (
	"compress/gzip"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/assets"
)

// checkFrame fails t unless f has the shape and geometry every frame must
// have: Size×Size at the origin with 784 bytes, ink whose longer side spans
// Box ± 1 pixels, and a centre of mass within half a pixel (plus rounding)
// of (14, 14) in pixel-index coordinates.
func checkFrame(t *testing.T, name string, f *image.Gray) {
	t.Helper()
	if f.Rect != image.Rect(0, 0, Size, Size) || f.Stride != Size || len(f.Pix) != Pixels {
		t.Fatalf("Preprocess(%s).Frame has Rect %v, Stride %d, %d bytes, want %v, %d, %d",
			name, f.Rect, f.Stride, len(f.Pix), image.Rect(0, 0, Size, Size), Size, Pixels)
	}
	box := inkBox(f, 0)
	if side := max(box.Dx(), box.Dy()); side < Box-1 || side > Box+1 {
		t.Errorf("Preprocess(%s): ink spans %v (longer side %d), want longer side %d±1\n%s",
			name, box, side, Box, ascii(f))
	}
	if x, y := centreOfMass(f); math.Abs(x-14) > 0.55 || math.Abs(y-14) > 0.55 {
		t.Errorf("Preprocess(%s): centre of mass (%.2f, %.2f), want within 0.5 of (14, 14)\n%s",
			name, x, y, ascii(f))
	}
}

func mustPreprocess(t *testing.T, name string, img image.Image) *Stages {
	t.Helper()
	st, err := Preprocess(img)
	if err != nil {
		t.Fatalf("Preprocess(%s): %v", name, err)
	}
	checkFrame(t, name, st.Frame)
	return st
}

// reference is the frame of a clean, large, centred white-on-black "4".
func reference(t *testing.T) *image.Gray {
	return mustPreprocess(t, "reference 4", digit(four, 200, 200, image.Rect(40, 30, 160, 170), 16, 255, 0)).Frame
}

func TestPreprocessGeometry(t *testing.T) {
	tests := []struct {
		name    string
		strokes []segment
		w, h    int
		box     image.Rectangle
		pen     float64
	}{
		{"large 4", four, 200, 200, image.Rect(40, 30, 160, 170), 16},
		{"tall 1", one, 100, 120, image.Rect(30, 10, 60, 110), 8},
		{"wide dash", dash, 120, 60, image.Rect(10, 20, 110, 40), 6},
		{"tiny 4 in a corner", four, 400, 300, image.Rect(20, 230, 32, 244), 2},
		{"4 touching the edges", four, 50, 60, image.Rect(0, 0, 50, 60), 6},
		{"28×28 4", four, 28, 28, image.Rect(4, 4, 24, 24), 3},
		{"4 drawn with a 1-pixel pen", four, 640, 480, image.Rect(250, 140, 370, 300), 1},
	}
	for _, tt := range tests {
		img := digit(tt.strokes, tt.w, tt.h, tt.box, tt.pen, 255, 0)
		st := mustPreprocess(t, tt.name, img)
		if st.Inverted {
			t.Errorf("Preprocess(%s).Inverted = true, want false (white ink on black)", tt.name)
		}
		if st.Gray.Rect != image.Rect(0, 0, tt.w, tt.h) || st.Ink.Rect != st.Gray.Rect {
			t.Errorf("Preprocess(%s): Gray %v, Ink %v, want both %v", tt.name, st.Gray.Rect, st.Ink.Rect, image.Rect(0, 0, tt.w, tt.h))
		}
	}
}

func TestPreprocessAspectRatio(t *testing.T) {
	// A "1" whose ink is about 29×100 pixels must come out about 6×20.
	img := digit(one, 100, 120, image.Rect(30, 10, 90, 110), 8, 255, 0)
	src := inkBox(img, 0)
	st := mustPreprocess(t, "tall 1", img)
	got := inkBox(st.Frame, 0)
	want := float64(Box*src.Dx()) / float64(src.Dy())
	if got.Dy() != Box || math.Abs(float64(got.Dx())-want) > 1 {
		t.Errorf("Preprocess(tall 1): ink %d×%d, want %.1f×%d (±1 wide) from %d×%d\n%s",
			got.Dx(), got.Dy(), want, Box, src.Dx(), src.Dy(), ascii(st.Frame))
	}
}

func TestPreprocessOffCentre(t *testing.T) {
	// A small "4" (48×56 pixels) near the bottom left of a 400×300 image
	// must come out like a large centred one.
	want := reference(t)
	img := digit(four, 400, 300, image.Rect(30, 200, 78, 256), 6, 255, 0)
	got := mustPreprocess(t, "small 4 in 400×300", img).Frame
	if d := near(got, want); d > 4 {
		t.Errorf("Preprocess(small 4 in 400×300) is %.1f levels a pixel from a large centred 4, want ≤ 4\ngot\n%swant\n%s",
			d, ascii(got), ascii(want))
	}
}

func TestPreprocessPolarity(t *testing.T) {
	box := image.Rect(60, 40, 180, 170)
	light := mustPreprocess(t, "white 4 on black", digit(four, 240, 200, box, 14, 255, 0))
	dark := mustPreprocess(t, "black 4 on white", digit(four, 240, 200, box, 14, 0, 255))
	grey := mustPreprocess(t, "dark grey 4 on mid grey", digit(four, 240, 200, box, 14, 40, 110))
	if light.Inverted || !dark.Inverted || !grey.Inverted {
		t.Errorf("Inverted = %v, %v, %v for white-on-black, black-on-white, dark-on-grey, want false, true, true",
			light.Inverted, dark.Inverted, grey.Inverted)
	}
	for _, c := range []struct {
		name string
		st   *Stages
	}{{"black 4 on white", dark}, {"dark grey 4 on mid grey", grey}} {
		if d := diff(c.st.Frame, light.Frame); d > 1 {
			t.Errorf("Preprocess(%s) differs from white-on-black by %.2f levels a pixel, want ≤ 1\n%s", c.name, d, ascii(c.st.Frame))
		}
	}
}

func TestPreprocessPhoto(t *testing.T) {
	// Uneven light, sensor noise and grey-blue ink: the frame must be
	// close to the clean one, and its background clean.
	box := image.Rect(250, 140, 370, 300)
	want := mustPreprocess(t, "clean 4", digit(four, 640, 480, box, 12, 255, 0)).Frame
	st := mustPreprocess(t, "photo", photo(four, 640, 480, box, 12, 1))
	if !st.Inverted {
		t.Errorf("Preprocess(photo).Inverted = false, want true (dark ink on paper)")
	}
	if d := near(st.Frame, want); d > 4 {
		t.Errorf("Preprocess(photo) is %.1f levels a pixel from the clean 4, want ≤ 4\ngot\n%swant\n%s",
			d, ascii(st.Frame), ascii(want))
	}
	// Paper far from the digit must be black in Ink.
	if v := st.Ink.GrayAt(20, 20).Y; v != 0 {
		t.Errorf("Preprocess(photo).Ink at (20, 20) = %d, want 0 (paper)", v)
	}
}

func TestPreprocessTransparent(t *testing.T) {
	box := image.Rect(30, 20, 110, 120)
	want := mustPreprocess(t, "white 4 on black", digit(four, 140, 140, box, 10, 255, 0)).Frame
	tests := []struct {
		name     string
		ink      color.NRGBA
		inverted bool
	}{
		{"black 4 on transparent", color.NRGBA{0, 0, 0, 255}, true},
		{"white 4 on transparent", color.NRGBA{255, 255, 255, 255}, false},
		{"red 4 on transparent", color.NRGBA{200, 0, 0, 255}, true},
	}
	for _, tt := range tests {
		st := mustPreprocess(t, tt.name, transparentDigit(four, 140, 140, box, 10, tt.ink))
		if st.Inverted != tt.inverted {
			t.Errorf("Preprocess(%s).Inverted = %v, want %v", tt.name, st.Inverted, tt.inverted)
		}
		if d := diff(st.Frame, want); d > 1 {
			t.Errorf("Preprocess(%s) differs from white-on-black by %.2f levels a pixel, want ≤ 1\n%s", tt.name, d, ascii(st.Frame))
		}
	}
}

func TestPreprocessBlank(t *testing.T) {
	uniform := func(v uint8) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, 64, 48))
		for i := range g.Pix {
			g.Pix[i] = v
		}
		return g
	}
	noisy := photo(nil, 320, 240, image.Rect(0, 0, 1, 1), 1, 2) // paper, light and noise only
	// Blank paper photographed: shading by f (of the distance from the
	// centre, 0 there and 1 in a corner) and sensor noise.
	paper := func(f func(r2 float64) float64, sigma float64) *image.Gray {
		const w, h = 400, 300
		rng := rand.New(rand.NewPCG(1, 2))
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				dx, dy := float64(x-w/2)/(w/2), float64(y-h/2)/(h/2)
				v := f((dx*dx+dy*dy)/2) + sigma*rng.NormFloat64()
				g.Pix[y*w+x] = uint8(min(255, max(0, math.Round(v))))
			}
		}
		return g
	}
	tests := []struct {
		name string
		img  image.Image
	}{
		{"paper with strong sensor noise", paper(func(float64) float64 { return 200 }, 20)},
		{"paper darkening by half towards the corners", paper(func(r2 float64) float64 { return 220 * (1 - 0.5*r2) }, 3)},
		{"a glare on grey paper", paper(func(r2 float64) float64 { return 150 + 80*math.Exp(-8*r2) }, 3)},
		{"white", uniform(255)},
		{"black", uniform(0)},
		{"mid grey", uniform(128)},
		{"faint smudge", digit(four, 100, 100, image.Rect(20, 20, 80, 80), 8, 140, 128)},
		{"noisy paper", noisy},
		{"fully transparent", image.NewNRGBA(image.Rect(0, 0, 30, 30))},
		{"no pixels", image.NewGray(image.Rect(5, 5, 5, 9))},
	}
	for _, tt := range tests {
		st, err := Preprocess(tt.img)
		if !errors.Is(err, ErrBlank) {
			t.Errorf("Preprocess(%s) = %v, %v, want ErrBlank", tt.name, st, err)
			continue
		}
		// The message says what is wrong in words a user knows.
		if msg := err.Error(); !strings.HasPrefix(msg, "no digit found in the image (it is blank)") {
			t.Errorf("Preprocess(%s) error = %q, want it to start %q", tt.name, msg, "no digit found in the image (it is blank)")
		}
	}
}

func TestPreprocessImageTypes(t *testing.T) {
	// Decoders return many image types, sub-images have a non-zero origin:
	// all must give the frame of the plain Gray image.
	box := image.Rect(20, 10, 80, 90)
	g := digit(four, 100, 100, box, 8, 0, 255)
	want := mustPreprocess(t, "Gray", g).Frame

	convert := func(m draw2) image.Image {
		b := m.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				m.Set(x, y, g.At(x-b.Min.X, y-b.Min.Y))
			}
		}
		return m
	}
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.Gray{uint8(i)}
	}
	ycc := image.NewYCbCr(image.Rect(0, 0, 100, 100), image.YCbCrSubsampleRatio420)
	for i := range ycc.Y {
		ycc.Y[i] = g.Pix[i]
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = 128, 128
	}
	big := image.NewGray(image.Rect(0, 0, 130, 120))
	for y := range 100 {
		copy(big.Pix[(y+7)*big.Stride+13:], g.Pix[y*g.Stride:][:100])
	}
	tests := []struct {
		name string
		img  image.Image
	}{
		{"RGBA", convert(image.NewRGBA(image.Rect(0, 0, 100, 100)))},
		{"NRGBA", convert(image.NewNRGBA(image.Rect(0, 0, 100, 100)))},
		{"Gray16", convert(image.NewGray16(image.Rect(0, 0, 100, 100)))},
		{"RGBA64", convert(image.NewRGBA64(image.Rect(0, 0, 100, 100)))},
		{"CMYK", convert(image.NewCMYK(image.Rect(0, 0, 100, 100)))},
		{"Paletted", convert(image.NewPaletted(image.Rect(0, 0, 100, 100), pal))},
		{"Paletted at (-50, 30)", convert(image.NewPaletted(image.Rect(-50, 30, 50, 130), pal))},
		{"YCbCr", ycc},
		{"Gray sub-image", big.SubImage(image.Rect(13, 7, 113, 107))},
	}
	for _, tt := range tests {
		st := mustPreprocess(t, tt.name, tt.img)
		if d := diff(st.Frame, want); d > 0.5 {
			t.Errorf("Preprocess(%s) differs from the Gray image by %.2f levels a pixel, want ≤ 0.5\n%s", tt.name, d, ascii(st.Frame))
		}
	}
}

// draw2 is an image that can be drawn pixel by pixel.
type draw2 interface {
	image.Image
	Set(x, y int, c color.Color)
}

func TestPreprocessOddSizes(t *testing.T) {
	// Degenerate shapes must give a frame or ErrBlank, never panic.
	for _, r := range []image.Rectangle{
		image.Rect(0, 0, 1, 1), image.Rect(0, 0, 1, 50), image.Rect(0, 0, 50, 1),
		image.Rect(0, 0, 2, 2), image.Rect(0, 0, 3, 700),
	} {
		g := image.NewGray(r)
		for i := range g.Pix {
			if i%3 == 1 {
				g.Pix[i] = 255
			}
		}
		st, err := Preprocess(g)
		if err != nil && !errors.Is(err, ErrBlank) {
			t.Errorf("Preprocess(%v stripes) = %v, want a frame or ErrBlank", r, err)
		}
		if err == nil && len(st.Frame.Pix) != Pixels {
			t.Errorf("Preprocess(%v stripes).Frame has %d bytes, want %d", r, len(st.Frame.Pix), Pixels)
		}
	}
	if _, err := Preprocess(nil); err == nil {
		t.Errorf("Preprocess(nil) = nil error, want an error")
	}
}

// mnist returns the first n test images of MNIST, shipped in package assets.
func mnist(t testing.TB, n int) []*image.Gray {
	t.Helper()
	f, err := assets.MNIST.Open("mnist/t10k-images-idx3-ubyte.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var hdr [4]uint32
	if err := binary.Read(zr, binary.BigEndian, &hdr); err != nil || hdr[0] != 0x803 || hdr[2] != Size || hdr[3] != Size {
		t.Fatalf("MNIST header %x, %v", hdr, err)
	}
	imgs := make([]*image.Gray, n)
	for i := range imgs {
		imgs[i] = image.NewGray(image.Rect(0, 0, Size, Size))
		if _, err := io.ReadFull(zr, imgs[i].Pix); err != nil {
			t.Fatal(err)
		}
	}
	return imgs
}

func TestPreprocessMNIST(t *testing.T) {
	// MNIST digits are already what Preprocess makes: they must come back
	// unchanged but for rounding, or moved by one pixel where their centre
	// of mass lies half way between two pixels.
	const n = 1000
	same := 0
	for i, img := range mnist(t, n) {
		st, err := Preprocess(img)
		if err != nil {
			t.Fatalf("Preprocess(MNIST test image %d): %v", i, err)
		}
		if st.Inverted {
			t.Errorf("Preprocess(MNIST test image %d).Inverted = true, want false", i)
		}
		if d := diff(st.Frame, img); d <= 1 {
			same++
		}
	}
	if same < n*995/1000 {
		t.Errorf("Preprocess kept %d of %d MNIST test images within 1 level a pixel, want at least 99.5%%", same, n)
	}
}

func TestInkBounds(t *testing.T) {
	// A 40×40 block of ink at (30, 30) with a faint rim, seen through
	// inkBounds(core 64, edge 16): the rim is kept up to 2 pixels (40/20)
	// a side, fainter pixels and far-away specks are not.
	block := func(rim int, rimLevel uint8, specks ...image.Point) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, 100, 100))
		for y := 30 - rim; y < 70+rim; y++ {
			for x := 30 - rim; x < 70+rim; x++ {
				g.Pix[y*g.Stride+x] = rimLevel
			}
		}
		for y := 30; y < 70; y++ {
			for x := 30; x < 70; x++ {
				g.Pix[y*g.Stride+x] = 255
			}
		}
		for _, p := range specks {
			g.SetGray(p.X, p.Y, color.Gray{40})
		}
		return g
	}
	tests := []struct {
		name string
		img  *image.Gray
		want image.Rectangle
	}{
		{"no rim", block(0, 0), image.Rect(30, 30, 70, 70)},
		{"1-pixel rim", block(1, 20), image.Rect(29, 29, 71, 71)},
		{"5-pixel rim, 2 kept", block(5, 20), image.Rect(28, 28, 72, 72)},
		{"rim below the edge threshold", block(1, 10), image.Rect(30, 30, 70, 70)},
		{"specks away from the ink", block(0, 0, image.Pt(5, 5), image.Pt(90, 50), image.Pt(72, 40)), image.Rect(30, 30, 70, 70)},
		{"speck next to the ink", block(0, 0, image.Pt(70, 40)), image.Rect(30, 30, 71, 70)},
		{"nothing", image.NewGray(image.Rect(0, 0, 10, 10)), image.Rectangle{}},
	}
	for _, tt := range tests {
		if got := inkBounds(tt.img, inkThreshold, edgeThreshold); got != tt.want {
			t.Errorf("inkBounds(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
