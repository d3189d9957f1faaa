package imageproc

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// page draws a phone photo of a page: paper of the given colour, lit by
// light (a function of the unit position, 1 = fully lit), with ruled lines
// every spacing pixels (0: none) and, if squared, columns too, in lineInk;
// and the strokes in ink inside box with pen width pen; plus sensor noise
// of σ noise levels.
func page(strokes []segment, w, h int, box image.Rectangle, pen float64, spacing int, squared bool,
	paper, ink, lineInk color.RGBA, light func(x, y float64) float64, noise float64, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 9))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := [3]float64{float64(paper.R), float64(paper.G), float64(paper.B)}
			mix := func(k color.RGBA, a float64) {
				c[0] += a * (float64(k.R) - c[0])
				c[1] += a * (float64(k.G) - c[1])
				c[2] += a * (float64(k.B) - c[2])
			}
			if spacing > 0 {
				if d := math.Abs(float64((y+spacing/2)%spacing - spacing/2)); d < 1.5 {
					mix(lineInk, 1-d/1.5)
				}
				if squared {
					if d := math.Abs(float64((x+spacing/2)%spacing - spacing/2)); d < 1.5 {
						mix(lineInk, 1-d/1.5)
					}
				}
			}
			mix(ink, stroke(strokes, box, pen, x, y))
			l := light(float64(x)/float64(w), float64(y)/float64(h))
			v := func(k float64) uint8 { return uint8(min(255, max(0, math.Round(k*l+noise*rng.NormFloat64())))) }
			m.SetRGBA(x, y, color.RGBA{v(c[0]), v(c[1]), v(c[2]), 255})
		}
	}
	return m
}

var (
	white     = color.RGBA{235, 232, 225, 255}
	blackInk  = color.RGBA{30, 30, 40, 255}
	blueInk   = color.RGBA{40, 60, 170, 255}
	ruleBlue  = color.RGBA{150, 180, 220, 255}
	evenLight = func(x, y float64) float64 { return 1 }
	// shadow darkens the right part of the page to 45%, with a soft edge.
	shadow = func(x, y float64) float64 { return 1 - 0.55/(1+math.Exp(-(x-0.55)*25)) }
	// wideShadow darkens all but the right fifth of the page to 45%: most
	// of the border is in shadow.
	wideShadow = func(x, y float64) float64 { return 1 - 0.55/(1+math.Exp((x-0.8)*25)) }
)

// five is a "5" drawn as people write it: the bar is a separate stroke.
var five = []segment{
	{0.20, 0.00, 1.00, 0.00}, // bar, lifted from the rest
	{0.15, 0.10, 0.10, 0.45}, // down
	{0.10, 0.45, 0.70, 0.42}, // the bowl's top
	{0.70, 0.42, 0.95, 0.70},
	{0.95, 0.70, 0.70, 1.00},
	{0.70, 1.00, 0.00, 0.92},
}

// plainFrame is the frame of the strokes on plain, evenly lit paper.
func plainFrame(t *testing.T, strokes []segment) *image.Gray {
	t.Helper()
	img := page(strokes, 400, 300, image.Rect(150, 70, 250, 230), 8, 0, false, white, blackInk, ruleBlue, evenLight, 0, 1)
	return mustPreprocess(t, "plain page", img).Frame
}

func TestShadowAloneIsNoInk(t *testing.T) {
	img := page(nil, 400, 300, image.Rect(0, 0, 1, 1), 1, 0, false, white, blackInk, ruleBlue, shadow, 3, 1)
	_, err := Preprocess(img)
	if err == nil {
		t.Fatal("Preprocess(a shadow across blank paper) found a digit")
	}
	// Evening out the light leaves nothing above the ink threshold.
	work := downscale(grayscale(img))
	p := evenPlane(work)
	mask := maskOf(p.m, p.threshold)
	if n := len(mask.pix) - len(slices.DeleteFunc(slices.Clone(mask.pix), func(on bool) bool { return on })); n > 0 {
		t.Errorf("the shadow left %d pixels in the ink mask, want none", n)
	}
}

func TestPhotoConditionsKeepTheDigit(t *testing.T) {
	box := image.Rect(150, 70, 250, 230)
	tests := []struct {
		name    string
		strokes []segment
		img     image.Image
		tol     float64 // in levels a pixel, after up to a pixel's shift (see near)
	}{
		{"ruled page", four, page(four, 400, 300, box, 8, 24, false, white, blackInk, ruleBlue, evenLight, 3, 2), 12},
		{"squared page", four, page(four, 400, 300, box, 8, 20, true, white, blackInk, ruleBlue, evenLight, 3, 3), 14},
		{"shadow across", four, page(four, 400, 300, box, 8, 0, false, white, blackInk, ruleBlue, shadow, 3, 4), 12},
		{"blue ink, blue lines", four, page(four, 400, 300, box, 8, 24, false, white, blueInk, ruleBlue, evenLight, 3, 5), 14},
		{"two-stroke 5 on a ruled page", five, page(five, 400, 300, box, 8, 24, false, white, blackInk, ruleBlue, evenLight, 3, 6), 14},
		{"two-stroke 5 in shadow", five, page(five, 400, 300, box, 8, 0, false, white, blackInk, ruleBlue, shadow, 3, 7), 12},
		{"shadow over most of the border", four, page(four, 400, 300, box, 8, 0, false, white, blackInk, ruleBlue, wideShadow, 3, 9), 12},
	}
	for _, tt := range tests {
		want := plainFrame(t, tt.strokes)
		st := mustPreprocess(t, tt.name, tt.img)
		if d := near(st.Frame, want); d > tt.tol {
			t.Errorf("Preprocess(%s) is %.1f levels a pixel from the digit on plain paper, want ≤ %g\n%s\nplain:\n%s",
				tt.name, d, tt.tol, ascii(st.Frame), ascii(want))
		}
	}
}

// TestLinesRemovedStrokesKept checks the lines stage: the ruled lines are
// gone, and the digit's strokes stay whole where they cross them.
func TestLinesRemovedStrokesKept(t *testing.T) {
	box := image.Rect(150, 70, 250, 230)
	st := mustPreprocess(t, "ruled page", page(four, 400, 300, box, 8, 24, false, white, blackInk, ruleBlue, evenLight, 2, 8))
	lines, digit := st.Lines, st.Digit
	// Far from the digit, the lines are gone from the digit stage.
	for y := range 300 {
		if lit := digit.Pix[y*digit.Stride+30]; lit == 255 {
			t.Fatalf("row %d, far left of the digit, is still ink after removing the lines", y)
		}
	}
	// The 4's stem (x = 0.7 of the box) is continuous over its height,
	// lines crossing it included.
	stemX := box.Min.X + 4 + int(0.7*float64(box.Dx()-8))
	for y := box.Min.Y + 6; y < box.Max.Y-6; y++ {
		if lines.Pix[y*lines.Stride+stemX] != 255 {
			t.Errorf("the stem is cut at row %d (a ruled line at %d)", y, y%24)
		}
	}
}

// TestCleanInputsUnchanged checks that what was read well before still is:
// an MNIST frame saved as PNG passes through bit for bit (so predict gives
// exactly the probabilities of the digit read from the IDX file), and
// white-on-black and dark-on-light digits on plain paper give the same
// frame.
func TestCleanInputsUnchanged(t *testing.T) {
	for i, img := range mnist(t, 200) {
		// As predict and the window read it: a PNG file, decoded.
		decoded, err := Decode(bytes.NewReader(encode(t, img, "png")))
		if err != nil {
			t.Fatalf("MNIST test image %d as PNG: %v", i, err)
		}
		st, err := Preprocess(decoded)
		if err != nil {
			t.Fatalf("MNIST test image %d: %v", i, err)
		}
		for j := range img.Pix {
			if st.Frame.Pix[j] != img.Pix[j] {
				t.Fatalf("MNIST test image %d changed at pixel %d: %d → %d", i, j, img.Pix[j], st.Frame.Pix[j])
			}
		}
	}
	box := image.Rect(40, 30, 160, 170)
	whiteOnBlack := mustPreprocess(t, "white on black", digit(four, 200, 200, box, 16, 255, 0)).Frame
	darkOnLight := mustPreprocess(t, "dark on light", digit(four, 200, 200, box, 16, 0, 255)).Frame
	if d := diff(whiteOnBlack, darkOnLight); d > 1 {
		t.Errorf("dark-on-light differs from white-on-black by %.2f levels a pixel", d)
	}
}

// TestFineStrokesThickened checks the stroke width step: a digit written
// with a fine pen comes out like the same digit written with a pen of
// MNIST's width, and a digit of MNIST's width is left as it is.
func TestFineStrokesThickened(t *testing.T) {
	box := image.Rect(150, 70, 250, 230) // the digit is 160 pixels high
	normal := mustPreprocess(t, "normal pen", page(four, 400, 300, box, 20, 0, false, white, blackInk, ruleBlue, evenLight, 2, 1))
	fine := mustPreprocess(t, "fine pen", page(four, 400, 300, box, 4, 0, false, white, blackInk, ruleBlue, evenLight, 2, 1))
	if normal.Restroked != 0 {
		t.Errorf("strokes %.2f of the digit's size were grown by %d pixels, want them left as they are", normal.Stroke, normal.Restroked)
	}
	if fine.Restroked <= 0 || fine.Stroke > thinStroke {
		t.Errorf("strokes %.2f of the digit's size were grown by %d pixels, want them grown", fine.Stroke, fine.Restroked)
	}
	if d := near(fine.Frame, normal.Frame); d > 6 {
		t.Errorf("the fine-pen 4 is %.1f levels a pixel from the normal one, want ≤ 6\nfine:\n%s\nnormal:\n%s", d, ascii(fine.Frame), ascii(normal.Frame))
	}
}

// TestCloseLine checks the one-dimensional closing against its definition:
// a maximum then a minimum over r either way, of the line extended far
// beyond its ends with its end values.
func TestCloseLine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 5, 17, 64} {
		for _, r := range []int{1, 2, 3, 8, 40} {
			src := make([]float32, n)
			for i := range src {
				src[i] = float32(rng.IntN(50))
			}
			pad := 3 * r
			ext := make([]float32, n+2*pad)
			for i := range ext {
				ext[i] = src[min(n-1, max(0, i-pad))]
			}
			window := func(v []float32, i int, pick func(a, b float32) float32) float32 {
				m := v[i]
				for j := max(0, i-r); j <= min(len(v)-1, i+r); j++ {
					m = pick(m, v[j])
				}
				return m
			}
			maxed := make([]float32, len(ext))
			for i := range ext {
				maxed[i] = window(ext, i, func(a, b float32) float32 { return max(a, b) })
			}
			got := make([]float32, n)
			closeLine(got, src, make([]float32, 3*(n+2*r)), r)
			for i := range n {
				want := window(maxed, i+pad, func(a, b float32) float32 { return min(a, b) })
				if got[i] != want {
					t.Fatalf("n=%d r=%d: closing at %d = %g, want %g (line %v)", n, r, i, got[i], want, src)
				}
			}
		}
	}
}

// TestFrameIsPreprocess: a training folder's images (Frame) come out as the
// same image dropped on the window or given to predict (Preprocess), and
// fail the same way.
func TestFrameIsPreprocess(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 48, 48))
	for i := range blank.Pix {
		blank.Pix[i] = 200
	}
	tests := []struct {
		name string
		img  image.Image
	}{
		{"ruled page in a shadow", page(four, 320, 240, image.Rect(120, 60, 200, 180), 6, 24, false, white, blackInk, ruleBlue, shadow, 3, 1)},
		{"48×48 scan", digit(four, 48, 48, image.Rect(8, 6, 40, 42), 4, 20, 230)},
		{"28×28 dark on light", digit(four, 28, 28, image.Rect(5, 4, 23, 24), 2.5, 20, 230)},
		{"blank", blank},
	}
	for _, tt := range tests {
		want, wantErr := Preprocess(tt.img)
		if (wantErr != nil) != (tt.name == "blank") {
			t.Errorf("%s: Preprocess error %v", tt.name, wantErr)
		}
		got, err := Frame(tt.img)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Errorf("%s: Frame error %v, Preprocess error %v", tt.name, err, wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if !bytes.Equal(got.Frame.Pix, want.Frame.Pix) {
			t.Errorf("%s: Frame's frame differs from Preprocess's", tt.name)
		}
		if got.Evened != nil || got.Mask != nil || got.Lines != nil || got.Digit != nil {
			t.Errorf("%s: Frame drew the photo stages' pictures", tt.name)
		}
	}
}

func TestChooseDigit(t *testing.T) {
	// Marks as rectangles of ink on a 300×300 page.
	mask := func(rects ...image.Rectangle) *bmask {
		m := newBmask(300, 300)
		for _, r := range rects {
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					m.pix[y*m.w+x] = true
				}
			}
		}
		return m
	}
	top := image.Rect(100, 40, 200, 140)    // the main mark, 100 a side: marks within 35 of a chosen one join
	piece := image.Rect(190, 150, 200, 178) // 10 below it
	arc := image.Rect(110, 180, 205, 240)   // 2 below the piece, 5 beyond the main mark's reach
	tests := []struct {
		name   string
		marks  []image.Rectangle
		chosen int
		want   []image.Rectangle // the marks chosen
	}{
		{"a digit broken in two, the halves joined by a piece", []image.Rectangle{top, piece, arc}, 3, []image.Rectangle{top, piece, arc}},
		{"a far half without the piece", []image.Rectangle{top, arc}, 1, []image.Rectangle{top}},
		{"a stray mark far away", []image.Rectangle{top, piece, image.Rect(20, 250, 60, 290)}, 2, []image.Rectangle{top, piece}},
		{"a chain running beyond 2.5 sizes", []image.Rectangle{top, piece, arc, image.Rect(110, 250, 205, 295)}, 3, []image.Rectangle{top, piece, arc}},
		{"a speck near the digit", []image.Rectangle{top, image.Rect(150, 150, 152, 152)}, 1, []image.Rectangle{top}},
	}
	for _, tt := range tests {
		digit, chosen, marks := chooseDigit(mask(tt.marks...))
		if marks != len(tt.marks) || chosen != tt.chosen {
			t.Errorf("%s: chose %d of %d marks, want %d of %d", tt.name, chosen, marks, tt.chosen, len(tt.marks))
		}
		if want := mask(tt.want...); !slices.Equal(digit.pix, want.pix) {
			t.Errorf("%s: the wrong marks were chosen", tt.name)
		}
	}
}
