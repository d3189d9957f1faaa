package imageproc

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"testing"
)

// FuzzPreprocess feeds arbitrary bytes through Decode and Preprocess: they
// must never panic, must fail only with the documented errors, and every
// frame they make must have the documented shape. Run it with
//
//	go test -run '^$' -fuzz FuzzPreprocess -fuzztime 60s ./training/imageproc/
func FuzzPreprocess(f *testing.F) {
	small := digit(four, 24, 20, image.Rect(5, 2, 19, 18), 3, 0, 255)
	for _, format := range []string{"png", "jpeg", "gif", "bmp", "tiff"} {
		f.Add(encode(f, small, format))
	}
	f.Add(encode(f, transparentDigit(four, 16, 16, image.Rect(2, 2, 14, 14), 2, color.NRGBA{A: 255}), "png"))
	f.Add(webpLossless)
	f.Add(webpLossy)
	f.Add(forgedPNG(10000, 10000))
	f.Add(zeroBMP())
	f.Add([]byte("not an image"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		// Mutated headers easily declare tens of megapixels, which
		// Decode rightly accepts up to MaxPixels; skip those over one
		// megapixel to keep each run fast (image/png's fuzz test does
		// the same). Larger ones still exercise the rejection path.
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil &&
			cfg.Width*cfg.Height > 1_000_000 && cfg.Width <= MaxPixels && cfg.Height <= MaxPixels &&
			int64(cfg.Width)*int64(cfg.Height) <= MaxPixels {
			return
		}
		img, err := Decode(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Decode = %v, want ErrUnsupported, ErrCorrupt or ErrTooLarge", err)
			}
			return
		}
		st, err := Preprocess(img)
		if err != nil {
			if !errors.Is(err, ErrBlank) {
				t.Fatalf("Preprocess = %v, want a frame or ErrBlank", err)
			}
			return
		}
		fr := st.Frame
		if fr.Rect != image.Rect(0, 0, Size, Size) || fr.Stride != Size || len(fr.Pix) != Pixels {
			t.Fatalf("Preprocess frame: Rect %v, Stride %d, %d bytes", fr.Rect, fr.Stride, len(fr.Pix))
		}
		if box := inkBox(fr, 0); box.Dx() > Box || box.Dy() > Box {
			t.Fatalf("Preprocess frame: ink spans %v, more than %d×%d", box, Box, Box)
		}
		if st.Gray.Rect.Size() != img.Bounds().Size() || st.Ink.Rect != st.Gray.Rect {
			t.Fatalf("Preprocess: Gray %v, Ink %v for an image of %v", st.Gray.Rect, st.Ink.Rect, img.Bounds())
		}
	})
}
