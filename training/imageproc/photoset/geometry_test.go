package photoset

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestFitHomography(t *testing.T) {
	src := [4][2]float64{{0, 0}, {640, 0}, {640, 480}, {0, 480}}
	dst := [4][2]float64{{-40, -20}, {700, 10}, {630, 470}, {15, 510}}
	m := fitHomography(src, dst)
	for i := range src {
		x, y := m.apply(src[i][0], src[i][1])
		if math.Hypot(x-dst[i][0], y-dst[i][1]) > 1e-9 {
			t.Errorf("fitHomography maps %v to (%g, %g), want %v", src[i], x, y, dst[i])
		}
	}
	if x, y := fitHomography(src, src).apply(123, 45); math.Hypot(x-123, y-45) > 1e-9 {
		t.Errorf("fitHomography(corners, corners) maps (123, 45) to (%g, %g), want it unmoved", x, y)
	}
}

func TestDistances(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const w, h = 23, 17
	for _, density := range []float64{0, 0.01, 0.2, 1} {
		feature := make([]bool, w*h)
		for i := range feature {
			feature[i] = rng.Float64() < density
		}
		got := distances(feature, w, h)
		for y := range h {
			for x := range w {
				want := math.Inf(1)
				for j := range h {
					for i := range w {
						if feature[j*w+i] {
							want = min(want, math.Hypot(float64(x-i), float64(y-j)))
						}
					}
				}
				g := float64(got[y*w+x])
				if math.IsInf(want, 1) && g < 1e9 || !math.IsInf(want, 1) && math.Abs(g-want) > 1e-4 {
					t.Fatalf("distances(density %g) at (%d, %d) = %g, want %g", density, x, y, g, want)
				}
			}
		}
	}
}

func TestThinLeavesCentreLines(t *testing.T) {
	// A bar 5 pixels thick thins to one line along its middle row.
	const w, h = 30, 11
	mask := make([]bool, w*h)
	for y := 3; y < 8; y++ {
		for x := 3; x < 27; x++ {
			mask[y*w+x] = true
		}
	}
	line := thin(mask, w, h)
	for y := range h {
		for x := range w {
			if line[y*w+x] && y != 5 {
				t.Errorf("thin(bar) keeps (%d, %d), off the bar's middle row", x, y)
			}
		}
	}
	n := 0
	for x := range w {
		if line[5*w+x] {
			n++
		}
	}
	if n < 15 {
		t.Errorf("thin(bar of 24) keeps %d pixels of the middle row, want most", n)
	}
}
