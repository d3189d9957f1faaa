package runs

import (
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training"
)

func TestCompare(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	entry := func(id string, lr float64, acc, loss *float64, secs float64) Entry {
		c := training.DefaultConfig()
		c.LR = lr
		return Entry{ID: id, Config: c, Summary: Summary{Name: "run " + id, TestAcc: acc, TestLoss: loss, ElapsedS: secs, Parameters: 108931}}
	}
	entries := []Entry{
		entry("a", 0.001, f(0.9800), f(0.0500), 10),
		entry("b", 0.01, f(0.9650), f(0.0900), 12.5),
		entry("c", 0.001, nil, nil, 0), // stopped before its test
	}
	table, err := Compare(entries, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Only the learning rate differs among the settings.
	want := []string{"run", "name", "lr", "test acc", "Δ test acc", "test loss", "Δ test loss", "wall time", "Δ wall time",
		"samples/s", "Δ samples/s", "parameters", "Δ parameters"}
	if strings.Join(table.Header, "|") != strings.Join(want, "|") {
		t.Errorf("header %q, want %q", table.Header, want)
	}
	rows := []string{
		"a|run a|0.001|98.00%|baseline|0.0500|baseline|10.0 s|baseline|||108931|baseline",
		"b|run b|0.01|96.50%|-1.50 pt|0.0900|+0.0400|12.5 s|+2.5 s|||108931|+0",
		"c|run c|0.001|||||||||108931|+0",
	}
	for i, r := range table.Rows {
		if got := strings.Join(r, "|"); got != rows[i] {
			t.Errorf("row %d = %s, want %s", i, got, rows[i])
		}
	}
	var md strings.Builder
	table.WriteMarkdown(&md)
	if !strings.HasPrefix(md.String(), "| run | name | lr | test acc |") || !strings.Contains(md.String(), "| b | run b | 0.01 | 96.50% | -1.50 pt |") {
		t.Errorf("Markdown:\n%s", md.String())
	}
	if l := table.Label(1); l != "lr 0.01" {
		t.Errorf("Label(1) = %q, want the setting that differs, lr 0.01", l)
	}
	if _, err := Compare(entries, 3); err == nil {
		t.Error("a baseline outside the runs was accepted")
	}
	if _, err := Compare([]Entry{{ID: "x", Damaged: "no summary.json"}}, 0); err == nil || !strings.Contains(err.Error(), "run x cannot be compared") {
		t.Errorf("comparing a damaged run: %v", err)
	}
}
