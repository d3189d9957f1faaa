package training

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/neuralworkbench/workbench/training/nn"
)

// A network too large for the machine's memory is refused before it
// trains: Go cannot recover from running out of memory, so the window
// would die with the user's work (and the form's timed probe would run
// such a network as soon as it is typed).
//
// The estimate counts the values a sample's activations hold, layer by
// layer (a residual block holds five: two convolutions, two batch
// normalisations and the sum, and two more with a projection), and
// charges each value for the float32 buffers the kernels keep per
// training sample (outputs, gradients, the convolution's batch-innermost
// copies) and per evaluation sample, plus the weights' buffers and a base.
// The factors come from peak resident memory measured with `/usr/bin/time
// -f %M workbench train --layers … --epochs 1 --limit 256 --val-split 0`
// on the 2-core development machine: a second conv(256,3,1,1,relu) layer
// adds 1.21 GB, 6.0 KB a value at batch 64 (8 buffers a training sample
// and 4 an evaluation sample of the 256 evaluated at once). TestMemoryNeed
// lists the estimates against the measurements: 1.2 to 1.8 times them.
const (
	trainBuffers = 8 // float32 buffers a value keeps per training sample
	evalBuffers  = 4 // and per evaluation sample
	// paramBuffers: the weights, their gradient, two optimizer moments,
	// the best epoch's copy and a checkpoint's.
	paramBuffers = 6
	baseMemory   = 150 << 20 // the program, the data and the window
)

// memoryLimit is the most a run may need: three quarters of the
// machine's memory (8 GiB where it cannot be read). A variable for tests.
var memoryLimit = func() int64 {
	if total := totalMemory(); total > 0 {
		return total / 4 * 3
	}
	return 8 << 30
}()

// totalMemory reads the machine's memory from /proc/meminfo, or 0.
func totalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil && kb > 0 {
				return kb << 10
			}
		}
	}
	return 0
}

// activationValues is the number of values one sample's activations hold
// across the network, input and output included.
func activationValues(spec nn.Spec) int64 {
	values := int64(spec.Inputs + spec.Classes)
	if len(spec.Layers) == 0 {
		for _, l := range spec.Hidden {
			values += int64(l.Width)
		}
		return values
	}
	arch := spec.Arch()
	in := arch.Input
	for i, info := range arch.Summary() {
		if !info.Known || i == len(arch.Layers) {
			break
		}
		n := int64(info.Out.Size())
		if l := arch.Layers[i]; l.Kind == nn.Residual {
			n *= 5
			if in.C != l.Width {
				n += 2 * int64(info.Out.Size())
			}
		}
		values += n
		in = info.Out
	}
	return values
}

// memoryNeed estimates the bytes a run of c holds at its peak.
func (c Config) memoryNeed(classes int) (need, values int64) {
	spec := c.Spec(classes)
	values = activationValues(spec)
	params := int64(spec.ParamCount())
	need = 4*values*int64(trainBuffers*c.Batch+evalBuffers*evalBatch) + 4*paramBuffers*params + baseMemory
	return need, values
}

// checkMemory refuses a network whose run would not fit in memory.
func (c Config) checkMemory() error {
	need, values := c.memoryNeed(max(2, len(c.Classes)))
	if need <= memoryLimit {
		return nil
	}
	return fmt.Errorf("the network needs about %s of memory to train at batch %d (its layers hold %s values a sample), "+
		"more than the %s allowed on this machine (three quarters of its memory): use fewer filters or channels, "+
		"a stride or pooling earlier, or a smaller batch", gigabytes(need), c.Batch, Thousands(int(values)), gigabytes(memoryLimit))
}

// gigabytes is "23.4 GB".
func gigabytes(b int64) string { return fmt.Sprintf("%.1f GB", float64(b)/(1<<30)) }
