package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Every dialog of a window goes through present, which keeps the open
// ones in order so that Esc closes the top one, and takes the keyboard
// focus from the field behind a dialog so that keys typed on the dialog
// never reach it.
var (
	dialogsMu sync.Mutex // guards open
	open      = map[fyne.Window][]dialog.Dialog{}
)

// present shows d over win; on the UI goroutine.
func present(win fyne.Window, d dialog.Dialog) {
	win.Canvas().Unfocus()
	dialogsMu.Lock()
	open[win] = append(open[win], d)
	dialogsMu.Unlock()
	d.SetOnClosed(func() {
		dialogsMu.Lock()
		defer dialogsMu.Unlock()
		list := open[win]
		if i := slices.Index(list, d); i >= 0 {
			open[win] = slices.Delete(list, i, i+1)
		}
		if len(open[win]) == 0 {
			delete(open, win)
		}
	})
	d.Show()
}

// forgetDialogs drops win's dialogs from the list present keeps; call it
// when win closes, as dialogs left open would keep the window and all it
// shows in memory.
func forgetDialogs(win fyne.Window) {
	dialogsMu.Lock()
	defer dialogsMu.Unlock()
	delete(open, win)
}

// dismissTop closes the dialog on top of win, as its Cancel or Close
// button would, and reports whether there was one.
func dismissTop(win fyne.Window) bool {
	dialogsMu.Lock()
	list := open[win]
	dialogsMu.Unlock()
	if len(list) == 0 {
		return false
	}
	list[len(list)-1].Dismiss()
	return true
}

// showError shows err in a dialog; on the UI goroutine.
func showError(win fyne.Window, err error) { present(win, dialog.NewError(err, win)) }

// showInfo shows a message in a dialog; on the UI goroutine.
func showInfo(win fyne.Window, title, message string) {
	present(win, dialog.NewInformation(title, message, win))
}

// lastSaveDir is where the last file was saved, offered for the next.
var lastSaveDir string

// saveFile asks where to write a file, as a path one may type or build
// by choosing a folder, with one of the extensions, and calls write with
// it; it then says where the file went, or what went wrong. options, if
// not nil, are more choices shown in the dialog (write reads them).
func saveFile(win fyne.Window, name string, extensions []string, options fyne.CanvasObject, write func(path string) error) {
	dir := lastSaveDir
	if dir == "" {
		dir, _ = os.UserHomeDir()
	}
	path := widget.NewEntry()
	path.SetText(filepath.Join(dir, name))
	browse := &widget.Button{Text: "Folder…", Icon: theme.FolderOpenIcon(), OnTapped: func() {
		chooseFolder(win, "Save in this folder", func(d string) {
			path.SetText(filepath.Join(d, filepath.Base(path.Text)))
		})
	}}
	hint := widget.NewLabel("Type a path or choose a folder; the file ends in " + strings.Join(extensions, " or ") + ".")
	hint.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(container.NewBorder(nil, nil, nil, browse, path), hint)
	if options != nil {
		content.Add(options)
	}
	d := dialog.NewCustomConfirm("Save "+name, "Save", "Cancel", content, func(ok bool) {
		if !ok {
			return
		}
		p := expandHome(strings.TrimSpace(path.Text))
		if !slices.Contains(extensions, strings.ToLower(filepath.Ext(p))) {
			showError(win, fmt.Errorf("%s: the file must end in %s", filepath.Base(p), strings.Join(extensions, " or ")))
			return
		}
		if err := write(p); err != nil {
			showError(win, fmt.Errorf("saving %s: %w", filepath.Base(p), err))
			return
		}
		lastSaveDir = filepath.Dir(p)
		showInfo(win, "Saved", fmt.Sprintf("Saved %s in %s.", filepath.Base(p), filepath.Dir(p)))
	}, win)
	d.Resize(fyne.NewSize(560, 200))
	present(win, d)
}

// expandHome replaces a leading ~/ with the home directory.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
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
	present(win, d)
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
	present(win, d)
}
