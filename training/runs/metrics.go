package runs

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/neuralworkbench/workbench/training/regular"
)

// Row is one line of metrics.csv.
type Row struct {
	Step  int
	Epoch float64 // fractional within an epoch for batch lines
	Time  float64 // seconds since the run started, pauses excluded
	Split string  // "train" (a batch), "epoch" (an epoch's training average), "val" or "test"
	Loss  float64
	Acc   float64
	LR    float64 // the learning rate in force; 0 in records made before schedules
}

// maxMetrics bounds metrics.csv: a million batches' lines.
const maxMetrics = 64 << 20

// ReadMetrics reads a record's metrics.csv, of either header (with lr or,
// written before schedules, without). A last line without its line
// break, torn by a run killed while writing it, is left out; any other
// line that is not the header's fields of the right kinds is an error
// naming it.
func ReadMetrics(dir string) ([]Row, error) {
	path := filepath.Join(dir, MetricsFile)
	b, err := regular.ReadFile(path, maxMetrics)
	if err != nil {
		return nil, err
	}
	if i := bytes.LastIndexByte(b, '\n'); i < len(b)-1 {
		b = b[:i+1] // the torn last line
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) == 0 || (lines[0] != metricsHeader && lines[0] != oldMetricsHeader) {
		return nil, fmt.Errorf("%s: the first line is not %q", path, metricsHeader)
	}
	header := lines[0]
	fields := strings.Count(header, ",") + 1
	rows := make([]Row, 0, len(lines)-1)
	for n, line := range lines[1:] {
		f := strings.Split(line, ",")
		var r Row
		var errs [6]error
		if len(f) == fields {
			r.Step, errs[0] = strconv.Atoi(f[0])
			r.Epoch, errs[1] = strconv.ParseFloat(f[1], 64)
			r.Time, errs[2] = strconv.ParseFloat(f[2], 64)
			r.Split = f[3]
			r.Loss, errs[3] = strconv.ParseFloat(f[4], 64)
			r.Acc, errs[4] = strconv.ParseFloat(f[5], 64)
			if fields == 7 {
				r.LR, errs[5] = strconv.ParseFloat(f[6], 64)
			}
		}
		if len(f) != fields || errs != [6]error{} {
			return nil, fmt.Errorf("%s: line %d is not %s: %.80q", path, n+2, header, line)
		}
		rows = append(rows, r)
	}
	return rows, nil
}
