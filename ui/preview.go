package ui

import (
	"image"
	"math/rand/v2"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// previewAugment shows a grid of training samples as the augmentation
// changes them: the originals on the first row, three random draws below.
func (w *Workbench) previewAugment() {
	cfg, err := w.form.config()
	if err != nil {
		showError(w.win, err)
		return
	}
	w.loads.start(func() {
		data, err := w.prepare(cfg)
		bridge.Do(func() {
			if err != nil {
				showError(w.win, err)
				return
			}
			const cols = 8
			rng := rand.New(rand.NewPCG(cfg.Seed, 7))
			grid := container.NewGridWithColumns(cols)
			n := min(cols, data.Train.Len())
			for row := 0; row < 4; row++ {
				for i := 0; i < n; i++ {
					frame := data.Train.Image(i)
					img := image.NewGray(image.Rect(0, 0, imageproc.Size, imageproc.Size))
					if row == 0 {
						copy(img.Pix, frame)
					} else {
						x := make([]float32, imageproc.Pixels)
						cfg.Augment.Apply(x, frame, rng)
						for j, v := range x {
							img.Pix[j] = uint8(255*max(0, min(1, v)) + 0.5)
						}
					}
					grid.Add(pixelImage(img, 64))
				}
			}
			text := "Top row: training images. Below: three random draws of the augmentation " + cfg.Augment.String() + "."
			if !cfg.Augment.Enabled() {
				text = "No augmentation is on: every draw is the original. Tick flip, rotate, shift, pen width or noise to see their effect."
			}
			label := widget.NewLabel(text)
			label.Wrapping = fyne.TextWrapWord
			d := dialog.NewCustom("Augmented samples", "Close", container.NewBorder(label, nil, nil, nil, grid), w.win)
			d.Resize(fyne.NewSize(640, 420))
			present(w.win, d)
		})
	})
}
