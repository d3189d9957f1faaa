package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/schedule"
)

// liveBox heads the form's Optimization settings while a run trains: it
// says which settings act on the run (the learning rate, momentum and
// weight decay, from its next step) and which wait for the next run, and
// it reports what the last Apply did.
type liveBox struct {
	on      bool // a run trains (or is paused) and takes live changes
	about   *widget.Label
	outcome *widget.Label
	apply   *widget.Button
	content *fyne.Container
}

func newLiveBox(apply func()) *liveBox {
	b := &liveBox{
		about:   &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.HighImportance},
		outcome: &widget.Label{Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Italic: true}},
		apply:   &widget.Button{Text: "Apply to this run", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: apply},
	}
	b.outcome.Hide()
	b.content = container.NewVBox(b.about, container.NewHBox(b.apply), b.outcome)
	b.content.Hide()
	return b
}

// set shows the box for a run of cfg that trains, or hides it.
func (b *liveBox) set(on bool, cfg training.Config) {
	b.on = on
	if !on {
		b.content.Hide()
		return
	}
	live := "The learning rate, momentum and weight decay"
	if !cfg.Optimizer.UsesMomentum() || cfg.Schedule.Kind == schedule.OneCycle {
		live = "The learning rate and weight decay"
	}
	text := live + " act on the run that trains, from its next step: press Enter in their field, " +
		"let go of the slider, or Apply to this run. The other settings apply to the next run."
	if k := cfg.Schedule.Kind; k != "" && k != schedule.Constant {
		text += " This run follows a " + string(k) + " schedule: a new learning rate scales the rest of the schedule by the same factor."
	}
	b.about.SetText(text)
	b.outcome.Hide()
	b.content.Show()
}

// report shows what an Apply did, or why it did not.
func (b *liveBox) report(text string, failed bool) {
	b.outcome.Importance = widget.MediumImportance
	if failed {
		b.outcome.Importance = widget.DangerImportance
	}
	b.outcome.SetText(text)
	b.outcome.Show()
}

// liveValue reads a live setting from the form: its number, or what is
// wrong with its text.
func (f *experimentForm) liveValue(s training.Setting) (float64, error) {
	e := map[training.Setting]*field{
		training.SettingLR: f.lr, training.SettingMomentum: f.momentum, training.SettingWeightDecay: f.weightDecay,
	}[s]
	if e == nil {
		return 0, fmt.Errorf("%s cannot change during a run", s)
	}
	if e.err != nil {
		if errors.Is(e.err, errNumber) {
			return 0, fmt.Errorf("%s %w", s.Label(), e.err)
		}
		return 0, e.err
	}
	return e.number, nil
}

// liveSettings are the settings a run of cfg lets change.
func liveSettings(cfg training.Config) []training.Setting {
	var out []training.Setting
	for _, s := range training.Settings {
		if s == training.SettingMomentum && (!cfg.Optimizer.UsesMomentum() || cfg.Schedule.Kind == schedule.OneCycle) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// applyLive makes the run that trains take the form's learning rate,
// momentum and weight decay where they differ from the values in force,
// and says what it did in the form.
func (w *Workbench) applyLive() {
	cfg, ok := w.runner.liveConfig()
	if !ok {
		return
	}
	var applied, problems []string
	for _, s := range liveSettings(cfg) {
		v, err := w.form.liveValue(s)
		if err == nil && v == w.runner.inForce(s) {
			continue
		}
		if err == nil {
			from := w.runner.inForce(s)
			if err = w.runner.change(s, v); err == nil {
				applied = append(applied, fmt.Sprintf("%s %s → %s", s.Label(), training.ShortNumber(from), training.ShortNumber(v)))
				continue
			}
		}
		problems = append(problems, fmt.Sprintf("%s not changed: %v", s.Label(), err))
	}
	var text string
	switch {
	case len(applied) > 0:
		text = "From the next step: " + strings.Join(applied, ", ") + "."
	case len(problems) == 0:
		text = "Nothing to apply: the form's values are the ones in force."
	}
	if len(problems) > 0 {
		text = strings.TrimSpace(text + " " + strings.Join(problems, "; ") + ".")
	}
	w.form.live.report(text, len(problems) > 0)
	w.training.updateStale()
}
