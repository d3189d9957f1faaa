package imageproc

import (
	"fmt"
	"image"
	"testing"
)

// BenchmarkEvened measures evening out the light of small scans and of a
// working-size photo.
func BenchmarkEvened(b *testing.B) {
	for _, size := range []int{48, 96, 640} {
		g := digit(four, size, size, image.Rect(size/6, size/8, size-size/6, size-size/8), float64(size)/12, 20, 230)
		gray := grayscale(g)
		b.Run(fmt.Sprintf("%dx%d", size, size), func(b *testing.B) {
			for b.Loop() {
				evened(gray)
			}
		})
	}
}
