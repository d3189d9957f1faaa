package photoset

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/neuralworkbench/workbench/training/dataset"
)

// The tests draw small photos: the generator's sizes scale with the photo.
const tw, th = 320, 240

// testSplit is MNIST's test split of 3s, 5s and 8s, loaded once.
var testSplit = sync.OnceValues(func() (*dataset.Split, error) {
	ds, err := dataset.LoadMNIST([]string{"3", "5", "8"})
	if err != nil {
		return nil, err
	}
	return ds.Test, nil
})

// shoot returns the photo of test digit i under c with seed, and its plan.
func shoot(t *testing.T, c Condition, i int, seed uint64) (image.Image, []byte, *shot) {
	t.Helper()
	split, err := testSplit()
	if err != nil {
		t.Fatal(err)
	}
	frame := split.Image(i)
	img, file, err := Photo(frame, c, seed, tw, th)
	if err != nil {
		t.Fatalf("Photo(digit %d, %s, %d) failed: %v", i, c.Name, seed, err)
	}
	box, _ := inkBox(frame)
	return img, file, plan(box, c, seed, tw, th)
}

// against returns test digit seed's photo under the condition named name
// drawn with seed, its JPEG file and plan, and the plain photo of the same
// digit and seed, to compare it with.
func against(t *testing.T, name string, seed uint64) (plain, photo image.Image, file []byte, st *shot) {
	t.Helper()
	plain, _, _ = shoot(t, condition(t, "plain"), int(seed), seed)
	photo, file, st = shoot(t, condition(t, name), int(seed), seed)
	return plain, photo, file, st
}

// condition returns the condition of Conditions named name.
func condition(t *testing.T, name string) Condition {
	t.Helper()
	c, ok := Lookup(name)
	if !ok {
		t.Fatalf("no condition %q", name)
	}
	return c
}

// lumas returns the Rec. 601 luma of every pixel, 0 to 255, row-major.
func lumas(img image.Image) []float64 {
	b := img.Bounds()
	out := make([]float64, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out = append(out, luma([3]float64{float64(r), float64(g), float64(bl)})/257)
		}
	}
	return out
}

// channel returns channel c (0 red, 1 green, 2 blue) of every pixel, 0 to
// 255, row-major.
func channel(img image.Image, c int) []float64 {
	b := img.Bounds()
	out := make([]float64, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out = append(out, float64([3]uint32{r, g, bl}[c])/257)
		}
	}
	return out
}

// quantile returns the q-quantile of xs.
func quantile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// inkOf returns the pixels darker than halfway between the paper (the
// median) and the darkest pixel.
func inkOf(l []float64) []bool {
	paper, dark := quantile(l, 0.5), slices.Min(l)
	out := make([]bool, len(l))
	for i, v := range l {
		out[i] = v < (paper+dark)/2
	}
	return out
}

// iou returns the intersection over union of two masks.
func iou(a, b []bool) float64 {
	and, or := 0, 0
	for i := range a {
		if a[i] && b[i] {
			and++
		}
		if a[i] || b[i] {
			or++
		}
	}
	return float64(and) / float64(or)
}

// warp returns the tw×th mask whose pixel p is m's at f(p) (nearest).
func warp(m []bool, f func(x, y float64) (float64, float64)) []bool {
	out := make([]bool, len(m))
	for y := range th {
		for x := range tw {
			u, v := f(float64(x)+0.5, float64(y)+0.5)
			i, j := int(math.Floor(u)), int(math.Floor(v))
			if i >= 0 && j >= 0 && i < tw && j < th {
				out[y*tw+x] = m[j*tw+i]
			}
		}
	}
	return out
}

// samePixels reports whether two images have the same size and colours.
func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for c := range 3 {
		if !slices.Equal(channel(a, c), channel(b, c)) {
			return false
		}
	}
	return true
}

func TestGeneratorIsDeterministic(t *testing.T) {
	for _, c := range Conditions {
		a, fa, _ := shoot(t, c, 7, 42)
		b, fb, _ := shoot(t, c, 7, 42)
		if !samePixels(a, b) || !bytes.Equal(fa, fb) {
			t.Errorf("Photo(digit 7, %s, seed 42) differs between two calls", c.Name)
		}
		other, _, _ := shoot(t, c, 7, 43)
		if samePixels(a, other) {
			t.Errorf("Photo(digit 7, %s) is the same for seeds 42 and 43", c.Name)
		}
	}
}

func TestPlainIsClean(t *testing.T) {
	plain := condition(t, "plain")
	for seed := range uint64(5) {
		img, file, _ := shoot(t, plain, int(seed), seed)
		if _, ok := img.(*image.RGBA); !ok || file != nil {
			t.Errorf("plain photo %d is a %T with a %d-byte file, want an *image.RGBA and no file", seed, img, len(file))
		}
		l := lumas(img)
		ink := inkOf(l)
		var paper []float64
		for i, v := range l {
			if !ink[i] {
				paper = append(paper, v)
			}
		}
		// The paper's 5 % to 95 % spread: mottling, and the ink's soft edge.
		spread := quantile(paper, 0.95) - quantile(paper, 0.05)
		contrast := 1 - slices.Min(l)/quantile(l, 0.5)
		if spread > 8 || contrast < 0.8 {
			t.Errorf("plain photo %d: paper spreads over %.1f levels and the ink darkens it by %.2f, want at most 8 and at least 0.8", seed, spread, contrast)
		}
	}
}

// runs returns the centres of the runs of profile above half its maximum.
func runs(profile []float64) []float64 {
	top := slices.Max(profile)
	var centres []float64
	start := -1
	for i := 0; i <= len(profile); i++ {
		on := i < len(profile) && profile[i] > top/2
		switch {
		case on && start < 0:
			start = i
		case !on && start >= 0:
			centres = append(centres, float64(start+i-1)/2)
			start = -1
		}
	}
	return centres
}

// lineProfile returns how much photo darkens plain along a strip at the
// photo's right edge, row by row (across = false), or along a strip at its
// bottom edge, column by column (across = true), clear of the digit and
// of any margin line.
func lineProfile(plain, photo []float64, across bool) []float64 {
	var out []float64
	if !across {
		for y := range th {
			sum := 0.0
			for x := tw * 93 / 100; x < tw*99/100; x++ {
				sum += plain[y*tw+x] - photo[y*tw+x]
			}
			out = append(out, sum)
		}
	} else {
		for x := range tw {
			sum := 0.0
			for y := th * 94 / 100; y < th; y++ {
				sum += plain[y*tw+x] - photo[y*tw+x]
			}
			out = append(out, sum)
		}
	}
	// A line thinner than a pixel darkens one row or two, by how much
	// depends on where it falls: sum over three rows, less the darkening
	// that the other ruling's lines bring to every row of the strip.
	base := quantile(out, 0.5)
	sums := make([]float64, len(out))
	for i := range out {
		for j := max(0, i-1); j <= min(len(out)-1, i+1); j++ {
			sums[i] += out[j] - base
		}
	}
	return sums
}

// checkPeriodic checks that the line positions found are spacing apart
// and fill a side of size pixels.
func checkPeriodic(t *testing.T, what string, centres []float64, spacing float64, size int) {
	t.Helper()
	if want := int(float64(size)/spacing) - 1; len(centres) < max(want, 1) {
		t.Errorf("%s: %d lines every %.1f pixels over %d pixels, want at least %d", what, len(centres), spacing, size, max(want, 1))
	}
	for i := 1; i < len(centres); i++ {
		if gap := centres[i] - centres[i-1]; math.Abs(gap-spacing) > 2 {
			t.Errorf("%s: lines at %.1f and %.1f are %.1f apart, want %.1f", what, centres[i-1], centres[i], gap, spacing)
		}
	}
}

func TestRulingsDrawPeriodicLines(t *testing.T) {
	for _, name := range []string{"ruled", "squared"} {
		for seed := range uint64(6) {
			base, img, _, st := against(t, name, seed)
			bl, l := lumas(base), lumas(img)
			spacing := st.spacing / math.Cos(st.lineAngle)
			checkPeriodic(t, name+" rows", runs(lineProfile(bl, l, false)), spacing, th)
			cols := runs(lineProfile(bl, l, true))
			if name == "squared" {
				checkPeriodic(t, name+" columns", cols, spacing, tw)
			} else if len(cols) > 3 {
				t.Errorf("ruled photo %d has %d vertical lines, want a margin at most", seed, len(cols))
			}
		}
	}
}

func TestShadowDarkensPartOfThePage(t *testing.T) {
	for seed := range uint64(6) {
		base, img, _, st := against(t, "shadow", seed)
		bl, l := lumas(base), lumas(img)
		// The ratio of the two photos' brightness in 16×16 blocks.
		var ratios []float64
		for by := 0; by < th; by += 16 {
			for bx := 0; bx < tw; bx += 16 {
				s0, s1 := 0.0, 0.0
				for y := by; y < by+16; y++ {
					for x := bx; x < bx+16; x++ {
						s0 += bl[y*tw+x]
						s1 += l[y*tw+x]
					}
				}
				ratios = append(ratios, s1/s0)
			}
		}
		// A tenth of the page is deep in the shade; the light side is lit
		// nearly as before.
		dark, light := quantile(ratios, 0.1), quantile(ratios, 0.95)
		if dark > 1-0.7*st.depth || light < 0.85 {
			t.Errorf("shadow photo %d (depth %.2f): the darkest tenth keeps %.2f of the light and the lightest 5 %% %.2f, want at most %.2f and at least 0.85",
				seed, st.depth, dark, light, 1-0.7*st.depth)
		}
	}
}

func TestRotationTurnsTheDigit(t *testing.T) {
	for seed := range uint64(6) {
		base, img, _, st := against(t, "rotated", seed)
		if deg := math.Abs(st.angle) * 180 / math.Pi; deg < 5 || deg > 15 {
			t.Errorf("rotated photo %d is turned %.1f°, want 5° to 15°", seed, deg)
		}
		b, m := inkOf(lumas(base)), inkOf(lumas(img))
		cos, sin := math.Cos(st.angle), math.Sin(st.angle)
		turned := warp(b, func(x, y float64) (float64, float64) {
			dx, dy := x-st.digitX, y-st.digitY
			return st.digitX + cos*dx + sin*dy, st.digitY - sin*dx + cos*dy
		})
		if got, before := iou(m, turned), iou(m, b); got < 0.85 || before > got-0.1 {
			t.Errorf("rotated photo %d: its ink overlaps the plain ink turned by %.1f° by %.2f and unturned by %.2f, want at least 0.85 and 0.1 less",
				seed, st.angle*180/math.Pi, got, before)
		}
	}
}

func TestTiltIsAPerspective(t *testing.T) {
	for seed := range uint64(6) {
		base, img, _, st := against(t, "tilt", seed)
		_, _, flat := shoot(t, condition(t, "plain"), int(seed), seed)
		corners := [4][2]float64{{0, 0}, {tw, 0}, {tw, th}, {0, th}}
		moved := 0.0
		for _, p := range corners {
			u, v := st.page.apply(p[0], p[1])
			moved = max(moved, math.Abs(u-p[0])/tw, math.Abs(v-p[1])/th)
		}
		if moved < 0.02 || moved > 0.1 {
			t.Errorf("tilted photo %d moves its corners by up to %.3f of its size, want 0.02 to 0.1", seed, moved)
		}
		b, m := inkOf(lumas(base)), inkOf(lumas(img))
		seen := warp(b, func(x, y float64) (float64, float64) {
			u, v := st.page.apply(x, y)
			return u - st.digitX + flat.digitX, v - st.digitY + flat.digitY
		})
		if got, before := iou(m, seen), iou(m, b); got < 0.85 || before > got-0.05 {
			t.Errorf("tilted photo %d: its ink overlaps the plain ink seen in perspective by %.2f and square on by %.2f, want at least 0.85 and 0.05 less", seed, got, before)
		}
	}
}

// strokeWidth returns the median width in pixels of the ink of a w×h
// photo: twice the distance from the ink's centre lines to the paper,
// less the half pixel between a pixel's centre and its edge on each side.
func strokeWidth(ink []bool, w, h int) float64 {
	paper := make([]bool, len(ink))
	for i, v := range ink {
		paper[i] = !v
	}
	d := distances(paper, w, h)
	var widths []float64
	for i, on := range thin(ink, w, h) {
		if on {
			widths = append(widths, 2*float64(d[i])-1)
		}
	}
	return quantile(widths, 0.5)
}

func TestPenWidth(t *testing.T) {
	split, err := testSplit()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"thin-pen", "thick-pen"} {
		c := condition(t, name)
		for seed := range uint64(6) {
			frame := split.Image(int(seed))
			img, _, err := Photo(frame, c, seed, Width, Height)
			if err != nil {
				t.Fatal(err)
			}
			box, _ := inkBox(frame)
			st := plan(box, c, seed, Width, Height)
			want := st.pen * st.digitHeight
			got := strokeWidth(inkOf(lumas(img)), Width, Height)
			if got < 0.8*want-1 || got > 1.2*want+1 {
				t.Errorf("%s photo %d has strokes %.1f pixels wide, want %.1f (%.3f of the digit's %.0f pixels)", name, seed, got, want, st.pen, st.digitHeight)
			}
		}
	}
}

func TestNoiseIsSensorNoise(t *testing.T) {
	for seed := range uint64(4) {
		base, img, _, st := against(t, "noise", seed)
		for c := range 3 {
			b, n := channel(base, c), channel(img, c)
			var d []float64
			for i := range b {
				if b[i] < 230 { // clear of clipping at white
					d = append(d, n[i]-b[i])
				}
			}
			mean, sq := 0.0, 0.0
			for _, v := range d {
				mean += v
				sq += v * v
			}
			mean /= float64(len(d))
			sigma := math.Sqrt(sq/float64(len(d)) - mean*mean)
			if math.Abs(mean) > 0.3 || sigma < 0.9*st.noise || sigma > 1.1*st.noise {
				t.Errorf("noise photo %d, channel %d: noise of mean %.2f and σ %.2f, want 0 and %.2f", seed, c, mean, sigma, st.noise)
			}
		}
	}
}

// sharpness returns the largest luma step between horizontal neighbours.
func sharpness(l []float64) float64 {
	top := 0.0
	for y := range th {
		for x := 1; x < tw; x++ {
			top = max(top, math.Abs(l[y*tw+x]-l[y*tw+x-1]))
		}
	}
	return top
}

func TestBlurSoftensEdges(t *testing.T) {
	for seed := range uint64(4) {
		base, img, _, st := against(t, "blur", seed)
		bl, l := lumas(base), lumas(img)
		sb, s := sharpness(bl), sharpness(l)
		// A Gaussian of σ ≥ 0.3 pixels (0.6 at 640×480) spreads a step
		// over several pixels.
		if s > 0.75*sb {
			t.Errorf("blurred photo %d (σ %.2f): its sharpest step is %.0f levels, want at most 3/4 of the plain photo's %.0f", seed, st.blur, s, sb)
		}
		mb, m := 0.0, 0.0
		for i := range l {
			mb += bl[i]
			m += l[i]
		}
		if d := math.Abs(mb-m) / float64(len(l)); d > 0.5 {
			t.Errorf("blurred photo %d: its mean moves by %.2f levels, want under 0.5", seed, d)
		}
	}
}

func TestFaintInk(t *testing.T) {
	coloured := 0
	for seed := range uint64(10) {
		base, img, _, _ := against(t, "faint-ink", seed)
		bl, l := lumas(base), lumas(img)
		// The strokes' core: where the plain ink is darkest.
		paper, darkest := quantile(bl, 0.5), slices.Min(bl)
		var core []float64
		var chroma float64
		r, b := channel(img, 0), channel(img, 2)
		for i, v := range bl {
			if v < darkest+0.05*(paper-darkest) {
				core = append(core, l[i])
				chroma = max(chroma, math.Abs(r[i]-b[i]))
			}
		}
		dark := 1 - quantile(core, 0.5)/quantile(l, 0.5)
		if dark < 0.1 || dark > 0.45 {
			t.Errorf("faint ink photo %d: the ink darkens the paper by %.2f, want 0.1 to 0.45", seed, dark)
		}
		if chroma > 20 {
			coloured++
		}
	}
	if coloured < 3 {
		t.Errorf("%d of 10 faint ink photos are coloured, want at least 3", coloured)
	}
}

func TestJPEGRoundTrips(t *testing.T) {
	for seed := range uint64(4) {
		base, img, file, st := against(t, "jpeg", seed)
		if st.quality < 60 || st.quality > 90 {
			t.Errorf("jpeg photo %d has quality %d, want 60 to 90", seed, st.quality)
		}
		decoded, err := jpeg.Decode(bytes.NewReader(file))
		if err != nil {
			t.Fatalf("jpeg photo %d: its file does not decode: %v", seed, err)
		}
		if !samePixels(img, decoded) {
			t.Errorf("jpeg photo %d is not its file decoded", seed)
		}
		bl, l := lumas(base), lumas(img)
		d := 0.0
		for i := range l {
			d += math.Abs(l[i] - bl[i])
		}
		if d /= float64(len(l)); d == 0 || d > 3 {
			t.Errorf("jpeg photo %d differs from the plain one by %.2f levels on average, want a little (under 3)", seed, d)
		}
	}
}

func TestAllAppliesEveryFactor(t *testing.T) {
	all := condition(t, "all")
	depths := map[float64]bool{}
	for seed := range uint64(8) {
		_, file, st := shoot(t, all, int(seed), seed)
		if st.lines == Blank || st.pen == 0 || st.angle == 0 || st.depth == 0 || st.page == identity ||
			st.blur == 0 || st.noise == 0 || st.quality == 0 || file == nil {
			t.Errorf("all, photo %d: a factor is off: lines %v, pen %.3f, angle %.3f, shadow %.2f, page %v, blur %.2f, noise %.1f, quality %d",
				seed, st.lines, st.pen, st.angle, st.depth, st.page, st.blur, st.noise, st.quality)
		}
		depths[st.depth] = true
	}
	if len(depths) < 8 {
		t.Errorf("all: 8 photos have %d shadow depths, want a random one each", len(depths))
	}
}

func TestPhotoRejectsBadInput(t *testing.T) {
	frame := make([]uint8, 784)
	frame[400] = 255
	plain := condition(t, "plain")
	for _, tc := range []struct {
		name  string
		frame []uint8
		c     Condition
		w, h  int
		want  string
	}{
		{"short frame", frame[:700], plain, tw, th, "a frame has 784 pixels (got 700)"},
		{"blank frame", make([]uint8, 784), plain, tw, th, ErrNoInk.Error()},
		{"tiny", frame, plain, 63, th, "a photo must be at least 64×64 pixels and at most 50000000 pixels in all (got 63×240)"},
		{"huge", frame, plain, 10000, 6000, "a photo must be at least 64×64 pixels and at most 50000000 pixels in all (got 10000×6000)"},
		{"bad condition", frame, Condition{Name: "x", Noise: Range{-1, 2}}, tw, th, `condition "x": noise must lie between 0 and 50 (got -1 to 2)`},
	} {
		_, _, err := Photo(tc.frame, tc.c, 1, tc.w, tc.h)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Photo(%s) = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		c    Condition
		want string
	}{
		{Condition{Name: "a", Rotate: Range{10, 5}}, `condition "a": rotation must have Min ≤ Max (got 10 to 5)`},
		{Condition{Name: "b", Blur: Range{0, math.NaN()}}, `condition "b": blur must be finite (got 0 to NaN)`},
		{Condition{Name: "c", Tilt: Range{0, math.Inf(1)}}, `condition "c": tilt must be finite (got 0 to +Inf)`},
		{Condition{Name: "d", Pen: Range{0.001, 0.1}}, `condition "d": pen must be at least 0.01 of the digit's height, or zero for the digit's own strokes (got 0.001 to 0.1)`},
		{Condition{Name: "e", JPEG: Range{0.5, 80}}, `condition "e": JPEG quality must lie between 1 and 100, or be zero for none (got 0.5 to 80)`},
		{Condition{Name: "f", Shadow: Range{0, 1}}, `condition "f": shadow must lie between 0 and 0.9 (got 0 to 1)`},
		{Condition{Name: "g", Lines: []Lines{3}}, `condition "g": lines must be Blank, Ruled or Squared (got Lines(3))`},
		{Condition{Name: "h", Inks: []Ink{{Name: "none"}}}, `condition "h": ink "none" absorbs no light (absorption [0 0 0])`},
		{Condition{Name: "i", Inks: []Ink{{Name: "x", Absorb: [3]float64{2, 0, 0}}}}, `condition "i": ink "x": absorption must lie between 0 and 1 (got [2 0 0])`},
		{Condition{Name: "j", Contrast: Range{0.5, 1}}, `condition "j": contrast must lie between 0 and 0.95 (got 0.5 to 1)`},
	} {
		if err := tc.c.Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("Validate(%s) = %v, want %q", tc.c.Name, err, tc.want)
		}
	}
	for _, c := range Conditions {
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", c.Name, err)
		}
	}
}

func FuzzPhoto(f *testing.F) {
	// Not MNIST: parsing it under the fuzzer's instrumentation takes
	// minutes. A ring (a zero), a dot and a bar.
	ring := make([]uint8, 784)
	for y := range 28 {
		for x := range 28 {
			r := math.Hypot(float64(x)-13.5, float64(y)-13.5)
			ring[y*28+x] = uint8(255 * max(0, 1-math.Abs(r-7)/2))
		}
	}
	f.Add(ring, uint64(1), 0)
	bar := make([]uint8, 784)
	copy(bar[14*28:], slices.Repeat([]uint8{200}, 28))
	f.Add(bar, uint64(3), 5)
	dot := make([]uint8, 784)
	dot[300] = 1
	f.Add(dot, uint64(2), 12)
	f.Fuzz(func(t *testing.T, frame []uint8, seed uint64, c int) {
		cond := Conditions[min(max(c, 0), len(Conditions)-1)]
		img, _, err := Photo(frame, cond, seed, MinSide, MinSide)
		if err == nil && img.Bounds() != image.Rect(0, 0, MinSide, MinSide) {
			t.Errorf("Photo(%s) is %v, want %d×%d", cond.Name, img.Bounds(), MinSide, MinSide)
		}
	})
}
