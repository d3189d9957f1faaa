package main

import (
	"log"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/neuralworkbench/workbench/assets"
	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/ui"
	"github.com/neuralworkbench/workbench/ui/bridge"
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
	if dir := os.Getenv("NW_TOUR"); dir != "" {
		// make screenshot: drive the window, save screenshots, quit.
		go func() {
			if err := wb.Tour(dir); err != nil {
				log.Printf("screenshot tour: %v", err)
				os.Exit(1)
			}
			bridge.Do(a.Quit)
		}()
	}
	win.ShowAndRun()
}
