package imageproc

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
)

// benchPhoto is a 640×480 photo of a "4" as the JPEG decoder returns it
// (YCbCr 4:2:0), and the JPEG file.
func benchPhoto(b *testing.B) (image.Image, []byte) {
	data := encode(b, photo(four, 640, 480, image.Rect(250, 140, 370, 300), 12, 1), "jpeg")
	img, err := Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	return img, data
}

func BenchmarkPreprocess(b *testing.B) {
	img, data := benchPhoto(b)
	b.Run("640x480-jpeg-decoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Preprocess(img); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("640x480-rgba", func(b *testing.B) {
		// Types without a fast path go through image/draw to RGBA.
		rgba := image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Rect, img, image.Point{}, draw.Src)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Preprocess(rgba); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("12MP-ruled-page-jpeg-decoded", func(b *testing.B) {
		// A 4000×3000 phone photo of a 4 on a ruled page in a shadow, as
		// the JPEG decoder returns it: the budget is 150 ms.
		big := page(four, 4000, 3000, image.Rect(1500, 700, 2500, 2300), 80, 240, false,
			white, blackInk, ruleBlue, shadow, 3, 1)
		img, err := Decode(bytes.NewReader(encode(b, big, "jpeg")))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Preprocess(img); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Small images, as in a training folder: a 96×96 scan of a dark digit
	// on light paper, and a 28×28 one that is not yet a frame.
	for _, size := range []int{96, 28} {
		small := digit(four, size, size, image.Rect(size/6, size/8, size-size/6, size-size/8), float64(size)/12, 20, 230)
		b.Run(fmt.Sprintf("%dx%d-gray-dark-on-light", size, size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Preprocess(small); err != nil {
					b.Fatal(err)
				}
			}
		})
		// As a training folder loads it: the frame alone.
		b.Run(fmt.Sprintf("%dx%d-gray-dark-on-light-frame", size, size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Frame(small); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("640x480-jpeg-file-bytes", func(b *testing.B) {
		// Decode + Preprocess, as for a dropped file.
		b.ReportAllocs()
		for b.Loop() {
			img, err := Decode(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Preprocess(img); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAugmentApply(b *testing.B) {
	// 64 MNIST digits in turn, as in a training batch.
	frames := mnist(b, 64)
	out := make([]float32, Pixels)
	for _, spec := range []string{"flip,rotate=15,shift=2,noise=0.1", "flip,shift=2", "pen=0.5", "pen=1.5", "noise=0.1", "none"} {
		a, err := ParseAugment(spec)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(spec, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				a.Apply(out, frames[i%len(frames)].Pix, rng)
				i++
			}
		})
	}
}

// BenchmarkWarp and BenchmarkWarpXImageDraw give the numbers behind writing
// warp by hand instead of using x/image/draw's Transform.
func BenchmarkWarp(b *testing.B) {
	frames := mnist(b, 64)
	var out [Pixels]float32
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		warp(&out, (*[Pixels]uint8)(frames[i%len(frames)].Pix), true, 12.5, 1, -2)
		i++
	}
}

func BenchmarkWarpXImageDraw(b *testing.B) {
	frames := mnist(b, 64)
	dst := image.NewGray(image.Rect(0, 0, Size, Size))
	var out [Pixels]float32
	// Rotation by 12.5° about the frame centre, then a shift of (1, -2).
	sin, cos := math.Sincos(12.5 * math.Pi / 180)
	const c = Size / 2.0
	s2d := f64.Aff3{
		cos, sin, c - cos*c - sin*c + 1,
		-sin, cos, c + sin*c - cos*c - 2,
	}
	for _, k := range []struct {
		name string
		t    draw.Transformer
	}{{"BiLinear", draw.BiLinear}, {"ApproxBiLinear", draw.ApproxBiLinear}} {
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				src := frames[i%len(frames)]
				i++
				clear(dst.Pix)
				k.t.Transform(dst, s2d, src, src.Rect, draw.Src, nil)
				for i, v := range dst.Pix {
					out[i] = float32(v) / 255
				}
			}
		})
	}
}

func BenchmarkNoise(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var x [Pixels]float32
	b.Run("table", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			addNoise(&x, 0.1, rng)
		}
	})
	b.Run("NormFloat64", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i, v := range x {
				x[i] = min(1, max(0, v+float32(0.1*rng.NormFloat64())))
			}
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	s := Stats{Mean: 0.1307, Std: 0.3081}
	for _, n := range []struct {
		name   string
		frames int
	}{{"frame", 1}, {"batch64", 64}} {
		frames, dst := make([]uint8, n.frames*Pixels), make([]float32, n.frames*Pixels)
		b.Run(n.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Normalize(dst, frames)
			}
		})
	}
	x := make([]float32, Pixels)
	b.Run("float-frame", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.NormalizeFloat(x)
		}
	})
}

func BenchmarkComputeStats(b *testing.B) {
	var frames []uint8
	for _, img := range mnist(b, 10000) {
		frames = append(frames, img.Pix...)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(frames)))
	for b.Loop() {
		ComputeStats(frames)
	}
}
