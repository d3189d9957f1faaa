package ui

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training/runs"
)

// comparisonView tables the ticked runs against a baseline run chosen
// among them (runs.Compare): the settings that differ, then each metric
// with its difference from the baseline's. The baseline's row stays on
// top and the names on the left as the table scrolls; a coloured mark
// before each name is its run's colour in the chart, and a difference is
// green where it is better than the baseline, red where worse. The table
// is copied or saved as CSV or Markdown.
type comparisonView struct {
	win      fyne.Window
	table    *widget.Table
	baseline *widget.Select
	export   *widget.Button
	hint     *widget.Label
	content  fyne.CanvasObject
	// chosen is told the run ID the user makes the baseline; tell shows
	// what an export did.
	chosen func(id string)
	tell   func(string)
	dark   atomic.Bool // the chart's theme, for the marks' colours

	// On the UI goroutine.
	data    *runs.Table // nil when no runs are ticked
	columns []int       // the data's columns, in the order shown
	colours []int       // per row, its run's palette index in the chart
	ids     []string    // the baseline's choices' run IDs
}

// better says whether a larger difference from the baseline is better
// (+1) or worse (-1), by the metric's column title; others are neither.
var better = map[string]int{"Δ test acc": +1, "Δ test loss": -1, "Δ wall time": -1, "Δ samples/s": +1}

// compareHint is what the view says with no runs ticked.
const compareHint = "Tick runs in the list to compare them: each against the baseline, chosen above."

func newComparisonView(win fyne.Window, chosen func(id string), tell func(string)) *comparisonView {
	v := &comparisonView{win: win, chosen: chosen, tell: tell}
	v.baseline = &widget.Select{PlaceHolder: "(no runs ticked)", OnChanged: v.choose}
	v.baseline.Disable()
	v.export = &widget.Button{Text: "Export…", Icon: theme.DocumentSaveIcon(), OnTapped: v.chooseExport}
	v.export.Disable()
	v.hint = &widget.Label{Text: compareHint, Wrapping: fyne.TextWrapWord}
	v.table = widget.NewTableWithHeaders(v.size, v.create, v.update)
	v.table.ShowHeaderColumn = false
	v.table.StickyRowCount = 1    // the baseline
	v.table.StickyColumnCount = 1 // the names
	v.table.CreateHeader = func() fyne.CanvasObject { return &widget.Label{TextStyle: fyne.TextStyle{Bold: true}} }
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if v.data != nil && id.Col >= 0 && id.Col < len(v.columns) {
			o.(*widget.Label).SetText(v.data.Header[v.columns[id.Col]])
		}
	}
	v.table.OnSelected = func(widget.TableCellID) { v.table.UnselectAll() }
	v.table.Hide()
	top := container.NewBorder(nil, nil, widget.NewLabel("Baseline"), v.export, v.baseline)
	v.content = container.NewBorder(top, nil, nil, nil, container.NewStack(v.hint, v.table))
	return v
}

// The table shows every column of the comparison but the run IDs, which
// the list shows: the name, the metrics and their differences, then the
// settings that differ (the chart's legend names them too).
func (v *comparisonView) size() (int, int) {
	if v.data == nil {
		return 0, 0
	}
	return len(v.data.Rows), len(v.columns)
}

// shownColumns returns the order in which a comparison's columns are
// shown.
func shownColumns(t runs.Table) []int {
	cols := []int{1}
	for c := 2 + t.Settings; c < len(t.Header); c++ {
		cols = append(cols, c)
	}
	for c := 2; c < 2+t.Settings; c++ {
		cols = append(cols, c)
	}
	return cols
}

func (v *comparisonView) create() fyne.CanvasObject {
	mark := canvas.NewRectangle(nil)
	mark.SetMinSize(fyne.NewSize(10, 10))
	mark.CornerRadius = 2
	return container.NewBorder(nil, nil, container.NewCenter(mark), nil, &widget.Label{Truncation: fyne.TextTruncateEllipsis})
}

func (v *comparisonView) update(id widget.TableCellID, o fyne.CanvasObject) {
	if v.data == nil || id.Row >= len(v.data.Rows) || id.Col >= len(v.columns) {
		return
	}
	c := o.(*fyne.Container)
	label, markBox := c.Objects[0].(*widget.Label), c.Objects[1].(*fyne.Container)
	col := v.columns[id.Col]
	text := v.data.Rows[id.Row][col]
	if text == "" {
		text = "—" // a metric the run has not got: a diverged run has no test accuracy
	}
	if id.Col == 0 { // the name, after the run's colour
		th := plots.LightTheme()
		if v.dark.Load() {
			th = plots.DarkTheme()
		}
		mark := markBox.Objects[0].(*canvas.Rectangle)
		mark.FillColor = th.Color(v.colours[id.Row])
		mark.Refresh()
		markBox.Show()
	} else {
		markBox.Hide()
	}
	label.Importance = widget.MediumImportance
	if dir := better[v.data.Header[col]]; dir != 0 && id.Row > 0 {
		if d := difference(text); d*float64(dir) > 0 {
			label.Importance = widget.SuccessImportance
		} else if d*float64(dir) < 0 {
			label.Importance = widget.DangerImportance
		}
	}
	label.SetText(text)
}

// difference reads a signed difference such as "+0.52 pt", 0 if none.
func difference(s string) float64 {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0
	}
	d, _ := strconv.ParseFloat(f[0], 64)
	return d
}

// show tables runs (ticked, readable, in the order ticked) against the
// one whose ID is baseline, or the first when baseline is "", and
// returns each run's label for the chart's legend (the settings that
// differ, or its name); on the UI goroutine.
func (v *comparisonView) show(picked []runs.Entry, baseline string) map[string]string {
	v.data, v.columns, v.colours, v.ids = nil, nil, nil, nil
	labels := map[string]string{}
	if len(picked) == 0 {
		v.baseline.ClearSelected()
		v.baseline.Options = nil
		v.baseline.Disable()
		v.export.Disable()
		v.hint.SetText(compareHint)
		v.hint.Show()
		v.table.Hide()
		return labels
	}
	// The baseline first, the others in the order ticked; each keeps its
	// colour, its place in picked.
	base := 0
	for i, e := range picked {
		if e.ID == baseline {
			base = i
		}
	}
	order := []int{base}
	for i := range picked {
		if i != base {
			order = append(order, i)
		}
	}
	ordered := make([]runs.Entry, len(picked))
	for k, i := range order {
		ordered[k] = picked[i]
	}
	t, err := runs.Compare(ordered, 0)
	if err != nil {
		v.hint.SetText(err.Error())
		v.hint.Show()
		v.table.Hide()
		return labels
	}
	v.data, v.columns, v.colours = &t, shownColumns(t), order
	names := make([]string, len(picked))
	for k, i := range order {
		labels[picked[i].ID] = legendLabel(t, k)
	}
	for i, e := range picked {
		names[i] = fmt.Sprintf("%d. %s", i+1, e.Summary.Name)
		v.ids = append(v.ids, e.ID)
	}
	v.baseline.OnChanged = nil
	v.baseline.Options = names
	v.baseline.SetSelected(names[base])
	v.baseline.OnChanged = v.choose
	v.baseline.Enable()
	v.export.Enable()
	v.hint.Hide()
	v.fitColumns()
	v.table.Show()
	v.table.Refresh()
	return labels
}

// legendLabel names row i of a comparison in a chart's legend by its
// settings that differ, as briefly as they read clearly: an optimizer or
// a dataset by its name alone, hidden layers by their widths when they
// share an activation ("128-64 relu"), the others with their setting's
// name ("lr 0.01"); by the run's name when no setting differs.
func legendLabel(t runs.Table, i int) string {
	var parts []string
	for c := 2; c < 2+t.Settings; c++ {
		key, val := t.Header[c], t.Rows[i][c]
		switch {
		case key == "optimizer" || key == "dataset":
			parts = append(parts, val)
		case key == "hidden" && sameActivation(val) != "":
			var widths []string
			for _, l := range strings.Split(val, ", ") {
				widths = append(widths, strings.Fields(l)[0])
			}
			parts = append(parts, strings.Join(widths, "-")+" "+sameActivation(val))
		default:
			parts = append(parts, key+" "+val)
		}
	}
	if len(parts) == 0 {
		return t.Rows[i][1]
	}
	return strings.Join(parts, ", ")
}

// sameActivation returns the activation every layer of a comparison's
// hidden layers ("128 relu, 64 relu") has, or "".
func sameActivation(layers string) string {
	act := ""
	for _, l := range strings.Split(layers, ", ") {
		f := strings.Fields(l)
		if len(f) != 2 || (act != "" && f[1] != act) {
			return ""
		}
		act = f[1]
	}
	return act
}

// fitColumns sizes each column to its widest text, the names (after
// their colour mark) to at most 220.
func (v *comparisonView) fitColumns() {
	pad := 2*theme.InnerPadding() + 2*theme.Padding()
	measure := func(s string, bold bool) float32 {
		return fyne.MeasureText(s, theme.TextSize(), fyne.TextStyle{Bold: bold}).Width + pad
	}
	for i, c := range v.columns {
		w := measure(v.data.Header[c], true)
		for _, row := range v.data.Rows {
			w = max(w, measure(row[c], false))
		}
		if i == 0 {
			w = min(w+10+theme.Padding(), 220)
		}
		v.table.SetColumnWidth(i, w)
	}
}

// choose makes the run chosen in the baseline's list the baseline.
func (v *comparisonView) choose(string) {
	if i := v.baseline.SelectedIndex(); i >= 0 && i < len(v.ids) {
		v.chosen(v.ids[i])
	}
}

// chooseExport offers the ways out of the table.
func (v *comparisonView) chooseExport() {
	items := []*fyne.MenuItem{
		fyne.NewMenuItem("Copy as Markdown", func() { v.copy(false) }),
		fyne.NewMenuItem("Copy as CSV", func() { v.copy(true) }),
		fyne.NewMenuItem("Save as CSV or Markdown…", v.save),
	}
	widget.ShowPopUpMenuAtRelativePosition(fyne.NewMenu("", items...), v.win.Canvas(), fyne.NewPos(0, v.export.Size().Height), v.export)
}

// copy puts the comparison on the clipboard, as CSV or as a Markdown
// table (for a lab notebook or an issue).
func (v *comparisonView) copy(asCSV bool) {
	if v.data == nil {
		return
	}
	var b strings.Builder
	if asCSV {
		v.data.WriteCSV(&b)
	} else {
		v.data.WriteMarkdown(&b)
	}
	fyne.CurrentApp().Clipboard().SetContent(b.String())
	v.tell(fmt.Sprintf("The comparison of %d runs is on the clipboard.", len(v.data.Rows)))
}

// save writes the comparison to a file, as Markdown when its name ends in
// .md, otherwise as CSV.
func (v *comparisonView) save() {
	if v.data == nil {
		return
	}
	t := *v.data
	saveFile(v.win, "runs-comparison.csv", []string{".csv", ".md"}, nil, func(path string) error {
		if strings.EqualFold(filepath.Ext(path), ".md") {
			return createFile(path, t.WriteMarkdown)
		}
		return createFile(path, t.WriteCSV)
	})
}
