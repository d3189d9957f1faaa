package photoset

import (
	"image"
	"math"
	"slices"

	"golang.org/x/image/draw"

	"github.com/neuralworkbench/workbench/training/imageproc"
)

// A digit becomes a pen drawing in three steps. Its 28×28 frame is
// upscaled smoothly (Catmull–Rom), blurred a little and thresholded at half its brightest
// level, which gives the smooth outline a pen would leave. With the
// digit's own strokes, that outline is the drawing; with a pen of a given
// width, the outline is thinned to its centre line (Zhang–Suen) and the
// pen is run along it, which gives strokes of one width, as a pen draws
// them. Either way the drawing is kept as a signed distance field, in
// which the edge can be found to a fraction of a pixel at any scale, so
// that a digit drawn large in a 12-megapixel photo has crisp, anti-aliased
// edges although the field is at most fieldMax pixels high.

// Tuning of the drawing.
const (
	inkLevel   = 0.5  // the outline is where the upscaled frame crosses this fraction of its brightest level
	fieldMax   = 360  // the field is at most this many pixels high (the digit's ink)
	smoothing  = 0.9  // the upscaled frame is blurred by this many frame pixels (σ)
	upMax      = 1024 // the upscaled crop is at most this many pixels each way
	cropMargin = 2    // frame pixels kept around the ink's box for the upscaling
)

// strokes is a digit's pen drawing.
type strokes struct {
	sd     []float32 // signed distance to the ink's edge in field pixels, negative inside
	w, h   int       // the field is w×h
	cx, cy float64   // the centre of the ink's bounding box, in field pixels
	height float64   // the height of the ink's bounding box, in field pixels
}

// inkBox returns the box of the frame's pixels at or above half its
// brightest, and whether there are any (a frame without ink has none).
func inkBox(frame []uint8) (image.Rectangle, bool) {
	top := slices.Max(frame)
	if top == 0 {
		return image.Rectangle{}, false
	}
	var box image.Rectangle
	for i, v := range frame {
		if 2*int(v) >= int(top) {
			x, y := i%imageproc.Size, i/imageproc.Size
			box = box.Union(image.Rect(x, y, x+1, y+1))
		}
	}
	return box, true
}

// drawStrokes draws the digit of frame (imageproc.Size² bytes, ink bright),
// whose ink fills box, with about height field pixels of ink from top to
// bottom (at most fieldMax, and fewer for a frame whose ink is a few
// pixels high or wide). pen is the pen's width as a fraction of the height
// of the digit's outline, or 0 for the digit's own strokes.
func drawStrokes(frame []uint8, box image.Rectangle, height, pen float64) *strokes {
	// The ink's box with a margin for the upscaling's kernel, padded with
	// black beyond the frame.
	crop := box.Inset(-cropMargin)
	src := image.NewGray(crop)
	for y := crop.Min.Y; y < crop.Max.Y; y++ {
		for x := crop.Min.X; x < crop.Max.X; x++ {
			if x >= 0 && y >= 0 && x < imageproc.Size && y < imageproc.Size {
				src.Pix[src.PixOffset(x, y)] = frame[y*imageproc.Size+x]
			}
		}
	}
	// Field pixels per frame pixel.
	k := min(min(height, fieldMax)/float64(box.Dy()), upMax/float64(max(crop.Dx(), crop.Dy())))
	uw, uh := int(math.Ceil(float64(crop.Dx())*k)), int(math.Ceil(float64(crop.Dy())*k))
	big := image.NewGray(image.Rect(0, 0, uw, uh))
	draw.CatmullRom.Scale(big, big.Bounds(), src, crop, draw.Src, nil)
	// Smooth away the wobble of the frame's pixel grid, which a pen
	// does not draw.
	grey := make([]float32, len(big.Pix))
	for i, v := range big.Pix {
		grey[i] = float32(v)
	}
	gaussianBlur(grey, uw, uh, smoothing*k)

	pad := int(math.Ceil(0.6*pen*k*float64(box.Dy()))) + 3 // room for the pen's half width
	s := &strokes{w: uw + 2*pad, h: uh + 2*pad}
	top := slices.Max(grey)
	mask := make([]bool, s.w*s.h)
	ink := image.Rectangle{}
	for y := range uh {
		for x := range uw {
			if grey[y*uw+x] >= inkLevel*top {
				mask[(y+pad)*s.w+x+pad] = true
				ink = ink.Union(image.Rect(x+pad, y+pad, x+pad+1, y+pad+1))
			}
		}
	}
	s.cx, s.cy = float64(ink.Min.X+ink.Max.X)/2, float64(ink.Min.Y+ink.Max.Y)/2
	s.height = float64(ink.Dy())
	s.sd = make([]float32, len(mask))
	if pen == 0 {
		// Distances between pixel centres: the edge lies half a pixel
		// outside the last inside pixel.
		out := make([]bool, len(mask))
		for i, m := range mask {
			out[i] = !m
		}
		toInk, toPaper := distances(mask, s.w, s.h), distances(out, s.w, s.h)
		for i, m := range mask {
			if m {
				s.sd[i] = 0.5 - toPaper[i]
			} else {
				s.sd[i] = toInk[i] - 0.5
			}
		}
		return s
	}
	radius := float32(pen * s.height / 2)
	toLine := distances(thin(mask, s.w, s.h), s.w, s.h)
	for i, d := range toLine {
		s.sd[i] = d - radius
	}
	// The centre line steps from pixel to pixel; a pen's edge does not.
	gaussianBlur(s.sd, s.w, s.h, 1)
	return s
}

// at returns the signed distance at field point (x, y), interpolated
// bilinearly; outside the field it is large.
func (s *strokes) at(x, y float64) float64 {
	x, y = x-0.5, y-0.5 // pixel i's centre is at i+0.5
	if !(x >= 0 && y >= 0 && x < float64(s.w-1) && y < float64(s.h-1)) {
		return math.MaxFloat32
	}
	i, j := int(x), int(y)
	fx, fy := x-float64(i), y-float64(j)
	p := s.sd[j*s.w+i:]
	q := p[s.w:]
	top := float64(p[0]) + (float64(p[1])-float64(p[0]))*fx
	bottom := float64(q[0]) + (float64(q[1])-float64(q[0]))*fx
	return top + (bottom-top)*fy
}

// distances returns, for every pixel of a w×h grid, the Euclidean distance
// between its centre and the nearest feature pixel's, in the exact linear
// time of Felzenszwalb and Huttenlocher's transform. Without features every
// distance is huge.
func distances(feature []bool, w, h int) []float32 {
	const far = 1e20
	n := max(w, h)
	f, d, z := make([]float64, n), make([]float64, n), make([]float64, n+1)
	v := make([]int, n)
	sq := make([]float64, w*h)
	for x := range w {
		for y := range h {
			f[y] = far
			if feature[y*w+x] {
				f[y] = 0
			}
		}
		transform1D(f[:h], d, v, z)
		for y := range h {
			sq[y*w+x] = d[y]
		}
	}
	out := make([]float32, w*h)
	for y := range h {
		copy(f, sq[y*w:(y+1)*w])
		transform1D(f[:w], d, v, z)
		for x := range w {
			out[y*w+x] = float32(math.Sqrt(d[x]))
		}
	}
	return out
}

// transform1D sets d[q] = min over p of (q−p)² + f[p]: the lower envelope
// of the parabolas rooted at each p. v and z are scratch of len(f) and
// len(f)+1.
func transform1D(f, d []float64, v []int, z []float64) {
	cross := func(q, p int) float64 {
		return ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*q-2*p)
	}
	k := 0
	v[0] = 0
	z[0], z[1] = math.Inf(-1), math.Inf(1)
	for q := 1; q < len(f); q++ {
		s := cross(q, v[k])
		for s <= z[k] {
			k--
			s = cross(q, v[k])
		}
		k++
		v[k] = q
		z[k], z[k+1] = s, math.Inf(1)
	}
	k = 0
	for q := range f {
		for z[k+1] < float64(q) {
			k++
		}
		p := v[k]
		d[q] = float64((q-p)*(q-p)) + f[p]
	}
}

// thin returns the centre lines of the mask's shapes, one pixel wide
// (Zhang and Suen's thinning). The mask's border pixels must be empty.
func thin(mask []bool, w, h int) []bool {
	img := make([]bool, len(mask))
	copy(img, mask)
	var del []int
	for changed := true; changed; {
		changed = false
		for step := range 2 {
			del = del[:0]
			for y := 1; y < h-1; y++ {
				for x := 1; x < w-1; x++ {
					i := y*w + x
					if !img[i] {
						continue
					}
					// Neighbours clockwise from north: p2 … p9.
					p := [8]bool{img[i-w], img[i-w+1], img[i+1], img[i+w+1], img[i+w], img[i+w-1], img[i-1], img[i-w-1]}
					b, a := 0, 0
					for k := range 8 {
						if p[k] {
							b++
						}
						if !p[k] && p[(k+1)%8] {
							a++
						}
					}
					if b < 2 || b > 6 || a != 1 {
						continue
					}
					n, e, s, wst := p[0], p[2], p[4], p[6]
					if step == 0 && (n && e && s || e && s && wst) {
						continue
					}
					if step == 1 && (n && e && wst || n && s && wst) {
						continue
					}
					del = append(del, i)
				}
			}
			for _, i := range del {
				img[i] = false
			}
			changed = changed || len(del) > 0
		}
	}
	return img
}
