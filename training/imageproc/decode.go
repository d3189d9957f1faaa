package imageproc

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/neuralworkbench/workbench/training/regular"
	"image"
	_ "image/gif" // registers the GIF decoder with package image
	"image/jpeg"
	"image/png"
	"io"
	"strings"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	_ "golang.org/x/image/webp" // registers the WebP decoder with package image
)

// Formats lists the image formats Decode reads, as shown to users.
const Formats = "PNG, JPEG, GIF, BMP, WebP, TIFF"

// Errors returned (wrapped) by Decode, DecodeFile and PreprocessFile; test
// for them with errors.Is.
var (
	// ErrUnsupported means the input is empty or is not in one of Formats.
	ErrUnsupported = errors.New("not a supported image (allowed: " + Formats + ")")
	// ErrCorrupt means the input looks like an image in a supported format
	// but its header or pixel data is damaged or cut short.
	ErrCorrupt = errors.New("corrupt or truncated image")
	// ErrTooLarge means the header declares more than MaxPixels pixels.
	ErrTooLarge = errors.New("image too large")
)

// formatNames maps the names package image registers formats under to the
// names users know them by.
var formatNames = map[string]string{
	"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "bmp": "BMP", "webp": "WebP", "tiff": "TIFF",
}

func formatName(format string) string {
	if n, ok := formatNames[format]; ok {
		return n
	}
	return strings.ToUpper(format)
}

// Decode reads one image in any of Formats (the first frame of an animated
// GIF). It reads the header first and rejects images that declare more than
// MaxPixels pixels, or no pixels at all, before any pixel memory is
// allocated, so a small forged file cannot make it allocate gigabytes.
//
// Errors wrap ErrUnsupported (empty input or unknown format), ErrCorrupt
// (damaged or truncated data) or ErrTooLarge, and say what was found and
// what is allowed.
func Decode(r io.Reader) (image.Image, error) {
	img, _, err := decode(r, nil)
	return img, err
}

// decode is Decode, holding the image's pixels from b (if not nil) once
// its header is read; held is how many it holds, 0 after an error.
func decode(r io.Reader, b *Budget) (img image.Image, held int64, err error) {
	// DecodeConfig consumes an unknown amount of the stream (a whole
	// buffer; all of it for TIFF, whose decoder needs random access), so
	// keep a copy of what it read and replay it in front of the rest.
	var head bytes.Buffer
	cfg, format, err := image.DecodeConfig(io.TeeReader(r, &head))
	name := formatName(format)
	switch {
	case err == nil:
	case head.Len() == 0:
		return nil, 0, fmt.Errorf("empty input (0 bytes) is %w", ErrUnsupported)
	case errors.Is(err, image.ErrFormat):
		return nil, 0, ErrUnsupported
	default:
		return nil, 0, corrupt(name, "header", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, 0, fmt.Errorf("%w: %s header declares %d×%d pixels (need at least 1×1)",
			ErrCorrupt, name, cfg.Width, cfg.Height)
	}
	if cfg.Width > MaxPixels || cfg.Height > MaxPixels || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, 0, tooLarge(name+" header declares", cfg.Width, cfg.Height)
	}
	var pixels int64 // held from b
	if b != nil {
		pixels = b.take(int64(cfg.Width) * int64(cfg.Height))
		defer func() {
			if err != nil {
				b.give(pixels)
			}
		}()
	}
	img, err = decodeSafely(io.MultiReader(&head, r))
	if err != nil {
		return nil, 0, corrupt(name, "data", err)
	}
	if bounds := img.Bounds(); bounds.Empty() {
		return nil, 0, fmt.Errorf("%w: %s decoded to %d×%d pixels (need at least 1×1)",
			ErrCorrupt, name, bounds.Dx(), bounds.Dy())
	}
	return img, pixels, nil
}

// decodeSafely turns a panic in a decoder into an error. The decoders are
// well kept, but a file dropped on the window is untrusted input and a
// decoder bug must cost the user one error message, not the application.
func decodeSafely(r io.Reader) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("decoder failed: %v", p)
		}
	}()
	img, _, err = image.Decode(r)
	return img, err
}

// corrupt wraps a decoder error in ErrCorrupt, saying whether the data ended
// early or was damaged; or in ErrUnsupported if the decoder does not
// implement a feature the file uses (a compressed BMP, a 12-bit JPEG).
func corrupt(name, part string, err error) error {
	var pu png.UnsupportedError
	var ju jpeg.UnsupportedError
	var tu tiff.UnsupportedError
	if errors.Is(err, bmp.ErrUnsupported) || errors.As(err, &pu) || errors.As(err, &ju) || errors.As(err, &tu) {
		return fmt.Errorf("unsupported kind of %s (%w): %w", name, err, ErrUnsupported)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: %s %s ends early (%w)", ErrCorrupt, name, part, err)
	}
	return fmt.Errorf("%w: damaged %s %s (%w)", ErrCorrupt, name, part, err)
}

func tooLarge(what string, w, h int) error {
	return fmt.Errorf("%w: %s %d×%d pixels (%.1f megapixels); at most %d megapixels are allowed",
		ErrTooLarge, what, w, h, float64(w)*float64(h)/1e6, MaxPixels/1_000_000)
}

// DecodeFile decodes the image file at path (see Decode); its errors start
// with the path.
func DecodeFile(path string) (image.Image, error) {
	f, err := regular.Open(path)
	if err != nil {
		return nil, err // its errors name the file already
	}
	defer f.Close()
	img, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}
