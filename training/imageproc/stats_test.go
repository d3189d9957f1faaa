package imageproc

import (
	"math"
	"testing"
)

func TestComputeStats(t *testing.T) {
	frameOf := func(levels ...uint8) []uint8 {
		f := make([]uint8, Pixels)
		for i := range f {
			f[i] = levels[i%len(levels)]
		}
		return f
	}
	tests := []struct {
		name   string
		frames []uint8
		want   Stats
	}{
		// Pixels 0 and 1 in equal numbers: mean 1/2, every deviation 1/2.
		{"half black, half white", frameOf(0, 255), Stats{0.5, 0.5}},
		// 0, 0.2, 0.4 and 1: mean 0.4, squared deviations 0.16, 0.04,
		// 0 and 0.36, whose mean is 0.14.
		{"0, 51, 102, 255", frameOf(0, 51, 102, 255), Stats{0.4, math.Sqrt(0.14)}},
		// Two frames: all 0 and all 51 (0.2): mean 0.1, σ 0.1.
		{"two frames", append(frameOf(0), frameOf(51)...), Stats{0.1, 0.1}},
		{"constant (degenerate)", frameOf(51), Stats{0.2, 1}},
		{"empty", nil, Stats{0, 1}},
	}
	for _, tt := range tests {
		got := ComputeStats(tt.frames)
		if math.Abs(got.Mean-tt.want.Mean) > 1e-12 || math.Abs(got.Std-tt.want.Std) > 1e-12 {
			t.Errorf("ComputeStats(%s) = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestComputeStatsMNIST(t *testing.T) {
	// The widely quoted MNIST statistics (0.1307, 0.3081) are for the
	// training set; the first 1000 test images are close to them.
	var frames []uint8
	for _, img := range mnist(t, 1000) {
		frames = append(frames, img.Pix...)
	}
	got := ComputeStats(frames)
	if math.Abs(got.Mean-0.1307) > 0.01 || math.Abs(got.Std-0.3081) > 0.01 {
		t.Errorf("ComputeStats(1000 MNIST test images) = %+v, want about {0.1307 0.3081}", got)
	}
}

func TestNormalize(t *testing.T) {
	s := Stats{Mean: 0.2, Std: 0.5}
	frame := make([]uint8, Pixels)
	frame[0], frame[1], frame[2], frame[Pixels-1] = 0, 51, 255, 102
	dst := make([]float32, Pixels)
	s.Normalize(dst, frame)
	// (0 - 0.2)/0.5, (0.2 - 0.2)/0.5, (1 - 0.2)/0.5, (0.4 - 0.2)/0.5
	want := map[int]float32{0: -0.4, 1: 0, 2: 1.6, 3: -0.4, Pixels - 1: 0.4}
	for i, w := range want {
		if math.Abs(float64(dst[i]-w)) > 1e-6 {
			t.Errorf("Normalize: dst[%d] = %v for level %d, want %v", i, dst[i], frame[i], w)
		}
	}
	x := []float32{0, 0.2, 1, 0.4}
	s.NormalizeFloat(x)
	for i, w := range []float32{-0.4, 0, 1.6, 0.4} {
		if math.Abs(float64(x[i]-w)) > 1e-6 {
			t.Errorf("NormalizeFloat: x[%d] = %v, want %v", i, x[i], w)
		}
	}
}

func TestNormalizeAgreesWithNormalizeFloat(t *testing.T) {
	// Training normalises bytes directly, or augmented floats: both must
	// give the same input for the same pixel.
	s := Stats{Mean: 0.1307, Std: 0.3081}
	frame := make([]uint8, 256)
	x := make([]float32, 256)
	for i := range frame {
		frame[i] = uint8(i)
		x[i] = float32(i) / 255
	}
	dst := make([]float32, 256)
	s.Normalize(dst, frame)
	s.NormalizeFloat(x)
	for i := range dst {
		if math.Abs(float64(dst[i]-x[i])) > 1e-5 {
			t.Errorf("level %d: Normalize = %v, NormalizeFloat = %v", i, dst[i], x[i])
		}
	}
}

func TestNormalizeDoesNotAllocate(t *testing.T) {
	s := Stats{Mean: 0.1307, Std: 0.3081}
	frame, dst := make([]uint8, Pixels), make([]float32, Pixels)
	if n := testing.AllocsPerRun(100, func() { s.Normalize(dst, frame); s.NormalizeFloat(dst) }); n != 0 {
		t.Errorf("Normalize and NormalizeFloat allocate %v times a call, want 0", n)
	}
}
