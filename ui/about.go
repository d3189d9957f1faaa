package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training/openblas"
)

// Version is the release, as in FyneApp.toml.
const Version = "0.1.0"

// showAbout names the app, the BLAS in use and the data's authors.
func showAbout(a fyne.App, win fyne.Window) {
	version := a.Metadata().Version // set by fyne build from FyneApp.toml
	if version == "" {
		version = Version
	}
	text := fmt.Sprintf("Neural Workbench %s\n\n"+
		"Train small image classifiers and see why they work.\n\n"+
		"Matrix products: %s.\n\n"+
		"Built-in data: the MNIST database of handwritten digits by Yann LeCun, Corinna Cortes "+
		"and Christopher J. C. Burges, licensed under Creative Commons Attribution-Share Alike 3.0.\n\n"+
		"Made with Fyne, gorgonia and gonum/plot. MIT licence.", version, openblas.Load())
	label := widget.NewLabel(text)
	label.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("About Neural Workbench", "Close", label, win)
	d.Resize(fyne.NewSize(480, 320))
	present(win, d)
}
