package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
)

// keys are the window's keyboard commands, which must work while a form
// field has the focus: Fyne gives a focused entry every shortcut and key,
// so fields pass these on.
type keys struct {
	// shortcuts run by name (fyne.Shortcut.ShortcutName): Ctrl+Enter
	// trains, Ctrl+1…5 switch tabs.
	shortcuts map[string]func()
	// escape closes the top dialog, or stops training.
	escape func()
	// reveal scrolls a focused widget into view.
	reveal func(fyne.CanvasObject)
}

// windowShortcuts are the window's shortcuts: Ctrl+Enter (main and keypad
// Enter) and Ctrl+1 to Ctrl+5, one per tab.
func windowShortcuts(train func(), tab func(int)) map[fyne.Shortcut]func() {
	m := map[fyne.Shortcut]func(){
		&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}: train,
		&desktop.CustomShortcut{KeyName: fyne.KeyEnter, Modifier: fyne.KeyModifierShortcutDefault}:  train,
	}
	for i, k := range []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5} {
		m[&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}] = func() { tab(i) }
	}
	return m
}

// run runs the window's command for s, reporting whether it has one.
func (k *keys) run(s fyne.Shortcut) bool {
	if k == nil {
		return false
	}
	f, ok := k.shortcuts[s.ShortcutName()]
	if ok {
		f()
	}
	return ok
}

// field is a one-line entry that validates as the user types, passes the
// window's keyboard commands on and scrolls itself into view when it gets
// the focus.
type field struct {
	widget.Entry
	keys *keys
	// number is the text as a number and err what is wrong with it, set
	// by the validator on every change, so that the form reads them
	// instead of parsing the text again (numberField's only).
	number float64
	err    error
}

// newField returns an entry showing text, validated by validate.
func newField(k *keys, text string, validate func(string) error, changed func()) *field {
	return newFieldOf(&field{keys: k}, text, validate, changed)
}

// numberField returns a field holding a number, a whole one if whole,
// parsed once per change and checked by the engine's own rules: apply
// puts the number into a default experiment, whose Validate names what is
// wrong.
func numberField(k *keys, text string, whole bool, apply func(*training.Config, float64), changed func()) *field {
	f := &field{keys: k}
	return newFieldOf(f, text, func(s string) error {
		f.number, f.err = parseNumber(s, whole)
		if f.err == nil {
			f.err = check(func(c *training.Config) { apply(c, f.number) })
		}
		return f.err
	}, changed)
}

func newFieldOf(f *field, text string, validate func(string) error, changed func()) *field {
	f.ExtendBaseWidget(f)
	f.Validator = validate
	f.SetText(text)
	f.OnChanged = func(string) { changed() }
	return f
}

// parseNumber reads a number, or says it must be one.
func parseNumber(s string, whole bool) (float64, error) {
	s = strings.TrimSpace(s)
	if whole {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, errWhole
		}
		return float64(n), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errNumber
	}
	return v, nil
}

// TypedShortcut runs the window's shortcuts and leaves the rest to the
// entry.
func (f *field) TypedShortcut(s fyne.Shortcut) {
	if f.keys.run(s) {
		return
	}
	f.Entry.TypedShortcut(s)
}

// TypedKey runs Esc and leaves the rest to the entry.
func (f *field) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && f.keys != nil && f.keys.escape != nil {
		f.keys.escape()
		return
	}
	f.Entry.TypedKey(ev)
}

// FocusGained scrolls the field into view, as Tab moves through the form.
func (f *field) FocusGained() {
	f.Entry.FocusGained()
	if f.keys != nil && f.keys.reveal != nil {
		f.keys.reveal(f)
	}
}
