package dataset

import (
	"fmt"
	"io/fs"
	"sync"

	"github.com/neuralworkbench/workbench/assets"
)

// mnistFiles are the names of the embedded MNIST files under assets' "mnist/".
var mnistFiles = [4]string{
	trainImages: "train-images-idx3-ubyte.gz",
	trainLabels: "train-labels-idx1-ubyte.gz",
	testImages:  "t10k-images-idx3-ubyte.gz",
	testLabels:  "t10k-labels-idx1-ubyte.gz",
}

// mnist parses the embedded MNIST once per process (about 60 MB of frames)
// and keeps it: LoadMNIST copies its selections from this set, which is
// never written to.
var mnist = sync.OnceValues(parseMNIST)

// parseMNIST reads the four embedded MNIST files.
func parseMNIST() (*rawSet, error) {
	fsys, err := fs.Sub(assets.MNIST, "mnist")
	if err != nil {
		return nil, err
	}
	return readRawSet(fsys, mnistFiles, true)
}

// LoadMNIST returns the MNIST digits embedded in the binary, restricted to
// classes: digits as strings, "0" to "9" (nil or empty selects all ten, at
// least two must be selected). Labels are remapped to 0..k−1 in numeric
// order, so {"8","3","5"} gives classes "3","5","8" labelled 0,1,2. The
// train and test sets are MNIST's own (60,000 and 10,000 images in all).
//
// The embedded files are parsed on the first call only; it is safe to call
// LoadMNIST from several goroutines. Each call returns fresh copies of the
// selected samples.
func LoadMNIST(classes []string) (*Dataset, error) {
	raw, err := mnist()
	if err != nil {
		return nil, fmt.Errorf("mnist: the embedded data is damaged: %w", err)
	}
	return raw.dataset("mnist", nil, classes, 0, false)
}

// PreloadMNIST starts parsing the embedded MNIST in the background and
// returns at once, so that a later LoadMNIST need not wait: call it at
// startup. Parsing takes a few hundred milliseconds of one core.
func PreloadMNIST() { go mnist() }
