package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// keys are the window's keyboard commands, which must work while a form
// field has the focus: Fyne gives a focused entry every shortcut and key,
// so fields pass these on.
type keys struct {
	run  func() // Ctrl+Enter: start training
	stop func() // Esc: stop training
}

// runShortcuts are Ctrl+Enter on the main and the keypad Enter key.
var runShortcuts = []*desktop.CustomShortcut{
	{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault},
	{KeyName: fyne.KeyEnter, Modifier: fyne.KeyModifierShortcutDefault},
}

func isRunShortcut(s fyne.Shortcut) bool {
	for _, r := range runShortcuts {
		if s.ShortcutName() == r.ShortcutName() {
			return true
		}
	}
	return false
}

// field is a one-line entry that validates as the user types and passes
// the window's keyboard commands on.
type field struct {
	widget.Entry
	keys *keys
}

// newField returns an entry showing text, validated by validate.
func newField(k *keys, text string, validate func(string) error, changed func()) *field {
	f := &field{keys: k}
	f.ExtendBaseWidget(f)
	f.Validator = validate
	f.SetText(text)
	f.OnChanged = func(string) { changed() }
	return f
}

// TypedShortcut runs Ctrl+Enter and leaves the rest to the entry.
func (f *field) TypedShortcut(s fyne.Shortcut) {
	if isRunShortcut(s) && f.keys != nil && f.keys.run != nil {
		f.keys.run()
		return
	}
	f.Entry.TypedShortcut(s)
}

// TypedKey runs Esc and leaves the rest to the entry.
func (f *field) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && f.keys != nil && f.keys.stop != nil {
		f.keys.stop()
		return
	}
	f.Entry.TypedKey(ev)
}
