package main

import (
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestScreenshots checks the screenshots make screenshot takes of the real
// window: each exists, has the window's size and shows something.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("NW_SCREENSHOTS")
	if dir == "" {
		t.Skip("run by make screenshot, which sets NW_SCREENSHOTS")
	}
	for _, name := range []string{"training-midrun.png", "training.png", "classify.png", "loss-surfaces.png",
		"loss-surfaces-maps.png", "loss-surfaces-convexity.png", "landscape-twins.png", "landscape-twins-lines.png", "runs.png",
		"hover.png", "ten-classes.png", "most-confused.png", "gallery.png", "gallery-classify.png", "failed-run.png", "schedule-preview.png", "lr-find.png", "sweep-dialog.png", "sweep-queue.png", "sweeps.png", "runs-sweep.png", "small-window.png",
		"live-changes.png", "layer-warning.png", "layer-editor.png", "lenet-run.png"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			continue
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		b := img.Bounds()
		if b.Dx() < 1024 || b.Dy() < 700 {
			t.Errorf("%s is %dx%d, smaller than the window's minimum 1024x700", name, b.Dx(), b.Dy())
		}
		colours := map[[3]uint32]bool{}
		for y := b.Min.Y; y < b.Max.Y; y += 4 {
			for x := b.Min.X; x < b.Max.X; x += 4 {
				r, g, bl, _ := img.At(x, y).RGBA()
				colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			}
		}
		if len(colours) < 50 {
			t.Errorf("%s has only %d colours: the window looks blank", name, len(colours))
		}
	}
}
