package ui

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/export"
	"github.com/neuralworkbench/workbench/training/runs"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// runsTab lists the runs kept in the run store (newest first, sortable by
// any column, filtered by text) and, for the runs ticked, overlays their
// curves (runsCurves) and tables them against a baseline (comparisonView).
//
// A store may hold thousands of runs: it is read, and its rows' texts
// made, off the UI goroutine (runList); the table is virtual, so the UI
// goroutine formats only the cells on screen.
type runsTab struct {
	store   runs.Store
	tasks   *tasks
	win     fyne.Window
	content fyne.CanvasObject
	// hooks: the window puts a config into its form and makes a model its
	// current one; openURL opens a folder in the file manager
	onRunAgain  func(e runs.Entry)
	onLoadModel func(e runs.Entry, m *training.Model)
	openURL     func(*url.URL) error

	filter *widget.Entry
	status *widget.Label
	// actions on the run ticked last
	runAgain, loadModel, exportRun, editRun, showFiles, deleteRun *widget.Button
	table                                                         *widget.Table
	curves                                                        *runsCurves
	compare                                                       *comparisonView

	// On the UI goroutine.
	list     *runList     // the store as last read; nil before
	all      []runs.Entry // list's runs
	shown    []runs.Entry // those the filter lets through, sorted
	ticked   []string     // run IDs in the order ticked
	baseline string       // the run ID the comparison is against; "" for the first ticked
	sortCol  int
	sortUp   bool
	reads    int // lists of the store asked for; only the last one asked is shown
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

// statusColumn is where a damaged run says why.
const statusColumn = 3

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

// runList is a store as read, with what the filter and the sort need of
// each run made once, off the UI goroutine.
type runList struct {
	entries []runs.Entry
	search  []string    // per run, its cells in lower case, for the filter
	keys    [][]string  // per run, each column's text, for sorting
	nums    [][]float64 // per run, each column's number; NaN where the text is not one
	byID    map[string]int
}

func newRunList(entries []runs.Entry) *runList {
	l := &runList{entries: entries, search: make([]string, len(entries)), keys: make([][]string, len(entries)),
		nums: make([][]float64, len(entries)), byID: make(map[string]int, len(entries))}
	var row strings.Builder
	for i, e := range entries {
		l.byID[e.ID] = i
		l.keys[i], l.nums[i] = make([]string, len(runColumns)), make([]float64, len(runColumns))
		row.Reset()
		for c, col := range runColumns {
			l.nums[i][c] = math.NaN()
			if col.text == nil {
				continue
			}
			text := col.text(e)
			l.keys[i][c] = text
			if v, err := strconv.ParseFloat(strings.TrimRight(text, "% s"), 64); err == nil {
				l.nums[i][c] = v
			}
			row.WriteString(strings.ToLower(text))
			row.WriteByte(' ')
		}
		if e.Damaged != "" {
			row.WriteString(strings.ToLower(e.Damaged))
		}
		l.search[i] = row.String()
	}
	return l
}

// arrange returns the runs that hold every word of filter (any case),
// sorted by column col, numerically where both cells are numbers
// (numbers first), ascending when up. About 0.3 ms for 1,000 runs
// (BenchmarkRunsArrange): a keystroke in the filter does it on the UI
// goroutine.
func (l *runList) arrange(filter string, col int, up bool) []runs.Entry {
	words := strings.Fields(strings.ToLower(filter))
	idx := make([]int, 0, len(l.entries))
	for i, s := range l.search {
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(s, w) }) {
			idx = append(idx, i)
		}
	}
	if runColumns[col].text != nil {
		slices.SortStableFunc(idx, func(a, b int) int {
			x, y := l.nums[a][col], l.nums[b][col]
			var n int
			switch {
			case !math.IsNaN(x) && !math.IsNaN(y):
				n = cmp.Compare(x, y)
			case !math.IsNaN(x) || !math.IsNaN(y):
				n = map[bool]int{true: -1, false: 1}[!math.IsNaN(x)]
			default:
				n = strings.Compare(l.keys[a][col], l.keys[b][col])
			}
			if !up {
				n = -n
			}
			return n
		})
	}
	shown := make([]runs.Entry, len(idx))
	for i, k := range idx {
		shown[i] = l.entries[k]
	}
	return shown
}

func newRunsTab(store runs.Store, t *tasks, win fyne.Window, onRunAgain func(runs.Entry), onLoadModel func(runs.Entry, *training.Model)) *runsTab {
	r := &runsTab{store: store, tasks: t, sortCol: 1, win: win, onRunAgain: onRunAgain, onLoadModel: onLoadModel,
		openURL: func(u *url.URL) error { return fyne.CurrentApp().OpenURL(u) }}
	r.runAgain = &widget.Button{Text: "Run again", Icon: theme.MediaReplayIcon(), OnTapped: func() {
		if e, ok := r.current(); ok {
			r.onRunAgain(e)
			r.status.SetText("The settings of run " + e.ID + " are in the form: Train runs them again.")
		}
	}}
	r.loadModel = &widget.Button{Text: "Load model", Icon: theme.UploadIcon(), OnTapped: r.load}
	r.exportRun = &widget.Button{Text: "To PyTorch…", Icon: theme.DocumentSaveIcon(), OnTapped: r.exportPyTorch}
	r.editRun = &widget.Button{Text: "Rename…", Icon: theme.DocumentCreateIcon(), OnTapped: r.edit}
	r.showFiles = &widget.Button{Text: "Show files", Icon: theme.FolderOpenIcon(), OnTapped: r.openFolder}
	r.deleteRun = &widget.Button{Text: "Delete…", Icon: theme.DeleteIcon(), OnTapped: r.confirmDelete}
	r.filter = &widget.Entry{PlaceHolder: "Filter: any text of a row (name, optimizer, dataset…)", OnChanged: func(string) { r.arrange() }}
	r.filter.ExtendBaseWidget(r.filter)
	r.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	refresh := &widget.Button{Text: "Refresh", Icon: theme.ViewRefreshIcon(), OnTapped: r.refresh}
	clearTicks := &widget.Button{Text: "Untick all", OnTapped: func() { r.ticked = nil; r.table.Refresh(); r.selectionChanged() }}

	r.table = widget.NewTable(
		func() (int, int) { return len(r.shown), len(runColumns) },
		func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
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

	r.curves = newRunsCurves(win, t)
	r.compare = newComparisonView(win, func(id string) {
		r.baseline = id
		r.selectionChanged()
	}, func(msg string) { r.status.SetText(msg) })

	top := container.NewBorder(nil, nil, nil, container.NewHBox(clearTicks, refresh), r.filter)
	// Two rows, so that the window still fits 1024 pixels.
	actions := container.NewVBox(
		container.NewHBox(widget.NewLabel("Last ticked:"), r.runAgain, r.loadModel, r.exportRun),
		container.NewHBox(r.editRun, r.showFiles, r.deleteRun))
	r.enableActions()
	list := container.NewBorder(container.NewVBox(top, actions, r.status), nil, nil, nil, r.table)
	panels := container.NewHSplit(r.curves.content, r.compare.content)
	panels.Offset = 0.55
	below := container.NewBorder(r.curves.options.content, nil, nil, nil, panels)
	split := container.NewVSplit(list, below)
	split.Offset = 0.45
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
	switch {
	case id.Col == 0:
		l.SetText(map[bool]string{true: "☑", false: "☐"}[slices.Contains(r.ticked, e.ID)])
	case e.Damaged != "" && id.Col == statusColumn:
		l.SetText(e.Damaged)
	default:
		l.SetText(runColumns[id.Col].text(e))
	}
}

// refresh lists the store again: it is read, and made ready for the
// table, off the UI goroutine; a list asked for later replaces it.
func (r *runsTab) refresh() {
	if r.store.Dir == "" {
		r.status.SetText("Runs are not kept: there is no data directory (set WORKBENCH_HOME).")
		return
	}
	r.status.SetText("Reading the runs in " + r.store.Dir + "…")
	r.reads++
	read, filter, col, up := r.reads, r.filter.Text, r.sortCol, r.sortUp
	r.tasks.start(func() {
		entries, err := r.store.List()
		l := newRunList(entries)
		shown := l.arrange(filter, col, up)
		bridge.Do(func() {
			if read != r.reads {
				return
			}
			if err != nil {
				r.status.SetText("Cannot list the runs: " + err.Error())
				return
			}
			r.showList(l, shown, filter == r.filter.Text && col == r.sortCol && up == r.sortUp)
		})
	})
}

// showList puts a store's list on display, with shown its runs arranged
// (current: for the filter and sort on display now; otherwise they are
// arranged again); on the UI goroutine. Besides the runs ticked, nothing
// here is done per run: the table then asks for the cells on screen.
func (r *runsTab) showList(l *runList, shown []runs.Entry, current bool) {
	r.list, r.all = l, l.entries
	ticked := slices.DeleteFunc(slices.Clone(r.ticked), func(id string) bool { _, ok := l.byID[id]; return !ok })
	if current {
		r.setShown(shown)
	} else {
		r.arrange()
	}
	// The ticked runs may have moved on (a run ended) or gone (deleted
	// elsewhere): draw them again.
	if len(r.ticked) > 0 {
		r.ticked = ticked
		r.selectionChanged()
	}
}

// arrange filters and sorts the list for the table; on the UI goroutine.
func (r *runsTab) arrange() {
	if r.list != nil {
		r.setShown(r.list.arrange(r.filter.Text, r.sortCol, r.sortUp))
	}
}

// setShown shows runs in the table.
func (r *runsTab) setShown(shown []runs.Entry) {
	r.shown = shown
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
	r.arrange()
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

// entry returns the listed run with an ID.
func (r *runsTab) entry(id string) (runs.Entry, bool) {
	if r.list == nil {
		return runs.Entry{}, false
	}
	i, ok := r.list.byID[id]
	if !ok {
		return runs.Entry{}, false
	}
	return r.list.entries[i], true
}

// current is the run ticked last, if any.
func (r *runsTab) current() (runs.Entry, bool) {
	if len(r.ticked) == 0 {
		return runs.Entry{}, false
	}
	return r.entry(r.ticked[len(r.ticked)-1])
}

// enableActions enables the actions the run ticked last allows: a
// running run cannot be deleted, since it writes its record as it goes
// (it can be renamed: see runs.Store.SetName).
func (r *runsTab) enableActions() {
	e, ok := r.current()
	readable := ok && e.Damaged == ""
	finished := readable && e.Summary.Status != runs.Running
	for b, on := range map[*widget.Button]bool{r.runAgain: readable, r.loadModel: readable, r.exportRun: readable && finished, r.editRun: readable, r.showFiles: ok, r.deleteRun: ok && e.Summary.Status != runs.Running} {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if readable && !finished {
		r.status.SetText("Run " + e.ID + " is still running: it can be deleted once it has ended.")
	}
}

// load makes the run's model the window's, off the UI goroutine: the
// weights its config keeps, or, when the run kept a best epoch other than
// its last, the ones the user picks.
func (r *runsTab) load() {
	e, ok := r.current()
	if !ok {
		return
	}
	if b := e.Summary.BestEpoch; b > 0 && b != e.Summary.Epochs {
		items := []*fyne.MenuItem{
			fyne.NewMenuItem(fmt.Sprintf("Best epoch's weights (epoch %d)", b), func() { r.loadKeeping(e, training.KeepBest) }),
			fyne.NewMenuItem(fmt.Sprintf("Last weights (epoch %d)", e.Summary.Epochs), func() { r.loadKeeping(e, training.KeepLast) }),
		}
		widget.ShowPopUpMenuAtRelativePosition(fyne.NewMenu("", items...), r.win.Canvas(), fyne.NewPos(0, r.loadModel.Size().Height), r.loadModel)
		return
	}
	r.loadKeeping(e, "")
}

// loadKeeping loads a run's best or last weights ("": those its config
// keeps).
func (r *runsTab) loadKeeping(e runs.Entry, keep training.Keep) {
	r.tasks.start(func() {
		var m *training.Model
		var err error
		if keep == "" {
			m, err = training.LoadModel(e.Dir)
		} else {
			m, err = training.LoadModelKeeping(e.Dir, keep)
		}
		bridge.Do(func() {
			if err != nil {
				r.status.SetText("Cannot load the model of run " + e.ID + ": " + err.Error())
				return
			}
			r.onLoadModel(e, m)
		})
	})
}

// edit asks for the run's new name and note and writes them into its
// record, off the UI goroutine.
func (r *runsTab) edit() {
	e, ok := r.current()
	if !ok {
		return
	}
	name := &widget.Entry{Text: e.Summary.Name, Validator: runs.CheckName}
	name.ExtendBaseWidget(name)
	note := &widget.Entry{Text: e.Summary.Note, MultiLine: true, Wrapping: fyne.TextWrapWord, Validator: runs.CheckNote,
		PlaceHolder: "What this run tried, what it showed…"}
	note.ExtendBaseWidget(note)
	note.SetMinRowsVisible(4)
	d := dialog.NewForm("Run "+e.ID, "Save", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Name", name), widget.NewFormItem("Note", note)},
		func(ok bool) {
			if ok {
				r.saveEdit(e, name.Text, note.Text)
			}
		}, r.win)
	d.Resize(fyne.NewSize(520, 300))
	present(r.win, d)
}

// saveEdit writes a run's name and note, off the UI goroutine, and lists
// the store again.
func (r *runsTab) saveEdit(e runs.Entry, name, note string) {
	r.tasks.start(func() {
		err := r.store.SetName(e, name)
		if err == nil {
			err = r.store.SetNote(e, note)
		}
		bridge.Do(func() {
			if err != nil {
				showError(r.win, fmt.Errorf("renaming run %s: %w", e.ID, err))
				return
			}
			r.refresh()
		})
	})
}

// openFolder shows the run's folder in the system's file manager; where
// that fails, a dialog gives its path to copy.
// exportPyTorch writes the run's model as PyTorch code and weights into a
// folder the user chooses: the weights its config keeps (the best epoch's
// by default), off the UI goroutine.
func (r *runsTab) exportPyTorch() {
	e, ok := r.current()
	if !ok {
		return
	}
	chooseFolder(r.win, "Export run "+e.ID+" to PyTorch into this folder", func(dir string) { r.exportTo(e, dir) })
}

// exportTo writes run e's export into dir and says where it went.
func (r *runsTab) exportTo(e runs.Entry, dir string) {
	r.tasks.start(func() {
		m, err := training.LoadModel(e.Dir)
		if err == nil {
			err = export.PyTorch(m, dir)
		}
		bridge.Do(func() {
			if err != nil {
				showError(r.win, fmt.Errorf("exporting run %s: %w", e.ID, err))
				return
			}
			which := "its last weights"
			if m.Best {
				which = fmt.Sprintf("its best epoch's weights (epoch %d)", m.Epoch)
			}
			r.status.SetText(fmt.Sprintf("Exported run %s (%s) to PyTorch in %s.", e.ID, which, dir))
			showInfo(r.win, "Exported to PyTorch", fmt.Sprintf("Run %s, %s, is in %s as %s, %s, %s and %s. "+
				"In PyTorch, model.load_model(folder) returns the network; python3 train.py --data idx:MNIST_DIR "+
				"(or torchrun --nproc_per_node=N train.py …) goes on training it: the README there has the commands.",
				e.ID, which, dir, export.WeightsFile, export.ModelFile, export.TrainFile, export.ReadmeFile))
		})
	})
}

func (r *runsTab) openFolder() {
	e, ok := r.current()
	if !ok {
		return
	}
	path := filepath.ToSlash(e.Dir)
	if !strings.HasPrefix(path, "/") { // C:/… on Windows
		path = "/" + path
	}
	err := r.openURL(&url.URL{Scheme: "file", Path: path})
	if err == nil {
		return
	}
	shown := &widget.Entry{Text: e.Dir}
	shown.ExtendBaseWidget(shown)
	copyPath := &widget.Button{Text: "Copy", Icon: theme.ContentCopyIcon(), OnTapped: func() {
		fyne.CurrentApp().Clipboard().SetContent(e.Dir)
	}}
	msg := widget.NewLabel("The file manager could not be opened (" + err.Error() + "). The run's files are in:")
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("Files of run "+e.ID, "Close", container.NewVBox(msg, container.NewBorder(nil, nil, nil, copyPath, shown)), r.win)
	d.Resize(fyne.NewSize(560, 180))
	present(r.win, d)
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

// remove deletes a run off the UI goroutine (a run's folder may hold
// many megabytes of weights), then lists the store again.
func (r *runsTab) remove(e runs.Entry) {
	r.status.SetText("Deleting run " + e.ID + "…")
	r.tasks.start(func() {
		err := r.store.Delete(e)
		bridge.Do(func() {
			if err != nil {
				r.status.SetText("Cannot delete run " + e.ID + ": " + err.Error())
				return
			}
			if i := slices.Index(r.ticked, e.ID); i >= 0 {
				r.ticked = slices.Delete(r.ticked, i, i+1)
			}
			r.selectionChanged()
			r.refresh()
		})
	})
}

// selectionChanged draws the ticked runs' curves and comparison.
func (r *runsTab) selectionChanged() {
	r.enableActions()
	var picked []runs.Entry
	for _, id := range r.ticked {
		if e, ok := r.entry(id); ok && e.Damaged == "" {
			picked = append(picked, e)
		}
	}
	if !slices.ContainsFunc(picked, func(e runs.Entry) bool { return e.ID == r.baseline }) {
		r.baseline = ""
	}
	labels := r.compare.show(picked, r.baseline)
	r.curves.show(picked, labels)
}

// setDark draws the chart in the dark variant.
func (r *runsTab) setDark(dark bool) {
	r.compare.dark.Store(dark)
	r.curves.setOption(func(o *chartOptions) { o.dark = dark })
}
