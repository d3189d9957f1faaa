//go:build tour

package main

import (
	"log"
	"os"

	"fyne.io/fyne/v2"

	"github.com/neuralworkbench/workbench/ui"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// The screenshot build: make screenshot builds the binary with -tags tour
// and runs it under Xvfb with NW_TOUR set to the folder for the
// screenshots. The product binary has none of this.
func init() {
	startTour = func(a fyne.App, wb *ui.Workbench) {
		dir := os.Getenv("NW_TOUR")
		if dir == "" {
			return
		}
		go func() {
			if err := wb.Tour(dir); err != nil {
				log.Printf("screenshot tour: %v", err)
				os.Exit(1)
			}
			bridge.Do(a.Quit)
		}()
	}
}
