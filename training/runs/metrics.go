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
}

// maxMetrics bounds metrics.csv: a million batches' lines.
const maxMetrics = 64 << 20

// ReadMetrics reads a record's metrics.csv. A last line without its line
// break, torn by a run killed while writing it, is left out; any other
// line that is not six fields of the right kinds is an error naming it.
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
	if len(lines) == 0 || lines[0] != metricsHeader {
		return nil, fmt.Errorf("%s: the first line is not %q", path, metricsHeader)
	}
	rows := make([]Row, 0, len(lines)-1)
	for n, line := range lines[1:] {
		f := strings.Split(line, ",")
		var r Row
		var errs [5]error
		if len(f) == 6 {
			r.Step, errs[0] = strconv.Atoi(f[0])
			r.Epoch, errs[1] = strconv.ParseFloat(f[1], 64)
			r.Time, errs[2] = strconv.ParseFloat(f[2], 64)
			r.Split = f[3]
			r.Loss, errs[3] = strconv.ParseFloat(f[4], 64)
			r.Acc, errs[4] = strconv.ParseFloat(f[5], 64)
		}
		if len(f) != 6 || errs != [5]error{} {
			return nil, fmt.Errorf("%s: line %d is not step,epoch,time_s,split,loss,acc: %.80q", path, n+2, line)
		}
		rows = append(rows, r)
	}
	return rows, nil
}
