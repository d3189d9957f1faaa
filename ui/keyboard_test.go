package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/ui/samples"
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

		// A field below the fold scrolls into view when Tab reaches it.
		c.Focus(wb.form.noise)
		d := fyne.CurrentApp().Driver()
		top := d.AbsolutePositionForObject(wb.form.noise).Y - d.AbsolutePositionForObject(wb.sidebar).Y
		if wb.sidebar.Offset.Y <= 0 || top < 0 || top+wb.form.noise.Size().Height > wb.sidebar.Size().Height {
			t.Errorf("the focused noise field is at %v in a sidebar %v high, scrolled %v: not in view", top, wb.sidebar.Size().Height, wb.sidebar.Offset.Y)
		}

		c.Focus(wb.form.lr)
		for i, want := range []int{1, 2, 3, 4, 0} {
			key := []fyne.KeyName{fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key1}[i]
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

// TestSwitchingSourcesKeepsClasses ticks MNIST digits, switches to a
// folder of digit classes and back: the classes both have stay ticked.
func TestSwitchingSourcesKeepsClasses(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	dir := t.TempDir()
	for _, class := range []string{"1", "2", "7", "9"} {
		os.MkdirAll(filepath.Join(dir, class), 0o755)
		for i := range 3 {
			if err := samples.WritePNG(filepath.Join(dir, class, fmt.Sprintf("%d.png", i)), samples.WhiteFive()); err != nil {
				t.Fatal(err)
			}
		}
	}
	onUI(func() {
		cfg := training.DefaultConfig()
		cfg.Classes = []string{"1", "2", "7"}
		wb.form.set(cfg)
		wb.form.setSource("folder:" + dir)
	})
	wb.settle()
	onUI(func() {
		if got := wb.form.classes.selected(); fmt.Sprint(got) != "[1 2 7]" {
			t.Errorf("after switching to a folder of digits the ticked classes are %v, want [1 2 7]", got)
		}
		if !strings.HasSuffix(wb.form.sourceInfo.Text, filepath.Base(dir)) || strings.Contains(wb.form.sourceInfo.Text, "/") {
			t.Errorf("the source reads %q: its name, not its path", wb.form.sourceInfo.Text)
		}
		wb.form.setSource("mnist")
		if got := wb.form.classes.selected(); fmt.Sprint(got) != "[1 2 7]" {
			t.Errorf("back on MNIST the ticked classes are %v, want [1 2 7]", got)
		}
	})
}
