package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/runs"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// runsTab lists the runs kept in the run store (newest first, sortable by
// any column, filtered by text) and, for the runs ticked, overlays their
// validation loss by epoch and tables them against the first one ticked,
// the baseline.
type runsTab struct {
	store   runs.Store
	tasks   *tasks
	content fyne.CanvasObject

	filter *widget.Entry
	status *widget.Label
	// actions on the run ticked last
	runAgain, loadModel, deleteRun *widget.Button
	// hooks: the window puts a config into its form and makes a model
	// its current one; win holds the dialogs
	onRunAgain  func(e runs.Entry)
	onLoadModel func(e runs.Entry, m *training.Model)
	win         fyne.Window
	table       *widget.Table
	chart       *chartView
	compare     *widget.Label
	// the comparison on display, and the buttons that copy it
	comparison      *runs.Table
	copyMD, copyCSV *widget.Button

	// On the UI goroutine.
	all, shown []runs.Entry
	ticked     []string // run IDs in the order ticked; the first is the baseline
	sortCol    int
	sortUp     bool

	mu   sync.Mutex // guards dark
	dark bool
}

// runColumns are the table's columns: a title, a width and the cell text.
var runColumns = []struct {
	title string
	width float32
	text  func(e runs.Entry) string
}{
	{"", 28, nil}, // the tick
	{"Run", 170, func(e runs.Entry) string { return e.ID }},
	{"Name", 190, func(e runs.Entry) string { return e.Summary.Name }},
	{"Status", 90, func(e runs.Entry) string {
		if e.Damaged != "" {
			return "damaged"
		}
		return string(e.Summary.Status)
	}},
	{"Dataset", 90, func(e runs.Entry) string { return e.Config.Dataset }},
	{"Classes", 80, func(e runs.Entry) string { return strings.Join(e.Summary.Classes, ",") }},
	{"Network", 120, func(e runs.Entry) string { return e.Summary.Architecture }},
	{"Loss", 50, func(e runs.Entry) string { return string(e.Config.Loss) }},
	{"Optimizer", 85, func(e runs.Entry) string { return string(e.Config.Optimizer) }},
	{"LR", 60, func(e runs.Entry) string { return strconv.FormatFloat(e.Config.LR, 'g', -1, 64) }},
	{"Batch", 55, func(e runs.Entry) string { return strconv.Itoa(e.Config.Batch) }},
	{"Epochs", 60, func(e runs.Entry) string { return strconv.Itoa(e.Summary.Epochs) }},
	{"Augment", 90, func(e runs.Entry) string { return e.Config.Augment.String() }},
	{"Test acc", 75, func(e runs.Entry) string { return percent(e.Summary.TestAcc) }},
	{"Test loss", 75, func(e runs.Entry) string { return fixed(e.Summary.TestLoss) }},
	{"Time", 60, func(e runs.Entry) string { return fmt.Sprintf("%.1f s", e.Summary.ElapsedS) }},
	{"Samples/s", 80, func(e runs.Entry) string { return strconv.FormatFloat(e.Summary.SamplesPerSec, 'f', 0, 64) }},
	{"Params", 75, func(e runs.Entry) string { return strconv.Itoa(e.Summary.Parameters) }},
}

func percent(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.2f%%", 100**v)
}

func fixed(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.4f", *v)
}

func newRunsTab(store runs.Store, t *tasks, win fyne.Window, onRunAgain func(runs.Entry), onLoadModel func(runs.Entry, *training.Model)) *runsTab {
	r := &runsTab{store: store, tasks: t, sortCol: 1, win: win, onRunAgain: onRunAgain, onLoadModel: onLoadModel}
	r.runAgain = &widget.Button{Text: "Run again", Icon: theme.MediaReplayIcon(), OnTapped: func() {
		if e, ok := r.current(); ok {
			r.onRunAgain(e)
			r.status.SetText("The settings of run " + e.ID + " are in the form: Train runs them again.")
		}
	}}
	r.loadModel = &widget.Button{Text: "Load model", Icon: theme.UploadIcon(), OnTapped: r.load}
	r.deleteRun = &widget.Button{Text: "Delete…", Icon: theme.DeleteIcon(), OnTapped: r.confirmDelete}
	r.filter = widget.NewEntry()
	r.filter.SetPlaceHolder("Filter: any text of a row (name, optimizer, dataset…)")
	r.filter.OnChanged = func(string) { r.apply() }
	r.status = widget.NewLabel("")
	r.status.Wrapping = fyne.TextWrapWord
	refresh := &widget.Button{Text: "Refresh", Icon: theme.ViewRefreshIcon(), OnTapped: r.refresh}
	clearTicks := &widget.Button{Text: "Untick all", OnTapped: func() { r.ticked = nil; r.table.Refresh(); r.selectionChanged() }}

	r.table = widget.NewTable(
		func() (int, int) { return len(r.shown), len(runColumns) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		r.cell)
	r.table.ShowHeaderRow = true
	r.table.CreateHeader = func() fyne.CanvasObject { return &widget.Button{Importance: widget.LowImportance} }
	r.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		b := o.(*widget.Button)
		if id.Col < 0 || id.Col >= len(runColumns) {
			return
		}
		title := runColumns[id.Col].title
		if id.Col == r.sortCol && title != "" {
			title += map[bool]string{true: " ▲", false: " ▼"}[r.sortUp]
		}
		b.SetText(title)
		col := id.Col
		b.OnTapped = func() { r.sortBy(col) }
	}
	r.table.OnSelected = func(id widget.TableCellID) {
		r.table.UnselectAll()
		if id.Row >= 0 && id.Row < len(r.shown) {
			r.toggle(r.shown[id.Row].ID)
		}
	}
	for i, c := range runColumns {
		r.table.SetColumnWidth(i, c.width)
	}

	r.chart = newChartView(420, 260)
	r.compare = widget.NewLabel("Tick runs to compare them: the first ticked is the baseline.")
	r.compare.TextStyle = fyne.TextStyle{Monospace: true}
	r.compare.Wrapping = fyne.TextWrapOff
	r.copyMD = &widget.Button{Text: "Markdown", Icon: theme.ContentCopyIcon(), OnTapped: func() { r.copyComparison(false) }}
	r.copyCSV = &widget.Button{Text: "CSV", Icon: theme.ContentCopyIcon(), OnTapped: func() { r.copyComparison(true) }}
	r.copyMD.Disable()
	r.copyCSV.Disable()

	top := container.NewBorder(nil, nil, nil, container.NewHBox(clearTicks, refresh), r.filter)
	actions := container.NewHBox(widget.NewLabel("Last ticked run:"), r.runAgain, r.loadModel, r.deleteRun)
	top = container.NewVBox(top, actions)
	r.enableActions()
	list := container.NewBorder(container.NewVBox(top, r.status), nil, nil, nil, r.table)
	comparison := container.NewBorder(container.NewHBox(widget.NewLabel("Copy:"), r.copyMD, r.copyCSV), nil, nil, nil, container.NewScroll(r.compare))
	below := container.NewBorder(nil, nil, nil, nil, container.NewHSplit(r.chart, comparison))
	split := container.NewVSplit(list, below)
	split.Offset = 0.5
	r.content = split
	return r
}

// cell fills one cell of the table.
func (r *runsTab) cell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	if id.Row >= len(r.shown) {
		return
	}
	e := r.shown[id.Row]
	if id.Col == 0 {
		l.SetText(map[bool]string{true: "☑", false: "☐"}[slices.Contains(r.ticked, e.ID)])
		return
	}
	text := runColumns[id.Col].text(e)
	if e.Damaged != "" && id.Col == 2 {
		text = e.Damaged
	}
	l.Truncation = fyne.TextTruncateEllipsis
	l.SetText(text)
}

// refresh lists the store again, off the UI goroutine.
func (r *runsTab) refresh() {
	if r.store.Dir == "" {
		r.status.SetText("Runs are not kept: there is no data directory (set WORKBENCH_HOME).")
		return
	}
	r.status.SetText("Reading the runs in " + r.store.Dir + "…")
	r.tasks.start(func() {
		list, err := r.store.List()
		bridge.Do(func() {
			if err != nil {
				r.status.SetText("Cannot list the runs: " + err.Error())
				return
			}
			r.all = list
			r.apply()
		})
	})
}

// apply filters and sorts the runs for the table; on the UI goroutine.
func (r *runsTab) apply() {
	words := strings.Fields(strings.ToLower(r.filter.Text))
	r.shown = r.shown[:0]
	for _, e := range r.all {
		var row strings.Builder
		for _, c := range runColumns[1:] {
			row.WriteString(strings.ToLower(c.text(e)) + " ")
		}
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(row.String(), w)
		}
		if ok {
			r.shown = append(r.shown, e)
		}
	}
	if c := runColumns[r.sortCol]; c.text != nil {
		slices.SortStableFunc(r.shown, func(a, b runs.Entry) int {
			x, y := c.text(a), c.text(b)
			n := cmp.Compare(x, y)
			if fx, err1 := strconv.ParseFloat(strings.TrimRight(x, "% s"), 64); err1 == nil {
				if fy, err2 := strconv.ParseFloat(strings.TrimRight(y, "% s"), 64); err2 == nil {
					n = cmp.Compare(fx, fy)
				}
			}
			if !r.sortUp {
				n = -n
			}
			return n
		})
	}
	r.status.SetText(fmt.Sprintf("%d of %d runs, kept in %s. Click a row to tick it; click a column's title to sort by it.",
		len(r.shown), len(r.all), r.store.Dir))
	r.table.Refresh()
}

// sortBy sorts by a column, turning the order round when it is already
// the sort column.
func (r *runsTab) sortBy(col int) {
	if runColumns[col].text == nil {
		return
	}
	if col == r.sortCol {
		r.sortUp = !r.sortUp
	} else {
		r.sortCol, r.sortUp = col, true
	}
	r.apply()
}

// toggle ticks or unticks a run.
func (r *runsTab) toggle(id string) {
	if i := slices.Index(r.ticked, id); i >= 0 {
		r.ticked = slices.Delete(r.ticked, i, i+1)
	} else {
		r.ticked = append(r.ticked, id)
	}
	r.table.Refresh()
	r.selectionChanged()
}

// current is the run ticked last, if any.
func (r *runsTab) current() (runs.Entry, bool) {
	if len(r.ticked) == 0 {
		return runs.Entry{}, false
	}
	id := r.ticked[len(r.ticked)-1]
	for _, e := range r.all {
		if e.ID == id {
			return e, true
		}
	}
	return runs.Entry{}, false
}

// enableActions enables the actions a run ticked last allows.
func (r *runsTab) enableActions() {
	e, ok := r.current()
	readable := ok && e.Damaged == ""
	for _, b := range []*widget.Button{r.runAgain, r.loadModel} {
		if readable {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if ok && e.Summary.Status != runs.Running {
		r.deleteRun.Enable()
	} else {
		r.deleteRun.Disable()
	}
}

// load makes the run's model the window's, off the UI goroutine.
func (r *runsTab) load() {
	e, ok := r.current()
	if !ok {
		return
	}
	r.tasks.start(func() {
		m, err := training.LoadModel(e.Dir)
		bridge.Do(func() {
			if err != nil {
				r.status.SetText("Cannot load the model of run " + e.ID + ": " + err.Error())
				return
			}
			r.onLoadModel(e, m)
		})
	})
}

// confirmDelete asks before deleting the run ticked last.
func (r *runsTab) confirmDelete() {
	e, ok := r.current()
	if !ok {
		return
	}
	d := dialog.NewConfirm("Delete this run?",
		fmt.Sprintf("Run %s (%s) and its folder %s will be removed: its settings, curves and weights.", e.ID, e.Summary.Name, e.Dir),
		func(yes bool) {
			if yes {
				r.remove(e)
			}
		}, r.win)
	present(r.win, d)
}

// remove deletes a run and lists the store again.
func (r *runsTab) remove(e runs.Entry) {
	if err := r.store.Delete(e); err != nil {
		r.status.SetText("Cannot delete run " + e.ID + ": " + err.Error())
		return
	}
	if i := slices.Index(r.ticked, e.ID); i >= 0 {
		r.ticked = slices.Delete(r.ticked, i, i+1)
	}
	r.selectionChanged()
	r.refresh()
}

// selectionChanged draws the ticked runs' curves and comparison, reading
// their metrics off the UI goroutine.
func (r *runsTab) selectionChanged() {
	r.enableActions()
	var picked []runs.Entry
	for _, id := range r.ticked {
		for _, e := range r.all {
			if e.ID == id && e.Damaged == "" {
				picked = append(picked, e)
			}
		}
	}
	r.comparison = nil
	r.copyMD.Disable()
	r.copyCSV.Disable()
	if len(picked) == 0 {
		r.chart.clear()
		r.compare.SetText("Tick runs to compare them: the first ticked is the baseline.")
		return
	}
	table, err := runs.Compare(picked, 0)
	var labels []string
	if err != nil {
		r.compare.SetText(err.Error())
	} else {
		r.compare.SetText(tableText(table))
		for i := range picked {
			labels = append(labels, table.Label(i))
		}
		r.comparison = &table
		r.copyMD.Enable()
		r.copyCSV.Enable()
	}
	size := r.chart.renderSize()
	r.mu.Lock()
	dark := r.dark
	r.mu.Unlock()
	r.tasks.start(func() {
		ch, err := overlay(picked, labels, dark, size)
		bridge.Do(func() {
			if err == nil {
				r.chart.show(ch)
			}
		})
	})
}

// copyComparison puts the comparison on the clipboard, as CSV or as a
// Markdown table (for a lab notebook or an issue).
func (r *runsTab) copyComparison(asCSV bool) {
	if r.comparison == nil {
		return
	}
	var b strings.Builder
	if asCSV {
		r.comparison.WriteCSV(&b)
	} else {
		r.comparison.WriteMarkdown(&b)
	}
	fyne.CurrentApp().Clipboard().SetContent(b.String())
	r.status.SetText("The comparison of " + strconv.Itoa(len(r.comparison.Rows)) + " runs is on the clipboard.")
}

// overlay renders the runs' validation loss by epoch, one colour a run,
// each named by labels (its settings that differ), or by its name.
func overlay(picked []runs.Entry, labels []string, dark bool, size plots.Size) (*plots.Chart, error) {
	th := plots.LightTheme()
	if dark {
		th = plots.DarkTheme()
	}
	var series []plots.Series
	for i, e := range picked {
		rows, err := runs.ReadMetrics(e.Dir)
		if err != nil {
			continue
		}
		s := plots.Series{Label: e.Summary.Name, Color: i, Points: true}
		if i < len(labels) {
			s.Label = labels[i]
		}
		for _, row := range rows {
			if row.Split == "val" {
				s.X, s.Y = append(s.X, row.Epoch), append(s.Y, row.Loss)
			}
		}
		series = append(series, s)
	}
	p, err := plots.Curves(plots.CurveOptions{Title: "Validation loss of the ticked runs", XLabel: "epoch", YLabel: "loss", Theme: th}, series...)
	if err != nil {
		return nil, err
	}
	return plots.Render(p, size)
}

// tableText lays a comparison out in columns of monospace text, without
// the run IDs the list shows already: the baseline first.
func tableText(t runs.Table) string {
	widths := make([]int, len(t.Header))
	all := append([][]string{t.Header}, t.Rows...)
	for _, row := range all {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, row := range all {
		for i, c := range row[1:] {
			b.WriteString(c + strings.Repeat(" ", widths[i+1]-len([]rune(c))+2))
		}
		b.WriteString("\n")
	}
	return "Compared with the first ticked (the baseline):\n\n" + strings.TrimRight(b.String(), "\n")
}

// setDark draws the chart in the dark variant.
func (r *runsTab) setDark(dark bool) {
	r.mu.Lock()
	r.dark = dark
	r.mu.Unlock()
}
