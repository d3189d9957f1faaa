package ui

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/runs"
)

// fakeRun writes a finished run's record into store as a run leaves it:
// summary.json, config.json and, for epochs > 0, metrics.csv with ten
// batches an epoch and a validation line at each epoch's end. lr sets the
// config's learning rate and how fast its losses fall.
func fakeRun(t testing.TB, store runs.Store, id, name string, lr float64, epochs int) {
	t.Helper()
	dir := filepath.Join(store.Dir, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := training.DefaultConfig()
	cfg.LR, cfg.Epochs = lr, 4
	acc, loss := 0.9+lr, 0.3-lr
	sum := runs.Summary{Name: name, Status: runs.Done, Classes: cfg.Classes, Architecture: "784-128-64-3", Parameters: 108931,
		Seed: 1, Epochs: epochs, Started: "2026-12-02T03:56:00Z", TestAcc: &acc, TestLoss: &loss, ElapsedS: 10 + lr*100, SamplesPerSec: 20000}
	for file, v := range map[string]any{runs.SummaryFile: sum, training.ConfigFile: cfg} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if epochs == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("step,epoch,time_s,split,loss,acc\n")
	step := 0
	for ep := 1; ep <= epochs; ep++ {
		for range 10 {
			step++
			l := 2 * math.Exp(-lr*float64(step))
			fmt.Fprintf(&b, "%d,%g,%g,train,%g,%g\n", step, float64(step)/10, float64(step)/4, l, 1-l/2)
		}
		l := 2 * math.Exp(-lr*float64(step))
		fmt.Fprintf(&b, "%d,%d,%g,epoch,%g,%g\n", step, ep, float64(step)/4, l, 1-l/2)
		fmt.Fprintf(&b, "%d,%d,%g,val,%g,%g\n", step, ep, float64(step)/4, 1.1*l, 1-l/1.8)
	}
	if err := os.WriteFile(filepath.Join(dir, runs.MetricsFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeStore is a store of n finished runs, "run 0" to "run n-1", without
// metrics.
func fakeStore(t testing.TB, n int) runs.Store {
	store := runs.Store{Dir: t.TempDir()}
	for i := range n {
		fakeRun(t, store, fmt.Sprintf("20261202-%06d-abcdef", i), fmt.Sprintf("run %d", i), 0.001, 0)
	}
	return store
}

// newTestRunsTab opens a Runs tab on store in a test window of the size
// the tab has in the smallest window, and lists the store.
func newTestRunsTab(t testing.TB, store runs.Store) (*runsTab, fyne.Window, *tasks) {
	t.Helper()
	tk := &tasks{}
	var r *runsTab
	var win fyne.Window
	onUI(func() {
		win = test.NewTempWindow(t, widget.NewLabel(""))
		r = newRunsTab(store, tk, win, func(runs.Entry) {}, func(runs.Entry, *training.Model) {})
		win.SetContent(r.content)
		win.Resize(fyne.NewSize(680, 600))
		r.refresh()
	})
	t.Cleanup(func() { tk.close(); tk.wait() })
	tk.wait()
	return r, win, tk
}

// The Runs tab lists 1,000 runs without a pause: the store is read and
// arranged off the UI goroutine, and what the UI goroutine then does
// (showList) costs the same for 1,000 runs as for 100: it formats only
// the cells on screen and allocates nothing per run.
func TestRunsTabOpensWithoutPerRunWork(t *testing.T) {
	test.NewTempApp(t)
	r, _, _ := newTestRunsTab(t, fakeStore(t, 1000))
	if len(r.shown) != 1000 || r.shown[0].ID != "20261202-000999-abcdef" {
		t.Fatalf("the tab lists %d runs, first %v; want 1,000, newest first", len(r.shown), r.shown[0].ID)
	}
	entries := r.all
	cells := 0
	update := r.table.UpdateCell
	r.table.UpdateCell = func(id widget.TableCellID, o fyne.CanvasObject) { cells++; update(id, o) }
	// What the UI goroutine does with a list of n runs read and arranged
	// in the background.
	onShow := func(n int) (allocs float64, cellsShown int) {
		l := newRunList(entries[:n])
		shown := l.arrange("", 1, false)
		cells = 0
		allocs = testing.AllocsPerRun(4, func() { r.showList(l, shown, true) })
		return allocs, cells / 5 // AllocsPerRun runs once more to warm up
	}
	a100, c100 := onShow(100)
	a1000, c1000 := onShow(1000)
	t.Logf("showing a list: %d cells and %v allocations for 100 runs, %d and %v for 1,000", c100, a100, c1000, a1000)
	if c100 == 0 || c1000 != c100 {
		t.Errorf("showing a list updates %d cells for 100 runs and %d for 1,000: want the same, those on screen", c100, c1000)
	}
	if visible := (r.table.Size().Height/30 + 2) * float32(len(runColumns)); float32(c1000) > visible {
		t.Errorf("showing a list updates %d cells, more than the %v on screen", c1000, visible)
	}
	// (Give or take a few for the status line's longer numbers: work per
	// run would be hundreds more.)
	if a1000 > a100+10 {
		t.Errorf("showing a list allocates %v times for 1,000 runs and %v for 100: per-run work on the UI goroutine", a1000, a100)
	}
	// The filter and a column's sort use what the background made.
	onUI(func() {
		r.filter.SetText("DONE 000123")
		if len(r.shown) != 1 || r.shown[0].Summary.Name != "run 123" {
			t.Errorf("filter %q shows %d runs, want run 123", r.filter.Text, len(r.shown))
		}
		r.filter.SetText("")
		r.sortBy(1)
		if r.shown[0].ID != "20261202-000000-abcdef" || !r.sortUp {
			t.Errorf("sorted by run, ascending: first %s", r.shown[0].ID)
		}
	})
}

func TestLegendLabel(t *testing.T) {
	tests := []struct {
		header, row []string
		settings    int
		want        string
	}{
		{[]string{"run", "name", "hidden", "optimizer", "lr"}, []string{"r1", "n", "128 relu, 64 relu", "adam", "0.001"}, 3, "128-64 relu, adam, lr 0.001"},
		{[]string{"run", "name", "hidden", "loss"}, []string{"r1", "n", "128 relu, 64 tanh", "mse"}, 2, "hidden 128 relu, 64 tanh, loss mse"},
		{[]string{"run", "name", "hidden", "dataset"}, []string{"r1", "n", "none", "idx:/data"}, 2, "hidden none, idx:/data"},
		{[]string{"run", "name", "test acc"}, []string{"r1", "the only one", "98%"}, 0, "the only one"},
	}
	for _, tt := range tests {
		tab := runs.Table{Header: tt.header, Rows: [][]string{tt.row}, Settings: tt.settings}
		if got := legendLabel(tab, 0); got != tt.want {
			t.Errorf("legendLabel(%v) = %q, want %q", tt.row, got, tt.want)
		}
	}
}

// BenchmarkRunsTabShowList is what the UI goroutine does when a store of
// n runs has been read: the same for any n.
func BenchmarkRunsTabShowList(b *testing.B) {
	test.NewTempApp(b)
	r, _, _ := newTestRunsTab(b, fakeStore(b, 1000))
	for _, n := range []int{100, 1000} {
		l := newRunList(r.all[:n])
		shown := l.arrange("", 1, false)
		b.Run(fmt.Sprintf("runs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.showList(l, shown, true)
			}
		})
	}
}

// BenchmarkRunsArrange is a keystroke in the filter (or a tap on a
// column's title) with 1,000 runs.
func BenchmarkRunsArrange(b *testing.B) {
	entries := make([]runs.Entry, 1000)
	for i := range entries {
		acc := float64(i%97) / 100
		entries[i] = runs.Entry{ID: fmt.Sprintf("20261202-%06d-abcdef", i), Config: training.DefaultConfig(),
			Summary: runs.Summary{Name: fmt.Sprintf("run %d", i), Status: runs.Done, TestAcc: &acc}}
	}
	l := newRunList(entries)
	b.ReportAllocs()
	for b.Loop() {
		l.arrange("run 9", 13, true)
	}
}

// tickAll ticks the listed runs, oldest first, and waits for the curves.
func tickAll(r *runsTab, tk *tasks) {
	onUI(func() {
		for i := len(r.shown) - 1; i >= 0; i-- {
			r.toggle(r.shown[i].ID)
		}
	})
	tk.wait()
}

// The ticked runs' curves: the chosen metric, with the Training tab's
// options, one colour a run; the comparison against a baseline chosen
// among them; and the exports.
func TestRunsTabCurvesComparisonAndExports(t *testing.T) {
	test.NewTempApp(t)
	store := runs.Store{Dir: t.TempDir()}
	fakeRun(t, store, "20261202-000001-aaaaaa", "slow", 0.01, 4)
	fakeRun(t, store, "20261202-000002-bbbbbb", "fast", 0.1, 4)
	fakeRun(t, store, "20261202-000003-cccccc", "faster", 0.2, 3)
	r, _, tk := newTestRunsTab(t, store)
	tickAll(r, tk)

	c := r.curves
	if c.chart.current() == nil {
		t.Fatal("no chart of the ticked runs")
	}
	spec, problems := c.spec(c.runs, runMetrics[0], c.opts, false)
	if len(problems) != 0 || len(spec.series) != 3 {
		t.Fatalf("validation loss: %d series, problems %v; want 3", len(spec.series), problems)
	}
	for i, s := range spec.series {
		if !s.Points || s.Color != i || len(s.X) != []int{4, 4, 3}[i] || s.X[0] != 1 {
			t.Errorf("validation series %d: %d points from x %v, colour %d, points %v; want a point an epoch from 1, colour %d", i, len(s.X), s.X, s.Color, s.Points, i)
		}
	}
	if want := "lr 0.01"; spec.series[0].Label != want || spec.opts.XLabel != "epoch" {
		t.Errorf("legend %q and x label %q, want %q (the setting that differs) and epoch", spec.series[0].Label, spec.opts.XLabel, want)
	}

	// Training accuracy by seconds, smoothed, on the options' controls.
	onUI(func() {
		c.metric.SetSelected("Training accuracy")
		c.options.axis.SetSelected(axisSeconds)
		c.options.logLoss.SetChecked(true)
		c.options.smoothing.SetValue(0.8)
	})
	tk.wait()
	spec, _ = c.spec(c.runs, c.which, c.opts, false)
	s := spec.series[1]
	if s.Points || len(s.X) != 40 || s.X[0] != 0.25 || math.Abs(s.Y[0]-(1-math.Exp(-0.1))) > 1e-5 || spec.opts.Smoothing != 0.8 || spec.opts.LogY {
		t.Errorf("training accuracy: %d points from (%v, %v), points %v, smoothing %v, log %v; want 40 batches from 0.25 s, smoothed 0.8, a linear axis",
			len(s.X), s.X[0], s.Y[0], s.Points, spec.opts.Smoothing, spec.opts.LogY)
	}
	onUI(func() { c.metric.SetSelected("Training loss") })
	tk.wait()
	if spec, _ = c.spec(c.runs, c.which, c.opts, false); !spec.opts.LogY || spec.opts.YLabel != "loss" {
		t.Errorf("training loss with Log loss: log %v, y label %q", spec.opts.LogY, spec.opts.YLabel)
	}

	// The comparison: the first ticked is the baseline until another is
	// chosen; its row comes first and says so.
	v := r.compare
	if v.data == nil || len(v.data.Rows) != 3 || v.data.Rows[0][1] != "slow" || v.data.Rows[0][v.data.Settings+3] != "baseline" {
		t.Fatalf("comparison %+v, want 3 rows, slow's first as the baseline", v.data)
	}
	if rows, cols := v.size(); rows != 3 || cols != len(v.data.Header)-1 || v.data.Header[v.columns[1]] != "test acc" || v.data.Header[v.columns[cols-1]] != "lr" {
		t.Errorf("the table is %d×%d, its columns %v of %v; want the name, the metrics, then lr", rows, cols, v.columns, v.data.Header)
	}
	onUI(func() { v.baseline.SetSelected(v.baseline.Options[1]) })
	tk.wait()
	if r.baseline != "20261202-000002-bbbbbb" || v.data.Rows[0][1] != "fast" || v.data.Rows[1][1] != "slow" || !slices.Equal(v.colours, []int{1, 0, 2}) {
		t.Errorf("with fast as the baseline: rows %v, colours %v; want fast, slow, faster keeping their colours 1, 0, 2", v.data.Rows, v.colours)
	}
	// The differences read green where better: slow's accuracy is lower
	// than fast's, its loss higher.
	onUI(func() {
		accCol := slices.Index(v.columns, slices.Index(v.data.Header, "Δ test acc"))
		cell := v.create()
		v.update(widget.TableCellID{Row: 1, Col: accCol}, cell)
		if l := cell.(*fyne.Container).Objects[0].(*widget.Label); l.Importance != widget.DangerImportance || !strings.HasPrefix(l.Text, "-9.00") {
			t.Errorf("slow's Δ test acc against fast: %q in importance %v, want -9.00 pt in red", l.Text, l.Importance)
		}
	})

	// Exports: the curves as one CSV, every line of every ticked run.
	var b bytes.Buffer
	if err := c.writeCSV(&b); err != nil {
		t.Fatal(err)
	}
	lines, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + 3*(4*12) - 12; len(lines) != want || strings.Join(lines[0], ",") != "run,name,step,epoch,time_s,split,loss,acc" {
		t.Errorf("curves CSV: %d lines, header %v; want %d and run,name,step,epoch,time_s,split,loss,acc", len(lines), lines[0], want)
	} else if l := lines[1]; l[0] != "20261202-000001-aaaaaa" || l[1] != "slow" || l[2] != "1" || l[5] != "train" {
		t.Errorf("curves CSV first line %v", l)
	}
	// The plot as PNG and SVG, in either theme; the table as CSV and
	// Markdown.
	dir := t.TempDir()
	for _, name := range []string{"curves.png", "curves.svg"} {
		p, size, err := c.buildPlot(name == "curves.svg")
		if err == nil {
			err = plots.Save(p, filepath.Join(dir, name), size)
		}
		if fi, serr := os.Stat(filepath.Join(dir, name)); err != nil || serr != nil || fi.Size() < 1000 {
			t.Errorf("saving %s: %v %v", name, err, serr)
		}
	}
	if err := createFile(filepath.Join(dir, "t.md"), v.data.WriteMarkdown); err != nil {
		t.Fatal(err)
	}
	if md, _ := os.ReadFile(filepath.Join(dir, "t.md")); !strings.HasPrefix(string(md), "| run | name | lr |") || !strings.Contains(string(md), "| baseline |") {
		t.Errorf("the comparison as Markdown:\n%s", md)
	}

	// Unticking all clears the chart and the table.
	onUI(func() { r.ticked = nil; r.selectionChanged() })
	tk.wait()
	if c.chart.current() != nil || v.data != nil || !v.hint.Visible() || !c.save.Disabled() || !v.export.Disabled() {
		t.Errorf("with nothing ticked: chart %v, comparison %v", c.chart.current(), v.data)
	}
	if _, _, err := c.buildPlot(false); err == nil {
		t.Error("saving the plot of no runs is not refused")
	}
}

// A run's name and note are edited, its folder shown, and it is deleted
// off the UI goroutine; a running run can be renamed but not deleted.
func TestRunsTabRunActions(t *testing.T) {
	test.NewTempApp(t)
	store := runs.Store{Dir: t.TempDir()}
	fakeRun(t, store, "20261202-000001-aaaaaa", "first", 0.01, 2)
	fakeRun(t, store, "20261202-000002-bbbbbb", "second", 0.1, 2)
	r, win, tk := newTestRunsTab(t, store)
	onUI(func() { r.toggle("20261202-000001-aaaaaa") })
	tk.wait()

	// Rename and note: the dialog holds the name, and refuses a blank one
	// by the store's own rule.
	onUI(func() {
		r.edit()
		var name *widget.Entry
		for _, o := range test.LaidOutObjects(win.Canvas().Overlays().Top()) {
			if en, ok := o.(*widget.Entry); ok && en.Text == "first" {
				name = en
			}
		}
		if name == nil {
			t.Fatal("the rename dialog does not show the run's name")
		}
		name.SetText("  ")
		if err := name.Validate(); err == nil || err.Error() != "a run's name cannot be blank" {
			t.Errorf("a blank name in the dialog: %v", err)
		}
		dismissTop(win)
		e, _ := r.current()
		r.saveEdit(e, "wide first layer", "lr 1e-2 overshoots")
	})
	tk.wait()
	if e, _ := r.current(); e.Summary.Name != "wide first layer" || e.Summary.Note != "lr 1e-2 overshoots" {
		t.Errorf("after the edit: %q, %q", e.Summary.Name, e.Summary.Note)
	}
	if got, err := store.Find("20261202-000001"); err != nil || got.Summary.Name != "wide first layer" {
		t.Errorf("the store has %q (%v)", got.Summary.Name, err)
	}

	// Show files opens the folder's file:// URL; where that fails, a
	// dialog shows the path.
	var opened *url.URL
	r.openURL = func(u *url.URL) error { opened = u; return nil }
	onUI(r.openFolder)
	if e, _ := r.current(); opened == nil || opened.Scheme != "file" || filepath.FromSlash(opened.Path) != e.Dir {
		t.Errorf("Show files opened %v, want file://%s", opened, e.Dir)
	}
	r.openURL = func(*url.URL) error { return fmt.Errorf("no xdg-open") }
	onUI(func() {
		r.openFolder()
		e, _ := r.current()
		found := false
		for _, o := range test.LaidOutObjects(win.Canvas().Overlays().Top()) {
			if en, ok := o.(*widget.Entry); ok && en.Text == e.Dir {
				found = true
			}
		}
		if !found {
			t.Errorf("no dialog shows the path %s after the file manager failed", e.Dir)
		}
		dismissTop(win)
	})

	// Delete: the folder goes on a worker; the list follows.
	gone := filepath.Join(store.Dir, "20261202-000001-aaaaaa")
	onUI(func() {
		e, _ := r.current()
		r.remove(e)
		if !strings.HasPrefix(r.status.Text, "Deleting run 20261202-000001-aaaaaa") {
			t.Errorf("status while deleting: %q", r.status.Text)
		}
	})
	tk.wait()
	if _, err := os.Stat(gone); !os.IsNotExist(err) || len(r.all) != 1 || len(r.ticked) != 0 || !r.deleteRun.Disabled() {
		t.Errorf("after Delete: folder %v, %d runs listed, ticked %v", err, len(r.all), r.ticked)
	}

	// A running run.
	dir := filepath.Join(store.Dir, "20261202-000003-cccccc")
	w, err := runs.Create(dir, training.DefaultConfig(), &training.Data{Classes: []string{"3", "5", "8"}}, "busy", "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	onUI(r.refresh)
	tk.wait()
	onUI(func() { r.toggle("20261202-000003-cccccc") })
	tk.wait()
	if r.editRun.Disabled() || !r.deleteRun.Disabled() || r.runAgain.Disabled() || !strings.Contains(r.status.Text, "is still running") {
		t.Errorf("a running run ticked: rename enabled %v, delete enabled %v, status %q", !r.editRun.Disabled(), !r.deleteRun.Disabled(), r.status.Text)
	}
	// It can be renamed while it runs (runs.Store.SetName keeps the edit
	// beside its record until its writer folds it in).
	onUI(func() {
		e, _ := r.current()
		r.saveEdit(e, "renamed while busy", "")
	})
	tk.wait()
	if e, err := store.Find("20261202-000003-cccccc"); err != nil || e.Summary.Name != "renamed while busy" {
		t.Errorf("renaming a running run: %v, name %q", err, e.Summary.Name)
	}
}

// The Runs tab with runs ticked, long names and the comparison on
// display still fits the smallest window.
func TestRunsTabFitsSmallWindow(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	store := runs.Store{Dir: t.TempDir()}
	for i, lr := range []float64{0.001, 0.01, 0.1, 0.3, 0.5, 0.7} {
		fakeRun(t, store, fmt.Sprintf("20261202-00000%d-aaaaaa", i), strings.Repeat("a rather long name for a run ", 4), lr, 3)
	}
	onUI(func() {
		wb.runsTab.store = store
		for _, it := range wb.tabs.Items {
			if it.Content == wb.runsTab.content {
				wb.tabs.Select(it)
			}
		}
	})
	wb.settle()
	tickAll(wb.runsTab, &wb.runs)
	wb.settle()
	onUI(func() {
		if len(wb.runsTab.ticked) != 6 || wb.runsTab.compare.data == nil {
			t.Fatalf("ticked %v", wb.runsTab.ticked)
		}
		// What the window puts beside and above a tab (the form, the run
		// controls, the tabs' titles) out of 1024×700 leaves the room a
		// tab has. (TestFitsSmallScreens checks every tab in the window.)
		var widest fyne.Size
		for _, it := range wb.tabs.Items {
			widest = widest.Max(it.Content.MinSize())
		}
		around := wb.Content().(*fyne.Container).Objects[0].MinSize().Subtract(widest)
		room := fyne.NewSize(MinWidth, MinHeight).Subtract(around)
		if m := wb.runsTab.content.MinSize(); m.Width > room.Width || m.Height > room.Height {
			t.Errorf("with six runs ticked the Runs tab needs %v×%v, more than the %v×%v a 1024×700 window leaves it", m.Width, m.Height, room.Width, room.Height)
		}
	})
}

// TestRunsTabExportsToPyTorch: To PyTorch… writes the ticked run's model
// as PyTorch code and weights where the user chose, and says so.
func TestRunsTabExportsToPyTorch(t *testing.T) {
	test.NewTempApp(t)
	store := runs.Store{Dir: t.TempDir()}
	fakeRun(t, store, "20261202-000001-aaaaaa", "lenet", 0.01, 2)
	net, err := nn.New(nn.Spec{Inputs: 784, Classes: 3, Layers: nn.LeNet5(3).Layers}, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := training.DefaultConfig()
	cfg.Hidden, cfg.Layers = nil, nn.LeNet5(3).Layers
	m := &training.Model{Net: net, Classes: []string{"3", "5", "8"}, Stats: imageproc.Stats{Mean: 0.1, Std: 0.3}, Config: cfg}
	if err := m.Save(filepath.Join(store.Dir, "20261202-000001-aaaaaa")); err != nil {
		t.Fatal(err)
	}
	r, _, tk := newTestRunsTab(t, store)
	onUI(func() { r.toggle("20261202-000001-aaaaaa") })
	tk.wait()
	out := t.TempDir()
	onUI(func() {
		if r.exportRun.Disabled() {
			t.Fatal("To PyTorch… is disabled for a finished run")
		}
		e, _ := r.current()
		r.exportTo(e, out)
	})
	tk.wait()
	for _, f := range []string{"model.safetensors", "model.py", "train.py", "README.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	onUI(func() {
		if !strings.Contains(r.status.Text, "Exported run 20261202-000001-aaaaaa (its last weights) to PyTorch in "+out) {
			t.Errorf("status after the export: %q", r.status.Text)
		}
	})
}
