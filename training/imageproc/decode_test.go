package imageproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// pngChunk returns one PNG chunk with its length and CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// forgedPNG returns a PNG with a valid IHDR declaring a w×h 8-bit gray image
// and no pixel data at all: a few dozen bytes that claim any size.
func forgedPNG(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8 // bit depth; colour type 0 (gray), deflate, no filter, no interlace
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, pngChunk("IHDR", ihdr)...)
	return append(b, pngChunk("IEND", nil)...)
}

// zeroBMP returns a BMP whose BITMAPINFOHEADER declares 0×0 pixels.
func zeroBMP() []byte {
	b := make([]byte, 54)
	copy(b, "BM")
	binary.LittleEndian.PutUint32(b[2:], 54)  // file size
	binary.LittleEndian.PutUint32(b[10:], 54) // pixel data offset
	binary.LittleEndian.PutUint32(b[14:], 40) // info header size
	binary.LittleEndian.PutUint16(b[26:], 1)  // planes
	binary.LittleEndian.PutUint16(b[28:], 24) // bits per pixel
	return b
}

func TestDecodeFormats(t *testing.T) {
	// A dark "4" on white paper in every format must decode to its size
	// and give the frame of the original (approximately for lossy ones).
	src := digit(four, 90, 70, image.Rect(25, 8, 65, 62), 6, 0, 255)
	want := mustPreprocess(t, "original", src).Frame
	dir := t.TempDir()
	tests := []struct {
		file string
		data []byte
		tol  float64 // how near (see near) the frame must be to want, in levels
	}{
		{"four.png", encode(t, src, "png"), 0},
		{"four.jpg", encode(t, src, "jpeg"), 1},
		{"four.gif", encode(t, src, "gif"), 1},
		{"four.bmp", encode(t, src, "bmp"), 0},
		{"four.tif", encode(t, src, "tiff"), 0},
		{"four-colour.png", encode(t, photo(four, 90, 70, image.Rect(25, 8, 65, 62), 6, 3), "png"), 5},
		{"four-colour.jpg", encode(t, photo(four, 90, 70, image.Rect(25, 8, 65, 62), 6, 3), "jpeg"), 5},
	}
	for _, tt := range tests {
		path := writeFile(t, dir, tt.file, tt.data)
		st, err := PreprocessFile(path)
		if err != nil {
			t.Errorf("PreprocessFile(%s) = %v, want no error", tt.file, err)
			continue
		}
		if b := st.Original.Bounds(); b.Dx() != 90 || b.Dy() != 70 {
			t.Errorf("PreprocessFile(%s).Original is %d×%d, want 90×70", tt.file, b.Dx(), b.Dy())
		}
		if !st.Inverted {
			t.Errorf("PreprocessFile(%s).Inverted = false, want true", tt.file)
		}
		checkFrame(t, tt.file, st.Frame)
		if d := near(st.Frame, want); d > tt.tol {
			t.Errorf("PreprocessFile(%s) is %.2f levels a pixel from the original's frame, want ≤ %g\n%s",
				tt.file, d, tt.tol, ascii(st.Frame))
		}
	}
}

func TestDecodeTransparentPNG(t *testing.T) {
	path := writeFile(t, t.TempDir(), "four.png",
		encode(t, transparentDigit(four, 60, 60, image.Rect(10, 5, 50, 55), 5, color.NRGBA{0, 0, 0, 255}), "png"))
	st, err := PreprocessFile(path)
	if err != nil {
		t.Fatalf("PreprocessFile(transparent PNG) = %v", err)
	}
	if _, ok := st.Original.(*image.NRGBA); !ok {
		t.Errorf("PreprocessFile(transparent PNG).Original is %T, want *image.NRGBA", st.Original)
	}
	checkFrame(t, "transparent PNG", st.Frame)
}

func TestDecodeWebP(t *testing.T) {
	want := digit(four, 32, 32, image.Rect(8, 5, 24, 27), 3, 0, 255)
	img, err := Decode(bytes.NewReader(webpLossless))
	if err != nil {
		t.Fatalf("Decode(lossless WebP) = %v", err)
	}
	if img.Bounds() != want.Rect {
		t.Fatalf("Decode(lossless WebP) bounds %v, want %v", img.Bounds(), want.Rect)
	}
	for y := range 32 {
		for x := range 32 {
			if got := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y; got != want.GrayAt(x, y).Y {
				t.Fatalf("Decode(lossless WebP) at (%d, %d) = %d, want %d", x, y, got, want.GrayAt(x, y).Y)
			}
		}
	}
	img, err = Decode(bytes.NewReader(webpLossy))
	if err != nil {
		t.Fatalf("Decode(lossy WebP) = %v", err)
	}
	st := mustPreprocess(t, "lossy WebP", img)
	if d := near(st.Frame, mustPreprocess(t, "original", want).Frame); d > 3 {
		t.Errorf("Preprocess(lossy WebP) is %.2f levels a pixel from the original's frame, want ≤ 3\n%s", d, ascii(st.Frame))
	}
}

func TestDecodeErrors(t *testing.T) {
	valid := encode(t, digit(four, 60, 60, image.Rect(10, 10, 50, 50), 5, 255, 0), "png")
	jpg := encode(t, photo(four, 60, 60, image.Rect(10, 10, 50, 50), 5, 1), "jpeg")
	tests := []struct {
		file string
		data []byte
		want error  // errors.Is target
		msg  string // the whole message after "file: ", or a part of it in ...
	}{
		{"photo.txt", []byte("Dear diary, today I drew a 4.\n"), ErrUnsupported,
			"not a supported image (allowed: PNG, JPEG, GIF, BMP, WebP, TIFF)"},
		{"empty.png", nil, ErrUnsupported,
			"empty input (0 bytes) is not a supported image (allowed: PNG, JPEG, GIF, BMP, WebP, TIFF)"},
		{"noise.bin", bytes.Repeat([]byte{0x13, 0x37, 0xc0, 0xde}, 100), ErrUnsupported,
			"not a supported image (allowed: PNG, JPEG, GIF, BMP, WebP, TIFF)"},
		{"truncated.png", valid[:len(valid)/2], ErrCorrupt,
			"corrupt or truncated image: damaged PNG data (png: invalid format: not enough pixel data)"},
		{"header-only.png", valid[:20], ErrCorrupt,
			"corrupt or truncated image: PNG header ends early (unexpected EOF)"},
		{"truncated.jpg", jpg[:len(jpg)/2], ErrCorrupt, "...JPEG data..."},
		{"bad-crc.png", append(append([]byte{}, valid[:29]...), 0, 0, 0, 0), ErrCorrupt,
			"corrupt or truncated image: damaged PNG header (png: invalid format: invalid checksum)"},
		{"no-pixels.png", forgedPNG(100, 100), ErrCorrupt, "...PNG data..."},
		{"zero-width.png", forgedPNG(0, 100), ErrCorrupt, "...non-positive dimension..."},
		{"zero-size.bmp", zeroBMP(), ErrCorrupt,
			"corrupt or truncated image: BMP header declares 0×0 pixels (need at least 1×1)"},
		{"huge.png", forgedPNG(10000, 10000), ErrTooLarge,
			"image too large: PNG header declares 10000×10000 pixels (100.0 megapixels); at most 50 megapixels are allowed"},
		{"wide.png", forgedPNG(50_000_001, 1), ErrTooLarge, "...50000001×1 pixels..."},
		{"exactly-50MP.png", forgedPNG(10000, 5000), ErrCorrupt, "...PNG data..."}, // passes the size check
	}
	dir := t.TempDir()
	for _, tt := range tests {
		path := writeFile(t, dir, tt.file, tt.data)
		img, err := DecodeFile(path)
		if !errors.Is(err, tt.want) {
			t.Errorf("DecodeFile(%s) = %v, %v, want %v", tt.file, img, err, tt.want)
			continue
		}
		got := err.Error()
		if part, ok := strings.CutPrefix(tt.msg, "..."); ok {
			part = strings.TrimSuffix(part, "...")
			if !strings.HasPrefix(got, path+": ") || !strings.Contains(got, part) {
				t.Errorf("DecodeFile(%s) = %q, want the path and %q", tt.file, got, part)
			}
		} else if want := path + ": " + tt.msg; got != want {
			t.Errorf("DecodeFile(%s) = %q, want %q", tt.file, got, want)
		}
		// PreprocessFile fails the same way.
		if _, perr := PreprocessFile(path); perr == nil || perr.Error() != got {
			t.Errorf("PreprocessFile(%s) = %v, want %q", tt.file, perr, got)
		}
	}
}

func TestDecodeFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.png")
	_, err := DecodeFile(path)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("DecodeFile(missing.png) = %v, want a not-exist error naming the file", err)
	}
}

func TestDecodeTooLargeAllocatesLittle(t *testing.T) {
	// Decoding the 100-megapixel PNG would allocate 100 MB; refusing it
	// from its header must cost next to nothing.
	data := forgedPNG(10000, 10000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Decode(bytes.NewReader(data))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Decode(10000×10000 PNG) = %v, want ErrTooLarge", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("Decode(10000×10000 PNG) allocated %d bytes, want < 1 MiB", n)
	}
}

func TestPreprocessTooLarge(t *testing.T) {
	// Images built in memory get the same limit; image.Uniform has
	// bounds without pixels, so this allocates nothing.
	huge := &image.Uniform{C: color.White}
	if _, err := Preprocess(huge); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Preprocess(infinite uniform image) = %v, want ErrTooLarge", err)
	}
}

func TestPreprocessFileBlankNamesFile(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 40, 40))
	path := writeFile(t, t.TempDir(), "blank.png", encode(t, blank, "png"))
	_, err := PreprocessFile(path)
	if !errors.Is(err, ErrBlank) || !strings.HasPrefix(err.Error(), path+": no digit found in the image (it is blank)") {
		t.Errorf("PreprocessFile(blank.png) = %v, want ErrBlank naming the file", err)
	}
}
