package ui

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/optim"
	"github.com/neuralworkbench/workbench/training/schedule"
)

// check validates one setting the way the engine will: it applies set to
// the default experiment, which is valid, so any error is that setting's.
// The form thus has no validation rules of its own to drift from the
// engine's.
func check(set func(*training.Config)) error {
	c := training.DefaultConfig()
	set(&c)
	return c.Validate()
}

// Choices offered by the data source selector.
const (
	sourceMNIST  = "MNIST (built in)"
	sourceIDX    = "IDX folder…"
	sourceFolder = "Image folder…"
)

var lossNames = map[string]nn.Loss{"Cross-entropy": nn.CrossEntropy, "MSE (on softmax)": nn.MSE}

// experimentForm is the sidebar: every setting of an experiment, grouped
// as Data, Model, Optimization and Augmentation, validated as the user
// types.
type experimentForm struct {
	keys  *keys
	hooks formHooks

	source     *widget.Select
	spec       string // the current source, "mnist", "idx:DIR" or "folder:DIR"
	sourceInfo *widget.Label
	classes    *classPicker
	valSplit   *field
	seed       *field

	layers *layerList
	arch   *archChooser // the network: the layers' rows, a preset or typed layers
	params *widget.Label
	// estimate says how long an epoch takes here (the window's sizeProbe).
	estimate *widget.Label

	loss        *widget.Select
	optimizer   *widget.Select
	lr          *field
	lrSlider    *widget.Slider
	momentum    *field
	batch       *field
	epochs      *field
	weightDecay *field
	schedule    *field
	// preview draws the schedule over the run (the workbench updates it
	// when the experiment is valid).
	preview   *schedulePreview
	earlyStop *field
	keep      *widget.Select
	// live is the box saying how the form acts on a run that trains.
	live *liveBox
	// replay holds the live changes of the run the form's settings came
	// from (Run again), which a run of them makes again; replayBox shows
	// them.
	replay    []training.Change
	replayBox *fyne.Container
	replayMsg *widget.Label

	flip, rotateOn, shiftOn, penOn, noiseOn *widget.Check
	rotate, shift, pen, noise               *field

	settingSlider bool // the slider is being moved to match the entry
	content       fyne.CanvasObject
}

// formHooks are what the form asks of the window, all on the UI
// goroutine.
type formHooks struct {
	// changed is told of any edit.
	changed func()
	// chooseSource asks for a dataset folder ("idx" or "folder") and
	// reports the chosen spec, or "" when cancelled.
	chooseSource func(kind string, chosen func(spec string))
	// sourceChanged is told of a new data source so its classes can be
	// listed.
	sourceChanged func(spec string)
	// preview shows augmented samples.
	preview func()
	// findLR runs the learning-rate range test on the form's experiment.
	findLR func()
	// applyLive applies the learning rate, momentum and weight decay to
	// the run that trains (Enter in their fields, the slider's release,
	// Apply to this run).
	applyLive func()
}

func newExperimentForm(k *keys, hooks formHooks) *experimentForm {
	f := &experimentForm{keys: k, spec: "mnist"}
	edit := func() { f.edited() }

	f.source = &widget.Select{Options: []string{sourceMNIST, sourceIDX, sourceFolder}, OnChanged: f.sourceSelected}
	f.sourceInfo = widget.NewLabel("")
	f.sourceInfo.Wrapping = fyne.TextWrapWord
	f.classes = newClassPicker(edit)
	f.valSplit = numberField(k, "0.1", false, func(c *training.Config, v float64) { c.ValSplit = v }, edit)
	f.seed = newField(k, "1", func(s string) error {
		if _, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64); err != nil {
			return errors.New("must be a whole number ≥ 0")
		}
		return nil
	}, edit)

	f.layers = newLayerList(k, edit)
	f.arch = newArchChooser(k, f.layers.widget(), f.classCount, edit)
	f.params = widget.NewLabel("")
	f.params.TextStyle = fyne.TextStyle{Bold: true}
	f.estimate = widget.NewLabel("")

	lossOptions := []string{"Cross-entropy", "MSE (on softmax)"}
	f.loss = &widget.Select{Options: lossOptions, OnChanged: func(string) { edit() }}
	var kinds []string
	for _, k := range optim.Kinds {
		kinds = append(kinds, string(k))
	}
	f.optimizer = &widget.Select{Options: kinds, OnChanged: func(string) { f.updateMomentum(); edit() }}
	f.lr = numberField(k, "0.001", false, func(c *training.Config, v float64) { c.LR = v }, func() {
		f.syncSlider()
		edit()
	})
	f.lrSlider = &widget.Slider{Min: -5, Max: 1, Step: 0.01, OnChanged: f.sliderMoved, OnChangeEnded: func(float64) {
		if !f.settingSlider { // SetValue ends a change too
			f.submitLive()
		}
	}}
	f.momentum = numberField(k, "0.9", false, func(c *training.Config, v float64) {
		c.Optimizer, c.Momentum = optim.Momentum, v
	}, edit)
	f.batch = numberField(k, "64", true, func(c *training.Config, v float64) { c.Batch = int(v) }, edit)
	f.epochs = numberField(k, "5", true, func(c *training.Config, v float64) { c.Epochs = int(v) }, edit)
	f.weightDecay = numberField(k, "0", false, func(c *training.Config, v float64) { c.WeightDecay = v }, edit)
	// The schedule's own rules here; those that need the learning rate and
	// the epochs are the whole config's (Validate), shown beside Train.
	f.preview = newSchedulePreview()
	f.schedule = newField(k, "constant", func(text string) error {
		_, err := schedule.Parse(text)
		return err
	}, edit)
	f.earlyStop = newField(k, "off", func(text string) error {
		_, err := training.ParseEarlyStop(text)
		return err
	}, edit)
	f.keep = &widget.Select{Options: []string{keepBestChoice, keepLastChoice}, Selected: keepBestChoice, OnChanged: func(string) { edit() }}
	for _, e := range []*field{f.lr, f.momentum, f.weightDecay} {
		e.OnSubmitted = func(string) { f.submitLive() }
	}
	f.live = newLiveBox(func() { f.submitLive() })
	f.replayMsg = widget.NewLabel("")
	f.replayMsg.Wrapping = fyne.TextWrapWord
	forget := &widget.Button{Text: "Forget them", Icon: theme.ContentClearIcon(), OnTapped: func() {
		f.replay = nil
		f.showReplay()
		edit()
	}}
	f.replayBox = container.NewBorder(nil, nil, nil, container.NewVBox(forget), f.replayMsg)
	f.replayBox.Hide()

	f.flip = widget.NewCheck("Horizontal flip (off for digits)", func(bool) { edit() })
	f.rotateOn = widget.NewCheck("Rotate ± degrees", func(bool) { f.updateAugment(); edit() })
	f.rotate = numberField(k, "15", false, func(c *training.Config, v float64) { c.Augment.Rotate = v }, edit)
	f.shiftOn = widget.NewCheck("Shift ± pixels", func(bool) { f.updateAugment(); edit() })
	f.shift = numberField(k, "2", true, func(c *training.Config, v float64) { c.Augment.Shift = int(v) }, edit)
	f.penOn = widget.NewCheck("Pen width ± px", func(bool) { f.updateAugment(); edit() })
	f.pen = numberField(k, "0.5", false, func(c *training.Config, v float64) { c.Augment.Pen = v }, edit)
	f.noiseOn = widget.NewCheck("Gaussian noise σ", func(bool) { f.updateAugment(); edit() })
	f.noise = numberField(k, "0.1", false, func(c *training.Config, v float64) { c.Augment.Noise = v }, edit)

	f.content = f.build()
	f.set(training.DefaultConfig())
	f.hooks = hooks // after the defaults are shown: the window is told of the settings it restores
	return f
}

func (f *experimentForm) build() fyne.CanvasObject {
	heading := func(s string) *widget.Label {
		l := widget.NewLabel(s)
		l.TextStyle = fyne.TextStyle{Bold: true}
		l.SizeName = theme.SizeNameSubHeadingText
		return l
	}
	data := settingsForm(
		formRow{label: "Dataset", widget: container.NewVBox(f.source, f.sourceInfo)},
		formRow{label: "Classes", widget: f.classes.widget()},
		formRow{label: "Validation", widget: f.valSplit, hint: "fraction held out, 0–0.5", field: f.valSplit},
		formRow{label: "Seed", widget: f.seed, hint: "same seed, same run", field: f.seed},
	)
	model := container.NewVBox(f.arch.content, f.params, f.estimate)
	findLR := &widget.Button{Text: "Find learning rate…", Icon: theme.SearchIcon(), OnTapped: func() { f.hooks.findLR() }}
	lrRow := container.NewVBox(container.NewGridWithColumns(2, f.lr, f.lrSlider), findLR)
	opt := settingsForm(
		formRow{label: "Loss", widget: f.loss},
		formRow{label: "Optimizer", widget: f.optimizer},
		formRow{label: "Learning rate", widget: lrRow, field: f.lr,
			hint: fmt.Sprintf("above %g and at most %g; the slider spans 1e-5 … 10 on a log scale", float64(training.MinLR), float64(training.MaxLR))},
		formRow{label: "Momentum", widget: f.momentum, hint: "momentum and nesterov", field: f.momentum},
		formRow{label: "Batch size", widget: f.batch, field: f.batch},
		formRow{label: "Epochs", widget: f.epochs, field: f.epochs},
		formRow{label: "Weight decay", widget: f.weightDecay, hint: "L2; decoupled for adamw", field: f.weightDecay},
		formRow{label: "LR schedule", widget: container.NewVBox(f.schedule, f.preview.content), field: f.schedule,
			hint: "constant, step:N:GAMMA, cosine[:MIN][,warmup=K], onecycle[:MAXLR] or plateau:P:GAMMA; N, K, P in epochs"},
		formRow{label: "Early stop", widget: f.earlyStop, field: f.earlyStop,
			hint: "off, or PATIENCE[:val_loss|val_acc]: stop when the validation metric has not improved for PATIENCE epochs"},
		formRow{label: "Keep", widget: f.keep,
			hint: "the run keeps both; Classify and the landscape use this one"},
	)
	aug := container.NewVBox(
		f.flip,
		container.NewGridWithColumns(2, f.rotateOn, container.NewVBox(f.rotate, hintFor("", f.rotate))),
		container.NewGridWithColumns(2, f.shiftOn, container.NewVBox(f.shift, hintFor("", f.shift))),
		container.NewGridWithColumns(2, f.penOn, container.NewVBox(f.pen, hintFor("", f.pen))),
		container.NewGridWithColumns(2, f.noiseOn, container.NewVBox(f.noise, hintFor("", f.noise))),
	)
	preview := &widget.Button{Text: "Preview augmented samples", Icon: theme.VisibilityIcon(), OnTapped: func() { f.hooks.preview() }}
	return container.NewVBox(
		heading("Data"), data,
		widget.NewSeparator(), heading("Model"), model,
		widget.NewSeparator(), heading("Optimization"), f.live.content, f.replayBox, opt,
		widget.NewSeparator(), heading("Augmentation"), aug, preview,
	)
}

// Errors of text that is not a number at all; the engine's own messages
// name their setting, these do not.
var (
	errNumber = errors.New("must be a number")
	errWhole  = errors.New("must be a whole number")
)

// edited refreshes what depends on the settings and tells the window.
func (f *experimentForm) edited() {
	f.updateParams()
	if f.hooks.changed != nil { // nil while the form is being built
		f.hooks.changed()
	}
}

// updateParams shows the network's size for the current layers.
func (f *experimentForm) updateParams() {
	if f.arch == nil {
		return // the form is being built
	}
	classes := f.classCount()
	if !f.arch.isMLP() {
		f.arch.editor.classesChanged() // the output layer follows the classes
	}
	spec := nn.Spec{Inputs: 784, Layers: f.arch.layers, Classes: classes}
	if f.arch.isMLP() {
		layers, err := f.layers.layers()
		if err != nil {
			f.params.SetText("—")
			return
		}
		spec = nn.Spec{Inputs: 784, Hidden: layers, Classes: classes}
	} else if len(f.arch.layers) == 0 {
		f.params.SetText("—")
		return
	}
	f.params.SetText(fmt.Sprintf("%s parameters  (%s)", thousands(float64(spec.ParamCount())), spec))
}

// classCount is the number of classes a run of the form would train on:
// those ticked, or all the source's when none is (at least 2).
func (f *experimentForm) classCount() int {
	if f.classes == nil {
		return 3
	}
	if n := len(f.classes.selected()); n > 0 {
		return max(2, n)
	}
	return max(2, len(f.classes.names))
}

func (f *experimentForm) updateMomentum() {
	if optim.Kind(f.optimizer.Selected).UsesMomentum() {
		f.momentum.Enable()
	} else {
		f.momentum.Disable()
	}
}

func (f *experimentForm) updateAugment() {
	for _, p := range []struct {
		on *widget.Check
		v  *field
	}{{f.rotateOn, f.rotate}, {f.shiftOn, f.shift}, {f.penOn, f.pen}, {f.noiseOn, f.noise}} {
		if p.on.Checked {
			p.v.Enable()
		} else {
			p.v.Disable()
		}
	}
}

// syncSlider moves the log-scale slider to the typed learning rate.
func (f *experimentForm) syncSlider() {
	v, err := strconv.ParseFloat(strings.TrimSpace(f.lr.Text), 64)
	if err != nil || v <= 0 {
		return
	}
	f.settingSlider = true
	f.lrSlider.SetValue(math.Max(f.lrSlider.Min, math.Min(f.lrSlider.Max, math.Log10(v))))
	f.settingSlider = false
}

// sliderMoved types the slider's learning rate into the entry.
func (f *experimentForm) sliderMoved(v float64) {
	if f.settingSlider {
		return
	}
	f.lr.SetText(strconv.FormatFloat(roundSig(math.Pow(10, v), 2), 'g', -1, 64))
}

// roundSig rounds v to n significant digits.
func roundSig(v float64, n int) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

func (f *experimentForm) sourceSelected(choice string) {
	switch choice {
	case sourceMNIST:
		if f.spec != "mnist" {
			f.setSource("mnist")
		}
	case sourceIDX, sourceFolder:
		kind := "idx"
		if choice == sourceFolder {
			kind = "folder"
		}
		if strings.HasPrefix(f.spec, kind+":") {
			return // already this source, e.g. restored from preferences
		}
		previous := f.spec
		f.hooks.chooseSource(kind, func(spec string) {
			if spec == "" { // cancelled: back to what it was
				f.selectSource(previous)
				return
			}
			f.setSource(spec)
		})
	}
}

// selectSource shows spec in the selector without asking for a folder.
func (f *experimentForm) selectSource(spec string) {
	f.spec = spec
	choice := sourceMNIST
	switch {
	case strings.HasPrefix(spec, "idx:"):
		choice = sourceIDX
	case strings.HasPrefix(spec, "folder:"):
		choice = sourceFolder
	}
	onChanged := f.source.OnChanged
	f.source.OnChanged = nil
	f.source.SetSelected(choice)
	f.source.OnChanged = onChanged
	if spec == "mnist" {
		f.sourceInfo.SetText("60,000 training, 10,000 test images")
	} else {
		_, dir, _ := strings.Cut(spec, ":")
		f.sourceInfo.SetText("Folder " + filepath.Base(dir))
	}
}

// setSource switches to a new data source, keeping the classes ticked
// that the new source has too (MNIST's digits, say, in an IDX set of
// digits).
func (f *experimentForm) setSource(spec string) {
	keep := f.classes.selected()
	if f.classes.names == nil {
		keep = f.classes.want
	}
	f.selectSource(spec)
	if spec == "mnist" {
		if len(keep) == 0 {
			keep = []string{"3", "5", "8"}
		}
		f.classes.set(digitNames(), keep)
	} else {
		f.classes.want = keep
		f.classes.loading()
	}
	f.hooks.sourceChanged(spec)
	f.edited()
}

func digitNames() []string {
	return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
}

// set shows cfg in the form.
func (f *experimentForm) set(cfg training.Config) {
	f.selectSource(cfg.Dataset)
	if cfg.Dataset == "mnist" {
		f.classes.set(digitNames(), cfg.Classes)
	} else {
		f.classes.want = cfg.Classes
		f.classes.loading()
	}
	f.valSplit.SetText(formatFloat(cfg.ValSplit))
	f.seed.SetText(strconv.FormatUint(cfg.Seed, 10))
	f.layers.set(cfg.Hidden)
	f.arch.set(cfg.Layers)
	for name, l := range lossNames {
		if l == cfg.Loss {
			f.loss.SetSelected(name)
		}
	}
	f.optimizer.SetSelected(string(cfg.Optimizer))
	f.lr.SetText(formatFloat(cfg.LR))
	f.momentum.SetText(formatFloat(cfg.Momentum))
	f.batch.SetText(strconv.Itoa(cfg.Batch))
	f.epochs.SetText(strconv.Itoa(cfg.Epochs))
	f.weightDecay.SetText(formatFloat(cfg.WeightDecay))
	sch := cfg.Schedule
	if sch.Kind == "" {
		sch.Kind = schedule.Constant
	}
	f.schedule.SetText(sch.String())
	f.earlyStop.SetText(cfg.EarlyStop.String())
	f.keep.SetSelected(keepBestChoice)
	if cfg.Keep == training.KeepLast {
		f.keep.SetSelected(keepLastChoice)
	}
	f.replay = slices.Clone(cfg.Changes)
	f.showReplay()
	a := cfg.Augment
	f.flip.SetChecked(a.Flip)
	f.rotateOn.SetChecked(a.Rotate > 0)
	f.shiftOn.SetChecked(a.Shift > 0)
	f.penOn.SetChecked(a.Pen > 0)
	f.noiseOn.SetChecked(a.Noise > 0)
	if a.Rotate > 0 {
		f.rotate.SetText(formatFloat(a.Rotate))
	}
	if a.Shift > 0 {
		f.shift.SetText(strconv.Itoa(a.Shift))
	}
	if a.Pen > 0 {
		f.pen.SetText(formatFloat(a.Pen))
	}
	if a.Noise > 0 {
		f.noise.SetText(formatFloat(a.Noise))
	}
	f.updateMomentum()
	f.updateAugment()
	f.syncSlider()
	f.edited()
}

// The Keep choices.
const (
	keepBestChoice = "Best epoch's weights"
	keepLastChoice = "Last weights"
)

// submitLive applies the live settings to the run that trains, if one
// does.
func (f *experimentForm) submitLive() {
	if f.live.on && f.hooks.applyLive != nil {
		f.hooks.applyLive()
	}
}

// showReplay shows the changes a run of the form's settings will make
// again.
func (f *experimentForm) showReplay() {
	if len(f.replay) == 0 {
		f.replayBox.Hide()
		return
	}
	var parts []string
	for _, c := range f.replay {
		parts = append(parts, c.String())
	}
	f.replayMsg.SetText("A run of these settings replays the live changes of the run they came from: " + strings.Join(parts, "; ") + ".")
	f.replayBox.Show()
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// config reads the experiment from the form, or returns the first
// problem, naming the setting.
func (f *experimentForm) config() (training.Config, error) {
	cfg := training.Config{Dataset: f.spec}
	// named adds the setting's name to the messages that lack it.
	named := func(name string, err error) error {
		if errors.Is(err, errNumber) || errors.Is(err, errWhole) {
			return fmt.Errorf("%s %w", name, err)
		}
		return err
	}
	// The fields parsed and checked their text when it changed.
	num := func(name string, e *field, dst *float64) error {
		if e.err != nil {
			return named(name, e.err)
		}
		*dst = e.number
		return nil
	}
	whole := func(name string, e *field, dst *int) error {
		if e.err != nil {
			return named(name, e.err)
		}
		*dst = int(e.number)
		return nil
	}
	if err := f.classes.err(); err != nil {
		return cfg, err
	}
	cfg.Classes = f.classes.selected()
	if err := num("validation split", f.valSplit, &cfg.ValSplit); err != nil {
		return cfg, err
	}
	if err := f.seed.Validator(f.seed.Text); err != nil {
		return cfg, fmt.Errorf("seed %w", err)
	}
	cfg.Seed, _ = strconv.ParseUint(strings.TrimSpace(f.seed.Text), 10, 64)
	if f.arch.isMLP() {
		layers, err := f.layers.layers()
		if err != nil {
			return cfg, err
		}
		cfg.Hidden = layers
	} else {
		if err := f.arch.err(); err != nil {
			return cfg, fmt.Errorf("layers: %w", err)
		}
		cfg.Layers = slices.Clone(f.arch.layers)
	}
	cfg.Loss = lossNames[f.loss.Selected]
	cfg.Optimizer = optim.Kind(f.optimizer.Selected)
	if err := num("learning rate", f.lr, &cfg.LR); err != nil {
		return cfg, err
	}
	cfg.Momentum = 0.9
	if err := num("momentum", f.momentum, &cfg.Momentum); err != nil && cfg.Optimizer.UsesMomentum() {
		return cfg, err
	}
	if err := whole("batch size", f.batch, &cfg.Batch); err != nil {
		return cfg, err
	}
	if err := whole("epochs", f.epochs, &cfg.Epochs); err != nil {
		return cfg, err
	}
	sch, err := schedule.Parse(f.schedule.Text)
	if err != nil {
		return cfg, fmt.Errorf("learning-rate schedule: %w", err)
	}
	cfg.Schedule = sch
	if err := num("weight decay", f.weightDecay, &cfg.WeightDecay); err != nil {
		return cfg, err
	}
	es, err := training.ParseEarlyStop(f.earlyStop.Text)
	if err != nil {
		return cfg, err
	}
	cfg.EarlyStop = es
	cfg.Keep = training.KeepBest
	if f.keep.Selected == keepLastChoice {
		cfg.Keep = training.KeepLast
	}
	cfg.Changes = slices.Clone(f.replay)
	cfg.Augment.Flip = f.flip.Checked
	if f.rotateOn.Checked {
		if err := num("rotation", f.rotate, &cfg.Augment.Rotate); err != nil {
			return cfg, err
		}
	}
	if f.shiftOn.Checked {
		if err := whole("shift", f.shift, &cfg.Augment.Shift); err != nil {
			return cfg, err
		}
	}
	if f.penOn.Checked {
		if err := num("pen width", f.pen, &cfg.Augment.Pen); err != nil {
			return cfg, err
		}
	}
	if f.noiseOn.Checked {
		if err := num("noise", f.noise, &cfg.Augment.Noise); err != nil {
			return cfg, err
		}
	}
	return cfg, cfg.Validate()
}

// classPicker ticks the classes to train on.
type classPicker struct {
	changed func()
	names   []string
	want    []string // classes to tick once the names are known
	checks  []*widget.Check
	grid    *fyne.Container
	status  *widget.Label
}

func newClassPicker(changed func()) *classPicker {
	p := &classPicker{changed: changed, grid: container.NewGridWithColumns(5)}
	p.status = widget.NewLabel("")
	p.status.Importance = widget.DangerImportance
	p.status.Wrapping = fyne.TextWrapWord
	return p
}

func (p *classPicker) widget() fyne.CanvasObject {
	all := &widget.Button{Text: "All", Importance: widget.LowImportance, OnTapped: func() { p.setAll(true) }}
	none := &widget.Button{Text: "None", Importance: widget.LowImportance, OnTapped: func() { p.setAll(false) }}
	return container.NewVBox(p.grid, container.NewHBox(all, none), p.status)
}

// loading shows that the class names are being read.
func (p *classPicker) loading() {
	p.names, p.checks = nil, nil
	p.grid.RemoveAll()
	p.status.Importance = widget.MediumImportance
	p.status.SetText("Reading the dataset…")
}

// failed shows why the classes could not be listed.
func (p *classPicker) failed(err error) {
	p.status.Importance = widget.DangerImportance
	p.status.SetText(err.Error())
}

// set lists names, ticking selected: all when selected is empty or when
// fewer than two of its names are among them (the classes of another
// source).
func (p *classPicker) set(names, selected []string) {
	p.names = names
	p.checks = nil
	p.grid.RemoveAll()
	tick := map[string]bool{}
	for _, s := range selected {
		if slices.Contains(names, s) {
			tick[s] = true
		}
	}
	if len(tick) < 2 {
		selected = nil
	}
	for _, n := range names {
		c := widget.NewCheck(n, nil)
		c.Checked = len(selected) == 0 || tick[n]
		c.OnChanged = func(bool) { p.update(); p.changed() }
		p.checks = append(p.checks, c)
		p.grid.Add(c)
	}
	p.grid.Refresh()
	p.update()
}

func (p *classPicker) setAll(on bool) {
	for _, c := range p.checks {
		c.Checked = on
		c.Refresh()
	}
	p.update()
	p.changed()
}

// selected returns the ticked classes, or nil when all are ticked.
func (p *classPicker) selected() []string {
	var out []string
	for i, c := range p.checks {
		if c.Checked {
			out = append(out, p.names[i])
		}
	}
	if len(out) == len(p.names) {
		return nil
	}
	return out
}

func (p *classPicker) count() int {
	n := 0
	for _, c := range p.checks {
		if c.Checked {
			n++
		}
	}
	return n
}

// err says why the selection cannot be trained on.
func (p *classPicker) err() error {
	switch {
	case p.names == nil:
		if p.status.Importance == widget.DangerImportance {
			return errors.New(p.status.Text)
		}
		return errors.New("classes: the dataset is still being read")
	case p.count() < 2:
		return fmt.Errorf("classes: tick at least 2 (%d ticked)", p.count())
	}
	return nil
}

func (p *classPicker) update() {
	if p.names == nil {
		return
	}
	if p.count() < 2 {
		p.status.Importance = widget.DangerImportance
		p.status.SetText(fmt.Sprintf("Tick at least 2 classes (%d ticked).", p.count()))
		return
	}
	p.status.Importance = widget.MediumImportance
	p.status.SetText(fmt.Sprintf("%d of %d classes.", p.count(), len(p.names)))
}

// thousands formats a count with thousands separators: 108,931.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
