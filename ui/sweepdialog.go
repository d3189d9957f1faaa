package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/sweep"
)

// sweepExamples are the values the Sweep dialog suggests for a setting,
// in the grammar it reads (the command line's --vary).
var sweepExamples = map[string]string{
	"dataset":      "mnist",
	"classes":      "3,5,8;0,1,2,3,4,5,6,7,8,9",
	"hidden":       "none;64;128,64;256,128,64",
	"activation":   "relu;tanh;sigmoid",
	"loss":         "ce,mse",
	"optimizer":    "sgd,momentum,adam",
	"lr":           "1e-4..1e-1 x4 log",
	"schedule":     "constant;step:2:0.5;cosine;onecycle:0.01",
	"momentum":     "0.5,0.9,0.99",
	"weight-decay": "0,1e-4,1e-3",
	"batch":        "16..256 x5 log",
	"epochs":       "1..9 x5",
	"augment":      "none;flip;rotate=10,shift=2",
	"val-split":    "0.1,0.2",
	"limit":        "1000,5000,20000",
	"seed":         "1,2,3,4,5",
}

const noSetting = "—"

// sweepRow is one setting of the Sweep dialog.
type sweepRow struct {
	setting *widget.Select
	values  *widget.Entry
}

// sweepDialog asks for a sweep's settings and values over the form's
// experiment, says how many runs that makes (or what is wrong), and
// queues it.
type sweepDialog struct {
	rows  []sweepRow
	base  training.Config
	count *widget.Label
	queue *widget.Button
	plan  sweep.Plan
	d     *dialog.CustomDialog
}

// openDialog opens the Sweep dialog; on the UI goroutine.
func (s *sweepsTab) openDialog() {
	base, err := s.formConfig()
	if err != nil {
		showError(s.win, fmt.Errorf("the form's settings, which every run of a sweep starts from, are not valid: %w", err))
		return
	}
	sd := s.newDialog(base)
	s.dialog = sd
	present(s.win, sd.d)
}

func (s *sweepsTab) newDialog(base training.Config) *sweepDialog {
	sd := &sweepDialog{base: base}
	options := append([]string{noSetting}, sweep.Settings()...)
	grid := container.NewVBox()
	for i := range sweep.MaxSettings {
		r := sweepRow{values: widget.NewEntry()}
		r.setting = widget.NewSelect(options, func(name string) {
			if ex, ok := sweepExamples[name]; ok {
				r.values.SetPlaceHolder(ex)
				if r.values.Text == "" {
					r.values.SetText(ex)
				}
			} else {
				r.values.SetPlaceHolder("")
			}
			sd.check()
		})
		r.values.OnChanged = func(string) { sd.check() }
		sd.rows = append(sd.rows, r)
		label := widget.NewLabel(fmt.Sprintf("Setting %d", i+1))
		grid.Add(container.NewBorder(nil, nil, container.NewHBox(label, r.setting), nil, r.values))
	}
	sd.count = widget.NewLabel("")
	sd.count.Wrapping = fyne.TextWrapWord
	help := widget.NewLabel("Values: a list (1e-3,1e-2), or a range with a count, lin (the default) or log (1e-4..1e-1 x4 log). " +
		"Settings that are lists themselves (hidden, activation, augment, classes, schedule) separate their values with “;”. " +
		"Every run takes the rest of its settings from the form.")
	help.Wrapping = fyne.TextWrapWord
	sd.queue = &widget.Button{Text: "Queue", Icon: theme.MediaPlayIcon(), Importance: widget.HighImportance}
	cancel := &widget.Button{Text: "Cancel", Icon: theme.CancelIcon()}
	content := container.NewVBox(grid, sd.count, help)
	sd.d = dialog.NewCustomWithoutButtons("New sweep", content, s.win)
	sd.d.SetButtons([]fyne.CanvasObject{cancel, sd.queue})
	cancel.OnTapped = sd.d.Hide
	sd.queue.OnTapped = func() {
		if err := s.start(sd.plan); err != nil {
			sd.count.SetText("Cannot queue: " + err.Error())
			return
		}
		sd.d.Hide()
	}
	sd.d.Resize(fyne.NewSize(680, 0))
	// The dialog starts with a useful sweep: the learning rate.
	sd.rows[0].setting.SetSelected("lr")
	for _, r := range sd.rows[1:] {
		r.setting.SetSelected(noSetting)
	}
	sd.check()
	return sd
}

// check parses the dialog's settings and says what the sweep makes.
func (sd *sweepDialog) check() {
	if sd.count == nil {
		return // still being built
	}
	plan := sweep.Plan{Base: sd.base}
	var problem error
	for _, r := range sd.rows {
		name := r.setting.Selected
		if name == "" || name == noSetting {
			continue
		}
		a, err := sweep.Parse(name + "=" + r.values.Text)
		if err != nil && problem == nil {
			problem = err
		}
		plan.Axes = append(plan.Axes, a)
	}
	if problem == nil {
		_, problem = plan.Points()
	}
	if problem != nil {
		sd.count.SetText("✗ " + problem.Error())
		sd.count.Importance = widget.DangerImportance
		sd.count.Refresh()
		sd.queue.Disable()
		return
	}
	sd.plan = plan
	counts := make([]string, len(plan.Axes))
	for i, a := range plan.Axes {
		counts[i] = fmt.Sprintf("%d %s", len(a.Values), sweep.Label(a.Setting)+plural(len(a.Values)))
	}
	n := plan.Size()
	sd.count.SetText(fmt.Sprintf("%s: %d runs of %d epochs each, one after another.", strings.Join(counts, " × "), n, sd.base.Epochs))
	sd.count.Importance = widget.MediumImportance
	sd.count.Refresh()
	sd.queue.SetText(fmt.Sprintf("Queue %d runs", n))
	sd.queue.Enable()
}

// plural is "s" or "" for a count's noun; "values" reads better than the
// setting's own plural.
func plural(n int) string {
	if n == 1 {
		return " value"
	}
	return " values"
}
