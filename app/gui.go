package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/neuralworkbench/workbench/assets"
	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/ui"
)

// appID matches FyneApp.toml; preferences are stored under it.
const appID = "io.github.neuralworkbench.workbench"

// runGUI opens the workbench window and returns when it is closed.
func runGUI() {
	dataset.PreloadMNIST() // parse the built-in data while the window opens
	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	win := a.NewWindow("Neural Workbench")
	wb := ui.New(a, win)
	win.SetContent(wb.Content())
	win.Resize(fyne.NewSize(1280, 820))
	win.SetOnDropped(wb.Dropped)
	win.SetCloseIntercept(func() {
		wb.Close()
		win.Close()
	})
	win.SetMaster()
	if startTour != nil {
		startTour(a, wb)
	}
	win.ShowAndRun()
}

// startTour, set only in the screenshot build (go build -tags tour, see
// tour.go), drives the window through its screenshot tour.
var startTour func(fyne.App, *ui.Workbench)
