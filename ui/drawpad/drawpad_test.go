package drawpad

import (
	"image"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestDrawAndClear(t *testing.T) {
	test.NewTempApp(t)
	p := New()
	w := test.NewTempWindow(t, p)
	w.Resize(fyne.NewSize(Side, Side))
	p.Resize(fyne.NewSize(Side, Side))

	var last *image.Gray
	calls := 0
	p.OnChanged = func(img *image.Gray) { last, calls = img, calls+1 }
	if p.Image() != nil {
		t.Fatal("a new pad is not empty")
	}

	// A vertical stroke down the middle, as the driver reports a mouse
	// drag: the current position and the movement since the last event.
	drag(p, fyne.NewPos(140, 60), 0, 160, 16)
	if calls == 0 || last == nil {
		t.Fatalf("dragging called OnChanged %d times with %v, want a drawing", calls, last)
	}
	if v := last.GrayAt(140, 140).Y; v != 255 {
		t.Errorf("pixel on the stroke = %d, want 255", v)
	}
	if v := last.GrayAt(140+brush+3, 140).Y; v != 0 {
		t.Errorf("pixel beside the stroke = %d, want 0", v)
	}
	if v := last.GrayAt(20, 20).Y; v != 0 {
		t.Errorf("pixel far from the stroke = %d, want 0", v)
	}

	// A tap leaves a dot.
	test.TapAt(p, fyne.NewPos(40, 240))
	if v := p.Image().GrayAt(40, 240).Y; v != 255 {
		t.Errorf("tapped pixel = %d, want 255", v)
	}

	// The image handed out is a copy.
	last.Pix[0] = 99
	if p.Image().Pix[0] != 0 {
		t.Error("changing the image OnChanged received changed the pad")
	}

	p.Clear()
	if last != nil || p.Image() != nil {
		t.Error("Clear did not empty the pad or did not report it")
	}
}

// TestScaledPad checks the mapping when the widget is shown larger than
// the drawing.
func TestScaledPad(t *testing.T) {
	test.NewTempApp(t)
	p := New()
	w := test.NewTempWindow(t, p)
	w.Resize(fyne.NewSize(2*Side, 2*Side))
	p.Resize(fyne.NewSize(2*Side, 2*Side))
	test.TapAt(p, fyne.NewPos(2*200, 2*100))
	if v := p.Image().GrayAt(200, 100).Y; v != 255 {
		t.Errorf("tap at twice the scale landed elsewhere: pixel (200,100) = %d", v)
	}
}

// drag sends steps drag events from start along (dx, dy), as a window's
// driver does, then ends the drag.
func drag(d fyne.Draggable, start fyne.Position, dx, dy float32, steps int) {
	step := fyne.Delta{DX: dx / float32(steps), DY: dy / float32(steps)}
	pos := start
	for range steps {
		pos = pos.Add(step)
		d.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: pos}, Dragged: step})
	}
	d.DragEnd()
}
