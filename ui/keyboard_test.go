package ui

import (
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
)

// TestKeyboardNavigation checks the keys a person uses without a mouse:
// Tab through a layer row in the order it reads, Ctrl+1…4 switch tabs
// even from a field, Esc closes a dialog before it stops anything, and a
// dialog takes the keys from the field behind it.
func TestKeyboardNavigation(t *testing.T) {
	a := test.NewTempApp(t)
	wb, win := newTestWorkbench(t, a)
	onUI(func() {
		c := win.Canvas()
		row := wb.form.layers.rows[0]
		c.Focus(row.width)
		test.FocusNext(c)
		if c.Focused() != row.act {
			t.Errorf("Tab from the first layer's width focuses %T, want its activation", c.Focused())
		}

		c.Focus(wb.form.lr)
		for i, want := range []int{1, 2, 3, 0} {
			key := []fyne.KeyName{fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key1}[i]
			wb.form.lr.TypedShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault})
			if wb.tabs.SelectedIndex() != want {
				t.Errorf("Ctrl+%s in a field shows tab %d, want %d", key, wb.tabs.SelectedIndex(), want)
			}
		}

		c.Focus(wb.form.epochs)
		showError(win, errors.New("something to read"))
		if c.Focused() != nil {
			t.Errorf("with a dialog open, %T still has the focus", c.Focused())
		}
		if c.Overlays().Top() == nil {
			t.Fatal("the dialog is not shown")
		}
		wb.escape()
		if c.Overlays().Top() != nil {
			t.Error("Esc did not close the dialog")
		}
	})
}
