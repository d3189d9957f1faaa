// Package samples draws the digits that the window's tests and its
// screenshot tour drop on it, draw on its pad and put in folders: a phone
// photo of an 8, a white-on-black 5 and a 3 drawn with the mouse. The
// product does not import it.
package samples

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"

	"fyne.io/fyne/v2"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc/photoset"
)

// WritePNG writes img as a PNG file.
func WritePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// PhotoEight is a dark 8 on slightly uneven light paper, as a phone photo
// of a handwritten digit looks.
func PhotoEight() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 360, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 360; x++ {
			v := uint8(225 + 20*float64(x)/360 - 10*float64(y)/480)
			img.Set(x, y, color.RGBA{v, v, uint8(float64(v) * 0.96), 255})
		}
	}
	ring := func(cx, cy, rx, ry, width float64) {
		for y := 0; y < 480; y++ {
			for x := 0; x < 360; x++ {
				dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
				d := math.Abs(math.Sqrt(dx*dx+dy*dy)-1) * math.Min(rx, ry)
				if d < width {
					img.Set(x, y, color.RGBA{40, 40, 60, 255})
				}
			}
		}
	}
	ring(180, 150, 75, 80, 14)
	ring(180, 320, 90, 95, 15)
	return img
}

// WhiteFive is a light 5 on black, as MNIST draws digits.
func WhiteFive() image.Image {
	img := image.NewGray(image.Rect(0, 0, 200, 200))
	line := func(x0, y0, x1, y1 float64) {
		for t := 0.0; t <= 1; t += 0.002 {
			cx, cy := x0+t*(x1-x0), y0+t*(y1-y0)
			for dy := -9; dy <= 9; dy++ {
				for dx := -9; dx <= 9; dx++ {
					if dx*dx+dy*dy <= 81 {
						img.SetGray(int(cx)+dx, int(cy)+dy, color.Gray{Y: 250})
					}
				}
			}
		}
	}
	line(140, 40, 70, 40)
	line(70, 40, 62, 95)
	for a := -100.0; a <= 110; a += 2 {
		r := a * math.Pi / 180
		x, y := 95+50*math.Sin(r+math.Pi/2), 120-45*math.Cos(r+math.Pi/2)
		line(x, y, x+1, y+1)
	}
	return img
}

// DrawThree draws a 3 on the pad with drag events, as a mouse would.
func DrawThree(p interface {
	Dragged(*fyne.DragEvent)
	DragEnd()
}) {
	arc := func(cx, cy, r, from, to float64) {
		prev := fyne.NewPos(float32(cx+r*math.Cos(from)), float32(cy+r*math.Sin(from)))
		for a := from; a <= to; a += 0.12 {
			pos := fyne.NewPos(float32(cx+r*math.Cos(a)), float32(cy+r*math.Sin(a)))
			p.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: pos}, Dragged: fyne.Delta{DX: pos.X - prev.X, DY: pos.Y - prev.Y}})
			prev = pos
		}
		p.DragEnd()
	}
	arc(135, 95, 48, -2.6, 1.6)
	arc(135, 185, 55, -1.6, 2.6)
}

// NotebookPhoto is a phone photo of a handwritten 3 from MNIST's test set
// in pale blue ink on a ruled notebook page, tilted, with a shadow across
// it: what people drop on the window first.
func NotebookPhoto() (image.Image, error) {
	ds, err := dataset.LoadMNIST([]string{"3", "5", "8"})
	if err != nil {
		return nil, err
	}
	c := photoset.Condition{
		Name:     "notebook",
		Lines:    []photoset.Lines{photoset.Ruled},
		Inks:     []photoset.Ink{photoset.Blue},
		Contrast: photoset.Range{Min: 0.25, Max: 0.35},
		Rotate:   photoset.Range{Min: 5, Max: 10},
		Shadow:   photoset.Range{Min: 0.3, Max: 0.4},
		Tilt:     photoset.Range{Min: 0.03, Max: 0.05},
		Noise:    photoset.Range{Min: 2, Max: 3},
	}
	set, err := photoset.Set(ds.Test, c, 1, 3, photoset.Width, photoset.Height)
	if err != nil {
		return nil, err
	}
	return set[0].Image, nil
}
