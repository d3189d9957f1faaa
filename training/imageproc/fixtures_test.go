package imageproc

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// segment is a pen stroke from (x0, y0) to (x1, y1) in unit coordinates of
// a digit's box: (0, 0) top left, (1, 1) bottom right.
type segment struct{ x0, y0, x1, y1 float64 }

// four is a "4": asymmetric left to right and top to bottom, so flips and
// misplaced crops show.
var four = []segment{
	{0.70, 0.00, 0.70, 1.00}, // stem
	{0.70, 0.00, 0.00, 0.65}, // diagonal
	{0.00, 0.65, 1.00, 0.65}, // bar
}

// one is a "1": a tall thin digit, much higher than wide.
var one = []segment{
	{0.5, 0.0, 0.5, 1.0},
	{0.5, 0.0, 0.1, 0.25},
}

// dash is a wide flat stroke, much wider than high.
var dash = []segment{{0.0, 0.5, 1.0, 0.5}}

// stroke returns how much of the pixel whose top-left corner is (px, py)
// the strokes cover (0 to 1), drawn with pen width pen in pixels inside box,
// anti-aliased by distance to the stroke's edge.
func stroke(strokes []segment, box image.Rectangle, pen float64, px, py int) float64 {
	x, y := float64(px)+0.5, float64(py)+0.5
	bw, bh := float64(box.Dx())-pen, float64(box.Dy())-pen
	ox, oy := float64(box.Min.X)+pen/2, float64(box.Min.Y)+pen/2
	d := math.Inf(1)
	for _, s := range strokes {
		ax, ay := ox+s.x0*bw, oy+s.y0*bh
		bx, by := ox+s.x1*bw, oy+s.y1*bh
		vx, vy := bx-ax, by-ay
		t := ((x-ax)*vx + (y-ay)*vy) / (vx*vx + vy*vy)
		t = min(1, max(0, t))
		d = min(d, math.Hypot(x-ax-t*vx, y-ay-t*vy))
	}
	return min(1, max(0, pen/2+0.5-d))
}

// digit draws strokes with pen width pen into box on a w×h gray image:
// ink level where covered, paper level elsewhere.
func digit(strokes []segment, w, h int, box image.Rectangle, pen float64, ink, paper uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := stroke(strokes, box, pen, x, y)
			g.Pix[y*g.Stride+x] = uint8(math.Round(float64(paper) + c*(float64(ink)-float64(paper))))
		}
	}
	return g
}

// transparentDigit draws strokes in colour ink on a fully transparent
// background; the stroke's anti-aliased edge is partially transparent.
func transparentDigit(strokes []segment, w, h int, box image.Rectangle, pen float64, ink color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := stroke(strokes, box, pen, x, y)
			// Transparent pixels carry the opposite colour, as many
			// editors leave them: it must not show.
			p := color.NRGBA{255 - ink.R, 255 - ink.G, 255 - ink.B, 0}
			if c > 0 {
				p = ink
				p.A = uint8(math.Round(c * 255))
			}
			m.SetNRGBA(x, y, p)
		}
	}
	return m
}

// photo is a photo-like w×h colour image of a dark-on-light digit: warm grey
// paper lit unevenly (brighter towards the top left), sensor noise, and
// blue-black ink.
func photo(strokes []segment, w, h int, box image.Rectangle, pen float64, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			light := 0.85 + 0.15*(1-float64(x+y)/float64(w+h))
			c := stroke(strokes, box, pen, x, y)
			level := func(paper, ink float64) uint8 {
				v := light*(paper+c*(ink-paper)) + 4*rng.NormFloat64()
				return uint8(min(255, max(0, math.Round(v))))
			}
			m.SetRGBA(x, y, color.RGBA{level(190, 40), level(180, 40), level(160, 70), 255})
		}
	}
	return m
}

// encode returns img in the named format: png, jpeg, gif, bmp or tiff.
func encode(t testing.TB, img image.Image, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	case "gif":
		err = gif.Encode(&buf, img, nil)
	case "bmp":
		err = bmp.Encode(&buf, img)
	case "tiff":
		err = tiff.Encode(&buf, img, &tiff.Options{Compression: tiff.Deflate})
	default:
		t.Fatalf("encode: unknown format %q", format)
	}
	if err != nil {
		t.Fatalf("encode %s: %v", format, err)
	}
	return buf.Bytes()
}

// writeFile writes data to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// diff returns the mean absolute difference between two frames, in levels.
func diff(a, b *image.Gray) float64 {
	var s float64
	for i := range a.Pix {
		s += math.Abs(float64(a.Pix[i]) - float64(b.Pix[i]))
	}
	return s / float64(len(a.Pix))
}

// near returns the mean absolute difference between two frames, in levels,
// after moving a by up to one pixel along each axis to match b: centring
// by centre of mass rounds to whole pixels, so frames of the same digit
// from differently lit images may sit one pixel apart.
func near(a, b *image.Gray) float64 {
	best := math.Inf(1)
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			var s float64
			for y := range Size {
				for x := range Size {
					var v float64
					if sx, sy := x-dx, y-dy; sx >= 0 && sx < Size && sy >= 0 && sy < Size {
						v = float64(a.Pix[sy*a.Stride+sx])
					}
					s += math.Abs(v - float64(b.Pix[y*b.Stride+x]))
				}
			}
			best = min(best, s/Pixels)
		}
	}
	return best
}

// inkBox returns the bounding box of the pixels of a frame above level.
func inkBox(f *image.Gray, level uint8) image.Rectangle {
	return threshold(f, level+1)
}

// centreOfMass returns a frame's centre of mass in pixel-index coordinates.
func centreOfMass(f *image.Gray) (x, y float64) {
	var sum float64
	for py := range f.Rect.Dy() {
		for px := range f.Rect.Dx() {
			v := float64(f.Pix[py*f.Stride+px])
			sum += v
			x += v * float64(px)
			y += v * float64(py)
		}
	}
	return x / sum, y / sum
}

// ascii renders a frame for failure messages.
func ascii(f *image.Gray) string {
	const ramp = " .:-=+*#%@"
	var b bytes.Buffer
	for y := range f.Rect.Dy() {
		for x := range f.Rect.Dx() {
			b.WriteByte(ramp[int(f.Pix[y*f.Stride+x])*(len(ramp)-1)/255])
		}
		b.WriteByte('\n')
	}
	return b.String()
}
