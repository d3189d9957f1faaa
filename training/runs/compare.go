package runs

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/neuralworkbench/workbench/training"
)

// Table is a comparison of runs: a row per run, the settings that differ
// between them, then their metrics, each with its difference from the
// baseline run's.
type Table struct {
	Header []string
	Rows   [][]string
	// Settings is how many columns, after the run's ID and name, are the
	// settings that differ.
	Settings int
}

// Label names row i by the settings that differ ("lr 0.01, optimizer
// sgd"), or by its name when none do.
func (t Table) Label(i int) string {
	var parts []string
	for c := 2; c < 2+t.Settings; c++ {
		parts = append(parts, t.Header[c]+" "+t.Rows[i][c])
	}
	if len(parts) == 0 {
		return t.Rows[i][1]
	}
	return strings.Join(parts, ", ")
}

// metric is one compared number of a run; ok is false where it has none.
type metric struct {
	name   string
	value  func(Entry) (float64, bool)
	format func(float64) string
	delta  func(float64) string // the difference from the baseline, signed
}

var metrics = []metric{
	{"test acc", func(e Entry) (float64, bool) { return deref(e.Summary.TestAcc) },
		func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }, func(d float64) string { return fmt.Sprintf("%+.2f pt", 100*d) }},
	{"test loss", func(e Entry) (float64, bool) { return deref(e.Summary.TestLoss) },
		func(v float64) string { return fmt.Sprintf("%.4f", v) }, func(d float64) string { return fmt.Sprintf("%+.4f", d) }},
	{"wall time", func(e Entry) (float64, bool) { return e.Summary.ElapsedS, e.Summary.ElapsedS > 0 },
		func(v float64) string { return fmt.Sprintf("%.1f s", v) }, func(d float64) string { return fmt.Sprintf("%+.1f s", d) }},
	{"samples/s", func(e Entry) (float64, bool) { return e.Summary.SamplesPerSec, e.Summary.SamplesPerSec > 0 },
		func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }, func(d float64) string { return fmt.Sprintf("%+.0f", d) }},
	{"parameters", func(e Entry) (float64, bool) { return float64(e.Summary.Parameters), e.Summary.Parameters > 0 },
		func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }, func(d float64) string { return fmt.Sprintf("%+.0f", d) }},
}

func deref(p *float64) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

// settings are the experiment's settings as a comparison shows them.
func settings(c training.Config) [][2]string {
	return [][2]string{
		{"dataset", c.Dataset}, {"classes", classList(c.Classes)}, {"hidden", hidden(c)},
		{"loss", string(c.Loss)}, {"optimizer", string(c.Optimizer)}, {"lr", strconv.FormatFloat(c.LR, 'g', -1, 64)},
		{"momentum", strconv.FormatFloat(c.Momentum, 'g', -1, 64)}, {"batch", strconv.Itoa(c.Batch)},
		{"epochs", strconv.Itoa(c.Epochs)}, {"weight decay", strconv.FormatFloat(c.WeightDecay, 'g', -1, 64)},
		{"augment", c.Augment.String()}, {"val split", strconv.FormatFloat(c.ValSplit, 'g', -1, 64)},
		{"seed", strconv.FormatUint(c.Seed, 10)},
	}
}

func classList(classes []string) string {
	if len(classes) == 0 {
		return "all"
	}
	return strings.Join(classes, ",")
}

func hidden(c training.Config) string {
	parts := make([]string, len(c.Hidden))
	for i, l := range c.Hidden {
		parts[i] = strconv.Itoa(l.Width) + " " + string(l.Activation)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Compare tables entries (readable records) against entries[baseline]:
// the ID and name, the settings that differ among them, and each metric
// with its difference from the baseline's (the baseline's own row shows
// "baseline").
func Compare(entries []Entry, baseline int) (Table, error) {
	if len(entries) == 0 {
		return Table{}, fmt.Errorf("no runs to compare")
	}
	if baseline < 0 || baseline >= len(entries) {
		return Table{}, fmt.Errorf("the baseline must be one of the runs compared")
	}
	for _, e := range entries {
		if e.Damaged != "" {
			return Table{}, fmt.Errorf("run %s cannot be compared: %s", e.ID, e.Damaged)
		}
	}
	all := make([][][2]string, len(entries))
	for i, e := range entries {
		all[i] = settings(e.Config)
	}
	var differ []int // the settings whose values are not all the same
	for k := range all[0] {
		for _, s := range all[1:] {
			if s[k][1] != all[0][k][1] {
				differ = append(differ, k)
				break
			}
		}
	}
	t := Table{Header: []string{"run", "name"}, Settings: len(differ)}
	for _, k := range differ {
		t.Header = append(t.Header, all[0][k][0])
	}
	for _, m := range metrics {
		t.Header = append(t.Header, m.name, "Δ "+m.name)
	}
	base := entries[baseline]
	for i, e := range entries {
		row := []string{e.ID, e.Summary.Name}
		for _, k := range differ {
			row = append(row, all[i][k][1])
		}
		for _, m := range metrics {
			v, ok := m.value(e)
			b, bok := m.value(base)
			switch {
			case !ok:
				row = append(row, "", "")
			case i == baseline:
				row = append(row, m.format(v), "baseline")
			case !bok:
				row = append(row, m.format(v), "")
			default:
				row = append(row, m.format(v), m.delta(v-b))
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// WriteCSV writes the table as CSV.
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(t.Header)
	cw.WriteAll(t.Rows)
	return cw.Error()
}

// WriteMarkdown writes the table as a Markdown table.
func (t Table) WriteMarkdown(w io.Writer) error {
	cell := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }
	line := func(cells []string) string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = cell(c)
		}
		return "| " + strings.Join(out, " | ") + " |\n"
	}
	var b strings.Builder
	b.WriteString(line(t.Header))
	b.WriteString("|" + strings.Repeat("---|", len(t.Header)) + "\n")
	for _, r := range t.Rows {
		b.WriteString(line(r))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
