package imageproc

import (
	"image"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestParseAugment(t *testing.T) {
	tests := []struct {
		in   string
		want Augment
		err  string // part of the error message; "" for success
	}{
		{"", Augment{}, ""},
		{"none", Augment{}, ""},
		{" None ", Augment{}, ""},
		{"flip", Augment{Flip: true}, ""},
		{"flip,rotate=15,shift=2,noise=0.1", Augment{Flip: true, Rotate: 15, Shift: 2, Noise: 0.1}, ""},
		{"noise=0.05, ROTATE=7.5 ,shift=1", Augment{Rotate: 7.5, Shift: 1, Noise: 0.05}, ""},
		{"rotate=180,shift=14,noise=1", Augment{Rotate: 180, Shift: 14, Noise: 1}, ""},
		{"pen=0.5,shift=1", Augment{Shift: 1, Pen: 0.5}, ""},
		{"pen=3", Augment{}, "pen must be between 0 and 2 pixels (got 3)"},
		{"pen=thick", Augment{}, `pen must be a number of pixels, like pen=0.5 (got "thick")`},
		{"rotate=0", Augment{}, ""},
		{"blur=2", Augment{}, `unknown kind "blur" (allowed: flip, rotate=DEGREES, shift=PIXELS, pen=PIXELS, noise=SIGMA, or none)`},
		{"flip,,shift=1", Augment{}, "empty item"},
		{"flip,none", Augment{}, "none cannot be combined"},
		{"flip=true", Augment{}, `flip takes no value (got "flip=true")`},
		{"rotate", Augment{}, "rotate needs a value, like rotate=15"},
		{"shift=", Augment{}, "shift needs a value, like shift=2"},
		{"rotate=abc", Augment{}, `rotate must be a number of degrees, like rotate=15 (got "abc")`},
		{"shift=1.5", Augment{}, `shift must be a whole number of pixels, like shift=2 (got "1.5")`},
		{"noise=lots", Augment{}, `noise must be a number, like noise=0.1 (got "lots")`},
		{"rotate=5,rotate=6", Augment{}, "rotate is given twice"},
		{"rotate=200", Augment{}, `augmentation "rotate=200": rotation must be between 0 and 180 degrees (got 200)`},
		{"rotate=-5", Augment{}, "rotation must be between 0 and 180 degrees (got -5)"},
		{"rotate=NaN", Augment{}, "rotation must be between 0 and 180 degrees (got NaN)"},
		{"shift=15", Augment{}, "shift must be between 0 and 14 pixels (got 15)"},
		{"noise=1.5", Augment{}, "noise must be between 0 and 1 (got 1.5)"},
		{"noise=-inf", Augment{}, "noise must be between 0 and 1 (got -Inf)"},
	}
	for _, tt := range tests {
		got, err := ParseAugment(tt.in)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("ParseAugment(%q) = %v, want %+v", tt.in, err, tt.want)
		case tt.err == "" && got != tt.want:
			t.Errorf("ParseAugment(%q) = %+v, want %+v", tt.in, got, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseAugment(%q) = %+v, %v, want error containing %q", tt.in, got, err, tt.err)
		}
	}
}

func TestAugmentStringRoundTrip(t *testing.T) {
	tests := []struct {
		a    Augment
		want string
	}{
		{Augment{}, "none"},
		{Augment{Flip: true}, "flip"},
		{Augment{Shift: 3}, "shift=3"},
		{Augment{Flip: true, Rotate: 15, Shift: 2, Noise: 0.1}, "flip,rotate=15,shift=2,noise=0.1"},
		{Augment{Rotate: 12.345678901234567, Noise: 1e-3}, "rotate=12.345678901234567,noise=0.001"},
		{Augment{Shift: 2, Pen: 0.75, Noise: 0.1}, "shift=2,pen=0.75,noise=0.1"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.a, got, tt.want)
		}
		back, err := ParseAugment(tt.a.String())
		if err != nil || back != tt.a {
			t.Errorf("ParseAugment(%q) = %+v, %v, want %+v", tt.a.String(), back, err, tt.a)
		}
		if got := tt.a.Enabled(); got != (tt.want != "none") {
			t.Errorf("%+v.Enabled() = %v, want %v", tt.a, got, !got)
		}
	}
}

func TestAugmentValidate(t *testing.T) {
	tests := []struct {
		a    Augment
		want string // "" for valid
	}{
		{Augment{}, ""},
		{Augment{Flip: true, Rotate: 180, Shift: 14, Noise: 1}, ""},
		{Augment{Rotate: 200}, "rotation must be between 0 and 180 degrees (got 200)"},
		{Augment{Rotate: math.NaN()}, "rotation must be between 0 and 180 degrees (got NaN)"},
		{Augment{Shift: -1}, "shift must be between 0 and 14 pixels (got -1)"},
		{Augment{Noise: math.NaN()}, "noise must be between 0 and 1 (got NaN)"},
		{Augment{Pen: -0.5}, "pen must be between 0 and 2 pixels (got -0.5)"},
		{Augment{Rotate: -1, Shift: 99}, "rotation must be between 0 and 180 degrees (got -1)\nshift must be between 0 and 14 pixels (got 99)"},
	}
	for _, tt := range tests {
		err := tt.a.Validate()
		if got := errString(err); got != tt.want {
			t.Errorf("%+v.Validate() = %q, want %q", tt.a, got, tt.want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// testFrame is a frame holding an anti-aliased "4".
func testFrame() []uint8 {
	return digit(four, Size, Size, image.Rect(6, 4, 22, 24), 3, 255, 0).Pix
}

func TestApplyReproducible(t *testing.T) {
	a := Augment{Flip: true, Rotate: 15, Shift: 2, Noise: 0.1}
	frame := testFrame()
	run := func(seed uint64) []float32 {
		rng := rand.New(rand.NewPCG(seed, 7))
		out := make([]float32, Pixels)
		a.Apply(out, frame, rng) // a second draw, so the rng state carries over
		a.Apply(out, frame, rng)
		return out
	}
	first, again, other := run(1), run(1), run(2)
	if !slices.Equal(first, again) {
		t.Errorf("Apply with the same seed gave different frames")
	}
	if slices.Equal(first, other) {
		t.Errorf("Apply with different seeds gave the same frame")
	}
	for i, v := range first {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("Apply gave dst[%d] = %v, want it in [0, 1]", i, v)
		}
	}
}

func TestApplyDisabledCopies(t *testing.T) {
	frame := testFrame()
	out := make([]float32, Pixels)
	Augment{}.Apply(out, frame, rand.New(rand.NewPCG(1, 2)))
	for i, v := range frame {
		if out[i] != float32(v)/255 {
			t.Fatalf("Augment{}.Apply: dst[%d] = %v, want %v", i, out[i], float32(v)/255)
		}
	}
}

func TestApplyDoesNotAllocate(t *testing.T) {
	a := Augment{Flip: true, Rotate: 15, Shift: 2, Pen: 1.5, Noise: 0.1}
	frame, out := testFrame(), make([]float32, Pixels)
	rng := rand.New(rand.NewPCG(1, 2))
	if n := testing.AllocsPerRun(100, func() { a.Apply(out, frame, rng) }); n != 0 {
		t.Errorf("Apply allocates %v times a call, want 0", n)
	}
}

// equal reports whether two pixel values agree but for float32 rounding.
func equal(a, b float32) bool {
	return math.Abs(float64(a-b)) <= 1e-6
}

func TestTranslateMatchesReference(t *testing.T) {
	// Without rotation Apply moves whole pixels with translate, which
	// must agree with warp's plain version exactly (but for rounding).
	frame := (*[Pixels]uint8)(testFrame())
	for _, flip := range []bool{false, true} {
		for dy := -Size; dy <= Size; dy += 3 {
			for dx := -Size; dx <= Size; dx += 5 {
				var got, want [Pixels]float32
				translate(&got, frame, flip, dx, dy)
				warpReference(&want, frame, flip, 0, float64(dx), float64(dy))
				for i := range got {
					if !equal(got[i], want[i]) {
						t.Fatalf("translate(flip %v, (%d, %d)) at (%d, %d) = %v, want %v", flip, dx, dy, i%Size, i/Size, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestWarpIdentityAndFlip(t *testing.T) {
	frame := testFrame()
	var out [Pixels]float32
	warp(&out, (*[Pixels]uint8)(frame), false, 0, 0, 0)
	for i, v := range frame {
		if !equal(out[i], float32(v)/255) {
			t.Fatalf("warp(no change): dst[%d] = %v, want %v", i, out[i], float32(v)/255)
		}
	}
	warp(&out, (*[Pixels]uint8)(frame), true, 0, 0, 0)
	for y := range Size {
		for x := range Size {
			if got, want := out[y*Size+x], float32(frame[y*Size+Size-1-x])/255; !equal(got, want) {
				t.Fatalf("warp(flip): dst at (%d, %d) = %v, want %v (source x %d)", x, y, got, want, Size-1-x)
			}
		}
	}
}

// warpReference is warp written plainly: floating point throughout, every
// source pixel looked up with a bounds check.
func warpReference(dst *[Pixels]float32, frame *[Pixels]uint8, flip bool, deg, dx, dy float64) {
	at := func(x, y int) float64 {
		if x < 0 || x >= Size || y < 0 || y >= Size {
			return 0
		}
		return float64(frame[y*Size+x]) / 255
	}
	const c = (Size - 1) / 2.0
	sin, cos := math.Sincos(deg * math.Pi / 180)
	for y := range Size {
		for x := range Size {
			u, v := float64(x)-c-dx, float64(y)-c-dy
			sx, sy := u*cos-v*sin+c, u*sin+v*cos+c
			if flip {
				sx = Size - 1 - sx
			}
			x0, y0 := math.Floor(sx), math.Floor(sy)
			fx, fy := sx-x0, sy-y0
			ix, iy := int(x0), int(y0)
			top := at(ix, iy)*(1-fx) + at(ix+1, iy)*fx
			bot := at(ix, iy+1)*(1-fx) + at(ix+1, iy+1)*fx
			dst[y*Size+x] = float32(top*(1-fy) + bot*fy)
		}
	}
}

func TestWarpMatchesReference(t *testing.T) {
	// On real digits and random parameters, including shifts that move
	// the digit partly or wholly out of the frame, warp agrees with the
	// plain version to within its 8-bit interpolation weights.
	rng := rand.New(rand.NewPCG(11, 12))
	for i, img := range mnist(t, 300) {
		frame := (*[Pixels]uint8)(img.Pix)
		flip := rng.IntN(2) == 1
		deg := rng.Float64()*360 - 180
		dx, dy := float64(rng.IntN(41)-20), float64(rng.IntN(41)-20)
		if i%3 == 0 {
			dx, dy = float64(rng.IntN(5)-2), float64(rng.IntN(5)-2)
		}
		var got, want [Pixels]float32
		warp(&got, frame, flip, deg, dx, dy)
		warpReference(&want, frame, flip, deg, dx, dy)
		for j := range got {
			if math.Abs(float64(got[j]-want[j])) > 0.01 {
				t.Fatalf("warp(MNIST %d, flip %v, %.1f°, shift (%v, %v)) at (%d, %d) = %v, want %v",
					i, flip, deg, dx, dy, j%Size, j/Size, got[j], want[j])
			}
		}
	}
	var blank, out [Pixels]float32
	out[5] = 1
	warp(&out, new([Pixels]uint8), true, 10, 1, 1)
	if out != blank {
		t.Errorf("warp(blank frame) is not blank")
	}
}

// dot is a frame with one bright pixel at (x, y).
func dot(x, y int) *[Pixels]uint8 {
	var f [Pixels]uint8
	f[y*Size+x] = 255
	return &f
}

// brightest returns the position and value of the largest value in out.
func brightest(out *[Pixels]float32) (x, y int, v float32) {
	i := 0
	for j, w := range out {
		if w > out[i] {
			i = j
		}
	}
	return i % Size, i / Size, out[i]
}

func TestWarpMovesPixels(t *testing.T) {
	// Rotations are counter-clockwise on screen about (13.5, 13.5) and
	// happen after the flip; shifts move right and down. (20, 10) is 6.5
	// right of and 3.5 above the centre.
	tests := []struct {
		name         string
		flip         bool
		deg, dx, dy  float64
		wantX, wantY int
	}{
		{"shift right 3, up 2", false, 0, 3, -2, 23, 8},
		{"shift left 21: out of the frame", false, 0, -21, 0, -1, -1},
		{"rotate 90", false, 90, 0, 0, 10, 7},
		{"rotate -90", false, -90, 0, 0, 17, 20},
		{"rotate 180", false, 180, 0, 0, 7, 17},
		{"flip", true, 0, 0, 0, 7, 10},
		{"flip, then rotate 90", true, 90, 0, 0, 10, 20},
		{"rotate 90, then shift 1, 1", false, 90, 1, 1, 11, 8},
	}
	for _, tt := range tests {
		var out [Pixels]float32
		warp(&out, dot(20, 10), tt.flip, tt.deg, tt.dx, tt.dy)
		x, y, v := brightest(&out)
		if tt.wantX < 0 {
			if v != 0 {
				t.Errorf("warp(%s) left %v at (%d, %d), want an empty frame", tt.name, v, x, y)
			}
			continue
		}
		if x != tt.wantX || y != tt.wantY || math.Abs(float64(v)-1) > 1e-5 {
			t.Errorf("warp(%s) moved (20, 10) to (%d, %d) with value %v, want (%d, %d) with 1",
				tt.name, x, y, v, tt.wantX, tt.wantY)
		}
	}
}

func TestWarpRotatesSmoothly(t *testing.T) {
	// A 45° turn of the pixel 4.5 right of the centre spreads it
	// bilinearly around the point 4.5 away at 45° up and right, with its
	// total (almost) kept and its centre of mass there.
	var out [Pixels]float32
	warp(&out, dot(18, 13), false, 45, 0, 0) // (18, 13) is (4.5, -0.5) from (13.5, 13.5)
	var sum, sx, sy float64
	for i, v := range out {
		sum += float64(v)
		sx += float64(v) * float64(i%Size)
		sy += float64(v) * float64(i/Size)
	}
	r := math.Sqrt2 / 2
	wantX, wantY := 13.5+4.5*r-0.5*r, 13.5-4.5*r-0.5*r
	if math.Abs(sum-1) > 0.2 || math.Hypot(sx/sum-wantX, sy/sum-wantY) > 0.25 {
		t.Errorf("warp(rotate 45) of (18, 13): total %.2f at (%.2f, %.2f), want 1 at (%.2f, %.2f)",
			sum, sx/sum, sy/sum, wantX, wantY)
	}
}

func TestApplyFlip(t *testing.T) {
	// With Flip only, every frame is the original or its mirror image, and
	// both happen about equally often.
	a := Augment{Flip: true}
	frame := testFrame()
	rng := rand.New(rand.NewPCG(3, 4))
	var out [Pixels]float32
	flipped := 0
	const n = 400
	for range n {
		a.Apply(out[:], frame, rng)
		mirror, same := true, true
		for y := range Size {
			for x := range Size {
				v := out[y*Size+x]
				same = same && equal(v, float32(frame[y*Size+x])/255)
				mirror = mirror && equal(v, float32(frame[y*Size+Size-1-x])/255)
			}
		}
		if !same && !mirror {
			t.Fatalf("Augment{Flip}.Apply gave a frame that is neither the original nor its mirror")
		}
		if mirror {
			flipped++
		}
	}
	if flipped < n*4/10 || flipped > n*6/10 {
		t.Errorf("Augment{Flip}.Apply flipped %d of %d frames, want about half", flipped, n)
	}
}

func TestApplyShift(t *testing.T) {
	// A bright pixel moves by whole pixels, at most Shift along each
	// axis, and every offset in range happens.
	const shift = 2
	a := Augment{Shift: shift}
	rng := rand.New(rand.NewPCG(5, 6))
	seen := map[[2]int]int{}
	var out [Pixels]float32
	for range 2000 {
		a.Apply(out[:], dot(12, 15)[:], rng)
		x, y, v := brightest(&out)
		dx, dy := x-12, y-15
		if !equal(v, 1) || max(abs(dx), abs(dy)) > shift {
			t.Fatalf("Augment{Shift: 2}.Apply moved (12, 15) by (%d, %d) with value %v, want at most 2 each way and 1", dx, dy, v)
		}
		seen[[2]int{dx, dy}]++
	}
	if len(seen) != (2*shift+1)*(2*shift+1) {
		t.Errorf("Augment{Shift: 2}.Apply made %d distinct offsets, want all %d: %v", len(seen), (2*shift+1)*(2*shift+1), seen)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestApplyRotate(t *testing.T) {
	// A pixel 9.5 right of the centre stays 9.5 from it, at an angle
	// within ±Rotate, using the whole range.
	const limit = 30.0
	a := Augment{Rotate: limit}
	rng := rand.New(rand.NewPCG(7, 8))
	var out [Pixels]float32
	lo, hi := 0.0, 0.0
	for range 500 {
		a.Apply(out[:], dot(23, 13)[:], rng) // (9.5, -0.5) from the centre
		var sum, sx, sy float64
		for i, v := range out {
			sum += float64(v)
			sx += float64(v) * float64(i%Size)
			sy += float64(v) * float64(i/Size)
		}
		u, v := sx/sum-13.5, sy/sum-13.5
		deg := (math.Atan2(-v, u) - math.Atan2(0.5, 9.5)) * 180 / math.Pi // y points down
		if math.Abs(deg) > limit+2 || math.Abs(math.Hypot(u, v)-math.Hypot(9.5, 0.5)) > 0.3 {
			t.Fatalf("Augment{Rotate: 30}.Apply moved the pixel to (%.2f, %.2f) from the centre: %.1f°, want within ±30° at radius 9.51", u, v, deg)
		}
		lo, hi = min(lo, deg), max(hi, deg)
	}
	if lo > -limit+3 || hi < limit-3 {
		t.Errorf("Augment{Rotate: 30}.Apply turned between %.1f° and %.1f°, want nearly ±30°", lo, hi)
	}
}

func TestApplyNoise(t *testing.T) {
	// On a mid-grey frame the noise has mean 0 and the requested σ; on a
	// black frame it is clamped at 0, so about half the pixels stay 0.
	const sigma = 0.1
	a := Augment{Noise: sigma}
	rng := rand.New(rand.NewPCG(9, 10))
	grey := make([]uint8, Pixels)
	for i := range grey {
		grey[i] = 128
	}
	var out [Pixels]float32
	var n, sum, ss float64
	for range 50 {
		a.Apply(out[:], grey, rng)
		for _, v := range out {
			d := float64(v) - 128.0/255
			n++
			sum += d
			ss += d * d
		}
	}
	mean, std := sum/n, math.Sqrt(ss/n-(sum/n)*(sum/n))
	if math.Abs(mean) > 0.003 || math.Abs(std-sigma) > 0.003 {
		t.Errorf("Augment{Noise: 0.1}.Apply noise has mean %.4f and σ %.4f, want 0 and 0.1", mean, std)
	}

	zeros := 0
	Augment{Noise: 0.5}.Apply(out[:], make([]uint8, Pixels), rng)
	for _, v := range out {
		if v < 0 || v > 1 {
			t.Fatalf("Augment{Noise: 0.5}.Apply gave %v, want it clamped to [0, 1]", v)
		}
		if v == 0 {
			zeros++
		}
	}
	if zeros < Pixels*4/10 || zeros > Pixels*6/10 {
		t.Errorf("Augment{Noise: 0.5}.Apply left %d of %d black pixels at 0, want about half", zeros, Pixels)
	}
}

func TestGaussTable(t *testing.T) {
	// The table is a symmetric unit-variance normal sample whose tails
	// reach past ±3.5σ.
	var sum, ss float64
	for i, z := range gauss {
		sum += float64(z)
		ss += float64(z) * float64(z)
		if j := len(gauss) - 1 - i; gauss[j] != -z {
			t.Fatalf("gauss[%d] = %v, gauss[%d] = %v, want opposite", i, z, j, gauss[j])
		}
	}
	n := float64(len(gauss))
	if math.Abs(sum/n) > 1e-6 || math.Abs(ss/n-1) > 1e-5 || gauss[len(gauss)-1] < 3.5 {
		t.Errorf("gauss: mean %v, variance %v, max %v; want 0, 1, > 3.5", sum/n, ss/n, gauss[len(gauss)-1])
	}
	// About 68% of the mass lies within ±1σ.
	within := 0
	for _, z := range gauss {
		if math.Abs(float64(z)) <= 1 {
			within++
		}
	}
	if f := float64(within) / n; math.Abs(f-0.6827) > 0.005 {
		t.Errorf("gauss: %.4f of values within ±1σ, want 0.6827", f)
	}
}

func TestApplyPen(t *testing.T) {
	frame := testFrame()
	var orig [Pixels]float32
	for i, v := range frame {
		orig[i] = float32(v) / 255
	}
	// The 3×3 maximum and minimum, written out.
	around := func(grow bool) (out [Pixels]float32) {
		for y := range Size {
			for x := range Size {
				v := orig[y*Size+x]
				for yy := max(0, y-1); yy <= min(Size-1, y+1); yy++ {
					for xx := max(0, x-1); xx <= min(Size-1, x+1); xx++ {
						if w := orig[yy*Size+xx]; (w > v) == grow && w != v {
							v = w
						}
					}
				}
				out[y*Size+x] = v
			}
		}
		return out
	}
	dilated, eroded := around(true), around(false)
	ink := func(x *[Pixels]float32) (sum float64) {
		for _, v := range x {
			sum += float64(v)
		}
		return sum
	}
	for _, tt := range []struct {
		t    float32
		want func(i int) float32
	}{
		{1, func(i int) float32 { return dilated[i] }},
		{-1, func(i int) float32 { return eroded[i] }},
		{0.5, func(i int) float32 { return (orig[i] + dilated[i]) / 2 }},
		{-0.25, func(i int) float32 { return orig[i] + 0.25*(eroded[i]-orig[i]) }},
	} {
		x := orig
		repen(&x, tt.t)
		for i := range x {
			if !equal(x[i], tt.want(i)) {
				t.Fatalf("repen(%v): pixel %d = %v, want %v", tt.t, i, x[i], tt.want(i))
			}
		}
	}
	// Two pixels a side: more ink than one, and thinning by two leaves
	// less than by one.
	two, one := orig, orig
	repen(&two, 2)
	repen(&one, 1)
	if !(ink(&two) > ink(&one) && ink(&one) > ink(&orig)) {
		t.Errorf("ink after growing by 0, 1, 2 pixels: %.1f, %.1f, %.1f, want increasing", ink(&orig), ink(&one), ink(&two))
	}
	two, one = orig, orig
	repen(&two, -2)
	repen(&one, -1)
	if !(ink(&two) < ink(&one) && ink(&one) < ink(&orig)) {
		t.Errorf("ink after thinning by 0, 1, 2 pixels: %.1f, %.1f, %.1f, want decreasing", ink(&orig), ink(&one), ink(&two))
	}

	// Apply with Pen 1 draws widths both ways, each frame between the
	// eroded and the dilated one.
	a := Augment{Pen: 1}
	rng := rand.New(rand.NewPCG(3, 4))
	var out [Pixels]float32
	wider, finer := 0, 0
	for range 200 {
		a.Apply(out[:], frame, rng)
		for i, v := range out {
			if v < eroded[i]-1e-6 || v > dilated[i]+1e-6 {
				t.Fatalf("Augment{Pen: 1}.Apply: pixel %d = %v, outside [%v, %v]", i, v, eroded[i], dilated[i])
			}
		}
		if ink(&out) > ink(&orig) {
			wider++
		} else {
			finer++
		}
	}
	if wider < 70 || finer < 70 {
		t.Errorf("Augment{Pen: 1}.Apply widened %d and narrowed %d of 200 frames, want about half each", wider, finer)
	}
}
