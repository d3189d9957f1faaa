package imageproc_test

import (
	"fmt"

	"github.com/neuralworkbench/workbench/training/imageproc"
)

func ExampleParseAugment() {
	a, err := imageproc.ParseAugment("rotate=15, flip, noise=0.1, shift=2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Flip, a.Rotate, a.Shift, a.Noise)
	fmt.Println(a) // String gives the canonical form

	_, err = imageproc.ParseAugment("flip,blur=2")
	fmt.Println(err)
	_, err = imageproc.ParseAugment("rotate=200")
	fmt.Println(err)
	// Output:
	// true 15 2 0.1
	// flip,rotate=15,shift=2,noise=0.1
	// augmentation "flip,blur=2": unknown kind "blur" (allowed: flip, rotate=DEGREES, shift=PIXELS, pen=PIXELS, noise=SIGMA, or none)
	// augmentation "rotate=200": rotation must be between 0 and 180 degrees (got 200)
}

func ExampleStats_Normalize() {
	// Pixels 0, 0.2, 0.8 and 1 (levels 0, 51, 204, 255): mean 0.5,
	// standard deviation √((0.25+0.09+0.09+0.25)/4) = √0.17.
	frames := []uint8{0, 51, 204, 255, 0, 51, 204, 255}
	s := imageproc.ComputeStats(frames)
	fmt.Printf("mean %.2f, std %.4f\n", s.Mean, s.Std)

	dst := make([]float32, 4)
	s.Normalize(dst, frames[:4])
	fmt.Printf("%.4f\n", dst)
	// Output:
	// mean 0.50, std 0.4123
	// [-1.2127 -0.7276 0.7276 1.2127]
}
