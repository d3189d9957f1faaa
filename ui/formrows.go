package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// formRow is a row of the sidebar: a label, a widget and under it a hint,
// which an invalid field's message replaces while it lasts.
type formRow struct {
	label  string
	widget fyne.CanvasObject
	hint   string
	field  *field // the field whose validation message the hint shows, if any
}

// settingsForm lays rows out as a two-column form. It is not widget.Form,
// whose hints and messages are one unwrapped line in the placeholder
// colour: a long message widened the sidebar, and the hints read at less
// than WCAG's 4.5:1. Here they wrap, and use the foreground colour.
func settingsForm(rows ...formRow) fyne.CanvasObject {
	var objs []fyne.CanvasObject
	for _, r := range rows {
		label := widget.NewLabel(r.label)
		label.TextStyle = fyne.TextStyle{Bold: true}
		label.Alignment = fyne.TextAlignTrailing
		right := r.widget
		if r.hint != "" || r.field != nil {
			right = container.NewVBox(r.widget, hintFor(r.hint, r.field))
		}
		objs = append(objs, container.NewVBox(label), right)
	}
	return container.New(layout.NewFormLayout(), objs...)
}

// hintFor returns the hint under a widget, showing f's validation message
// instead while f is invalid.
func hintFor(hint string, f *field) *widget.Label {
	h := widget.NewLabel(hint)
	h.Wrapping = fyne.TextWrapWord
	h.SizeName = theme.SizeNameCaptionText
	show := func(err error) {
		switch {
		case err != nil:
			h.SetText(err.Error())
			h.Importance = widget.DangerImportance
		default:
			h.SetText(hint)
			h.Importance = widget.MediumImportance
		}
		if h.Text == "" {
			h.Hide()
		} else {
			h.Show()
		}
		h.Refresh()
	}
	if f != nil {
		f.SetOnValidationChanged(show)
		show(f.Validate())
	} else {
		show(nil)
	}
	return h
}
