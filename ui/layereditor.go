package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training/nn"
)

// layerEditor edits a network of layers as typed rows: one row a layer,
// each saying what the layer is, the shape it outputs and the parameters
// it holds (or, in red, why it does not fit its input), with buttons to
// edit it in place, move it up or down and remove it. Editing a row opens
// its settings under it: the kind and the kind's own fields. The output
// layer closes the list. Shapes and counts are the engine's
// (nn.Arch.Summary), so the editor and a run can never disagree.
type layerEditor struct {
	keys    *keys
	changed func()
	// classes is the number of classes the form would train on, for the
	// output layer.
	classes func() int
	rows    []*specRow
	open    *specRow // the row whose settings show, or nil
	box     *fyne.Container
	input   *widget.Label
	head    *widget.Label
	content fyne.CanvasObject
	// valid are the rows' layers while every row is a valid layer that
	// fits; err is the first row's problem otherwise.
	valid []nn.LayerSpec
	err   error
	// shownClasses is the number of classes the rows were last updated
	// for.
	shownClasses int
	// win shows the As text… dialog; textEntry and textUse are its entry
	// and button while it is open (for tests).
	win       fyne.Window
	textEntry *field
	textUse   *widget.Button
}

// specRow is one layer's row: every kind's fields (so that switching
// kinds and back keeps what was typed), the header's labels and buttons,
// and the settings shown under it while it is open.
type specRow struct {
	kind                                *widget.Select
	width, filters, kernel, stride, pad *field
	size, p                             *field
	act                                 *widget.Select
	index, title, shape                 *widget.Label
	edit, up, down, del                 *widget.Button
	header                              fyne.CanvasObject
	settings, rowBox                    *fyne.Container
	fieldErr                            error
}

// The layer kinds' names in the editor's Kind menu, with the grammar's
// name first so that the rows read as the --layers text does.
var kindTitles = map[nn.Kind]string{
	nn.Dense:         "dense — fully connected",
	nn.Conv:          "conv — convolution",
	nn.MaxPool:       "maxpool — max pooling",
	nn.AvgPool:       "avgpool — average pooling",
	nn.BatchNorm:     "batchnorm — batch normalisation",
	nn.Dropout:       "dropout",
	nn.Flatten:       "flatten",
	nn.Residual:      "residual — block of two 3×3 convs",
	nn.GlobalAvgPool: "globalavgpool — mean of each channel",
}

func kindOptions() []string {
	out := make([]string, len(nn.Kinds))
	for i, k := range nn.Kinds {
		out[i] = kindTitles[k]
	}
	return out
}

func kindOf(title string) nn.Kind {
	for k, t := range kindTitles {
		if t == title {
			return k
		}
	}
	return nn.Kind(title)
}

func newLayerEditor(k *keys, classes func() int, changed func()) *layerEditor {
	e := &layerEditor{keys: k, changed: changed, classes: classes, box: container.NewVBox()}
	e.input = widget.NewLabel("Input: 1×28×28 image")
	e.input.SizeName = theme.SizeNameCaptionText
	e.head = widget.NewLabel("")
	e.head.Wrapping = fyne.TextWrapWord
	e.head.SizeName = theme.SizeNameCaptionText
	add := &widget.Button{Text: "Add layer", Icon: theme.ContentAddIcon(), OnTapped: e.add}
	text := &widget.Button{Text: "As text…", Icon: theme.DocumentCreateIcon(), OnTapped: e.editText}
	e.content = container.NewVBox(e.input, e.box, e.head, container.NewHBox(add, text))
	return e
}

// set replaces the rows with layers, all closed.
func (e *layerEditor) set(layers []nn.LayerSpec) {
	e.rows, e.open = nil, nil
	for _, l := range layers {
		e.rows = append(e.rows, e.newRow(l))
	}
	e.rebuild()
	e.update()
}

// newRow makes a row for l: every kind's fields exist (filled with l's
// values or a sensible default), and the row shows those of its kind.
func (e *layerEditor) newRow(l nn.LayerSpec) *specRow {
	r := &specRow{}
	or := func(v, def int) string {
		if v == 0 {
			return strconv.Itoa(def)
		}
		return strconv.Itoa(v)
	}
	edited := func() { e.update(); e.changed() }
	width, filters := 64, 16
	if l.Kind == nn.Dense {
		width = l.Width
	} else if l.Width > 0 {
		filters = l.Width
	}
	r.width = wholeField(e.keys, strconv.Itoa(width), 1, nn.MaxWidth, edited)
	r.filters = wholeField(e.keys, strconv.Itoa(filters), 1, nn.MaxFilters, edited)
	r.kernel = wholeField(e.keys, or(l.Kernel, 3), 1, nn.MaxKernel, edited)
	r.stride = wholeField(e.keys, or(l.Stride, 1), 1, nn.MaxStride, edited)
	pad := l.Pad
	if l.Kind != nn.Conv {
		pad = 1
	}
	r.pad = wholeField(e.keys, strconv.Itoa(pad), 0, nn.MaxPad, edited)
	r.size = wholeField(e.keys, or(l.Size, 2), 1, nn.MaxWindow, edited)
	p := "0.5"
	if l.Kind == nn.Dropout {
		p = strconv.FormatFloat(l.P, 'g', -1, 64)
	}
	r.p = newField(e.keys, p, func(s string) error {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || !(v >= 0 && v < 1) {
			return errors.New("must be a number in [0, 1)")
		}
		return nil
	}, edited)
	act := l.Activation
	if act == "" {
		act = nn.ReLU
		if l.Kind == nn.BatchNorm {
			act = nn.Linear
		}
	}
	// The selects are made with their choice, not told it, so that making
	// a row tells nobody of an edit.
	r.act = &widget.Select{Options: activationNames(), Selected: string(act)}
	r.act.OnChanged = func(string) { edited() }
	r.kind = &widget.Select{Options: kindOptions(), Selected: kindTitles[l.Kind]}
	r.kind.OnChanged = func(string) {
		e.showSettings(r)
		if r.spec().Kind == nn.BatchNorm {
			r.act.Selected = string(nn.Linear) // batch norm's usual place: before a convolution's activation
			r.act.Refresh()
		}
		edited()
	}

	r.index = widget.NewLabel("")
	r.index.TextStyle = fyne.TextStyle{Monospace: true}
	r.title = widget.NewLabel("")
	r.title.TextStyle = fyne.TextStyle{Bold: true}
	r.title.Wrapping = fyne.TextWrapWord
	r.shape = widget.NewLabel("")
	r.shape.Wrapping = fyne.TextWrapWord
	r.shape.SizeName = theme.SizeNameCaptionText
	low := func(icon fyne.Resource, tapped func()) *widget.Button {
		return &widget.Button{Icon: icon, Importance: widget.LowImportance, OnTapped: tapped}
	}
	r.edit = low(theme.SettingsIcon(), func() { e.toggle(r) })
	r.del = low(theme.DeleteIcon(), func() { e.remove(r) })
	// Moving is in the open row's settings: two more buttons on every
	// row would leave the title too little of the sidebar's width.
	r.up = &widget.Button{Text: "Move up", Icon: theme.MoveUpIcon(), OnTapped: func() { e.move(r, -1) }}
	r.down = &widget.Button{Text: "Move down", Icon: theme.MoveDownIcon(), OnTapped: func() { e.move(r, 1) }}
	buttons := container.NewHBox(r.edit, r.del)
	// The index, the title over the shape line, the buttons; the settings
	// button opens the row.
	r.header = container.New(layout.NewBorderLayout(nil, nil, r.index, buttons), r.index,
		container.New(layout.NewCustomPaddedVBoxLayout(0), r.title, r.shape), buttons)
	r.settings = container.NewVBox()
	r.rowBox = container.NewVBox(r.header)
	e.showSettings(r)
	return r
}

// wholeField is a field for a whole number from lo to hi.
func wholeField(k *keys, text string, lo, hi int, changed func()) *field {
	return newField(k, text, func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("must be a whole number from %d to %d", lo, hi)
		}
		return nil
	}, changed)
}

// showSettings lays out the fields of the row's kind.
func (e *layerEditor) showSettings(r *specRow) {
	kind := kindOf(r.kind.Selected)
	rows := []formRow{{label: "Kind", widget: r.kind}}
	switch kind {
	case nn.Dense:
		rows = append(rows, formRow{label: "Width", widget: r.width, field: r.width, hint: "units"},
			formRow{label: "Activation", widget: r.act})
	case nn.Conv:
		rows = append(rows, formRow{label: "Filters", widget: r.filters, field: r.filters},
			formRow{label: "Kernel", widget: r.kernel, field: r.kernel, hint: "side of the square kernel"},
			formRow{label: "Stride", widget: r.stride, field: r.stride},
			formRow{label: "Padding", widget: r.pad, field: r.pad, hint: "zeros around the image; (kernel − 1)/2 keeps its size"},
			formRow{label: "Activation", widget: r.act})
	case nn.MaxPool, nn.AvgPool:
		rows = append(rows, formRow{label: "Size", widget: r.size, field: r.size, hint: "side of the window, and its stride"})
	case nn.BatchNorm:
		rows = append(rows, formRow{label: "Activation", widget: r.act, hint: "after the normalisation; linear for none"})
	case nn.Dropout:
		rows = append(rows, formRow{label: "p", widget: r.p, field: r.p, hint: "the chance of zeroing each value while training; off when evaluating"})
	case nn.Residual:
		rows = append(rows, formRow{label: "Channels", widget: r.filters, field: r.filters,
			hint: "two 3×3 convs with batch norm; a 1×1 projection when the channels change"})
	case nn.Flatten:
		rows = append(rows, formRow{label: "", widget: captionLabel("no settings: the image's values in one vector")})
	case nn.GlobalAvgPool:
		rows = append(rows, formRow{label: "", widget: captionLabel("no settings: one value per channel, its mean")})
	}
	r.settings.Objects = []fyne.CanvasObject{settingsForm(rows...), container.NewHBox(r.up, r.down)}
	r.settings.Refresh()
}

func captionLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// spec is the row's layer as its fields say, and the first field's
// problem (named) when one is not valid.
func (r *specRow) spec() nn.LayerSpec {
	l, _ := r.layer()
	return l
}

func (r *specRow) layer() (nn.LayerSpec, error) {
	l := nn.LayerSpec{Kind: kindOf(r.kind.Selected), Activation: nn.Activation(r.act.Selected)}
	whole := func(name string, f *field, dst *int) error {
		if err := f.Validate(); err != nil {
			return fmt.Errorf("%s %w", name, err)
		}
		*dst, _ = strconv.Atoi(strings.TrimSpace(f.Text))
		return nil
	}
	var err error
	switch l.Kind {
	case nn.Dense:
		err = whole("width", r.width, &l.Width)
	case nn.Conv:
		err = errors.Join(whole("filters", r.filters, &l.Width), whole("kernel", r.kernel, &l.Kernel),
			whole("stride", r.stride, &l.Stride), whole("padding", r.pad, &l.Pad))
	case nn.MaxPool, nn.AvgPool:
		err = whole("size", r.size, &l.Size)
	case nn.Residual:
		err = whole("channels", r.filters, &l.Width)
	case nn.Dropout:
		if err = r.p.Validate(); err != nil {
			err = fmt.Errorf("p %w", err)
		} else {
			l.P, _ = strconv.ParseFloat(strings.TrimSpace(r.p.Text), 64)
		}
	}
	if l.Kind != nn.Dense && l.Kind != nn.Conv && l.Kind != nn.BatchNorm {
		l.Activation = ""
	}
	if err != nil {
		if errs, ok := err.(interface{ Unwrap() []error }); ok {
			err = errs.Unwrap()[0] // the first field's, as the form says one problem at a time
		}
	}
	return l, err
}

// update refreshes every row's title and shape line, and the editor's
// layers and problem, from the fields as they stand.
func (e *layerEditor) update() {
	e.valid, e.err = nil, nil
	layers := make([]nn.LayerSpec, len(e.rows))
	var fieldErr error
	for i, r := range e.rows {
		l, err := r.layer()
		layers[i], r.fieldErr = l, err
		if err != nil && fieldErr == nil {
			fieldErr = fmt.Errorf("layer %d %s: %w", i+1, l.Kind, err)
		}
	}
	e.shownClasses = max(2, e.classes())
	arch := nn.Arch{Input: nn.Shape{C: 1, H: 28, W: 28}, Layers: layers, Classes: e.shownClasses}
	infos := arch.Summary()
	fits := true
	for i, r := range e.rows {
		r.index.SetText(strconv.Itoa(i + 1))
		r.title.SetText(layerTitle(layers[i]))
		info := infos[i]
		switch {
		case r.fieldErr != nil:
			setLine(r.shape, r.fieldErr.Error(), true)
			fits = false
		case info.Err != nil:
			setLine(r.shape, info.Err.Error(), true)
			if e.err == nil && fieldErr == nil {
				e.err = fmt.Errorf("layer %d %s: %w", i+1, layers[i], info.Err)
			}
			fits = false
		case info.Known:
			setLine(r.shape, fmt.Sprintf("→ %s · %s", info.Out, paramsText(info.Params)), false)
		default:
			setLine(r.shape, "→ ? (an earlier layer does not fit)", false)
		}
		for b, on := range map[*widget.Button]bool{r.up: i > 0, r.down: i < len(e.rows)-1} {
			if on {
				b.Enable()
			} else {
				b.Disable()
			}
		}
	}
	switch head := infos[len(e.rows)]; {
	case len(e.rows) == 0:
		e.err = errNoLayers
		setLine(e.head, "Output: no layers yet. Add one, or choose a preset or Multilayer perceptron above.", true)
	case head.Known:
		setLine(e.head, fmt.Sprintf("Output: dense to %d classes, softmax → %s · %s", head.Out.C, head.Out, paramsText(head.Params)), false)
	default:
		setLine(e.head, "Output: dense to the classes, once every layer fits", false)
	}
	if fieldErr != nil {
		e.err = fieldErr
	}
	if e.err == nil && fits {
		e.valid = layers
	}
}

// setLine shows a row's line, in red when it says what is wrong.
func setLine(l *widget.Label, text string, wrong bool) {
	l.Text, l.Importance = text, widget.MediumImportance
	if wrong {
		l.Importance = widget.DangerImportance
	}
	l.Refresh()
}

// classesChanged updates the rows when the form's number of classes is
// not the one they show (the form calls it on every edit; the editor's
// own edits update the rows themselves).
func (e *layerEditor) classesChanged() {
	if max(2, e.classes()) != e.shownClasses {
		e.update()
	}
}

// paramsText is "156 parameters", "no parameters" or "1 parameter".
func paramsText(n int) string {
	switch n {
	case 0:
		return "no parameters"
	case 1:
		return "1 parameter"
	}
	return thousands(float64(n)) + " parameters"
}

// layerTitle says what a layer is, in words: "conv 6 filters 5×5, pad 2,
// relu".
func layerTitle(l nn.LayerSpec) string {
	switch l.Kind {
	case nn.Dense:
		return fmt.Sprintf("dense %d, %s", l.Width, l.Activation)
	case nn.Conv:
		s := fmt.Sprintf("conv %d filters %d×%d", l.Width, l.Kernel, l.Kernel)
		if l.Stride != 1 {
			s += fmt.Sprintf(", stride %d", l.Stride)
		}
		if l.Pad != 0 {
			s += fmt.Sprintf(", pad %d", l.Pad)
		}
		return s + ", " + string(l.Activation)
	case nn.MaxPool:
		return fmt.Sprintf("max pool %d×%d", l.Size, l.Size)
	case nn.AvgPool:
		return fmt.Sprintf("average pool %d×%d", l.Size, l.Size)
	case nn.BatchNorm:
		if l.Activation != nn.Linear && l.Activation != "" {
			return "batch norm, " + string(l.Activation)
		}
		return "batch norm"
	case nn.Dropout:
		return "dropout p = " + strconv.FormatFloat(l.P, 'g', -1, 64)
	case nn.Residual:
		return fmt.Sprintf("residual block, %d channels", l.Width)
	case nn.GlobalAvgPool:
		return "global average pool"
	}
	return string(l.Kind)
}

// rebuild lays the rows out again after a structural change.
func (e *layerEditor) rebuild() {
	objs := make([]fyne.CanvasObject, len(e.rows))
	for i, r := range e.rows {
		if r == e.open {
			r.rowBox.Objects = []fyne.CanvasObject{r.header, container.NewPadded(r.settings), widget.NewSeparator()}
			r.edit.SetIcon(theme.MenuDropUpIcon())
		} else {
			r.rowBox.Objects = []fyne.CanvasObject{r.header}
			r.edit.SetIcon(theme.SettingsIcon())
		}
		r.rowBox.Refresh()
		objs[i] = r.rowBox
	}
	e.box.Objects = objs
	e.box.Refresh()
}

// toggle opens a row's settings (closing any other) or closes them.
func (e *layerEditor) toggle(r *specRow) {
	if e.open == r {
		e.open = nil
	} else {
		e.open = r
	}
	e.rebuild()
}

// add puts a new layer after the open row (or at the end) and opens it: a
// 3×3 convolution keeping the image's size while the input to it is an
// image, a dense layer of 64 once it is a vector.
func (e *layerEditor) add() {
	at := len(e.rows)
	for i, r := range e.rows {
		if r == e.open {
			at = i + 1
		}
	}
	in := nn.Shape{C: 1, H: 28, W: 28}
	if at > 0 {
		layers := make([]nn.LayerSpec, at)
		for i := range at {
			layers[i] = e.rows[i].spec()
		}
		if infos := (nn.Arch{Input: in, Layers: layers, Classes: 2}).Summary(); infos[at-1].Known {
			in = infos[at-1].Out
		}
	}
	l := nn.LayerSpec{Kind: nn.Conv, Width: 16, Kernel: 3, Stride: 1, Pad: 1, Activation: nn.ReLU}
	if in.H == 1 && in.W == 1 {
		l = nn.LayerSpec{Kind: nn.Dense, Width: 64, Activation: nn.ReLU}
	}
	r := e.newRow(l)
	e.rows = append(e.rows[:at], append([]*specRow{r}, e.rows[at:]...)...)
	e.open = r
	e.rebuild()
	e.update()
	e.changed()
}

func (e *layerEditor) remove(r *specRow) {
	for i, x := range e.rows {
		if x == r {
			e.rows = append(e.rows[:i], e.rows[i+1:]...)
		}
	}
	if e.open == r {
		e.open = nil
	}
	e.rebuild()
	e.update()
	e.changed()
}

func (e *layerEditor) move(r *specRow, by int) {
	for i, x := range e.rows {
		if j := i + by; x == r && j >= 0 && j < len(e.rows) {
			e.rows[i], e.rows[j] = e.rows[j], e.rows[i]
			break
		}
	}
	e.rebuild()
	e.update()
	e.changed()
}

// text is the rows in the --layers grammar, as far as they are valid.
func (e *layerEditor) text() string {
	parts := make([]string, len(e.rows))
	for i, r := range e.rows {
		parts[i] = r.spec().String()
	}
	return strings.Join(parts, ", ")
}

// editText shows the rows as the command line's --layers text, to copy
// or to replace by pasting a network: the text is checked as it is typed
// (the same shape inference, naming the layer that does not fit), and Use
// makes it the rows.
func (e *layerEditor) editText() {
	if e.win == nil {
		return
	}
	var d *dialog.CustomDialog
	var use *widget.Button
	entry := newField(e.keys, e.text(), func(text string) error {
		layers, err := nn.ParseLayerList(text)
		if err == nil && len(layers) == 0 {
			err = errNoLayers
		}
		if err == nil {
			_, err = nn.Arch{Input: nn.Shape{C: 1, H: 28, W: 28}, Layers: layers, Classes: max(2, e.classes())}.Shapes()
		}
		return err
	}, func() {})
	entry.MultiLine = true
	entry.Wrapping = fyne.TextWrapWord
	entry.SetMinRowsVisible(4)
	use = &widget.Button{Text: "Use", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: func() {
		if entry.Validate() != nil {
			return
		}
		layers, _ := nn.ParseLayerList(entry.Text)
		d.Hide()
		e.set(layers)
		e.changed()
	}}
	entry.OnChanged = func(string) {
		if entry.Validate() == nil {
			use.Enable()
		} else {
			use.Disable()
		}
	}
	entry.OnChanged(entry.Text)
	note := captionLabel("The network as train --layers takes it: copy it for the command line, or paste one here.")
	content := container.NewVBox(note, entry, hintFor("comma-separated: "+layerGrammarHint, entry))
	d = dialog.NewCustomWithoutButtons("Layers as text", content, e.win)
	d.SetButtons([]fyne.CanvasObject{&widget.Button{Text: "Cancel", Icon: theme.CancelIcon(), OnTapped: d.Hide}, use})
	d.Resize(fyne.NewSize(560, 0))
	e.textEntry, e.textUse = entry, use
	present(e.win, d)
}
