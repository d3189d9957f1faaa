package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// showError shows err in a dialog; on the UI goroutine.
func showError(win fyne.Window, err error) { dialog.ShowError(err, win) }

// showInfo shows a message in a dialog; on the UI goroutine.
func showInfo(win fyne.Window, title, message string) { dialog.ShowInformation(title, message, win) }

// saveFile asks for a file to write with one of the extensions and calls
// write with its path, showing any error.
func saveFile(win fyne.Window, name string, extensions []string, write func(path string) error) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			showError(win, err)
			return
		}
		if w == nil {
			return // cancelled
		}
		path := w.URI().Path()
		w.Close()
		if err := write(path); err != nil {
			showError(win, fmt.Errorf("saving %s: %w", path, err))
		}
	}, win)
	d.SetFileName(name)
	d.SetFilter(storage.NewExtensionFileFilter(extensions))
	d.Show()
}

// chooseFolder asks for a folder and calls chosen with its path.
func chooseFolder(win fyne.Window, title string, chosen func(dir string)) {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			showError(win, err)
			return
		}
		if u != nil {
			chosen(u.Path())
		}
	}, win)
	d.SetTitleText(title)
	d.Show()
}

// chooseFolderOrCancel is chooseFolder that also reports a cancel as "".
func chooseFolderOrCancel(win fyne.Window, title string, chosen func(dir string)) {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		switch {
		case err != nil:
			showError(win, err)
			chosen("")
		case u == nil:
			chosen("")
		default:
			chosen(u.Path())
		}
	}, win)
	d.SetTitleText(title)
	d.Show()
}
