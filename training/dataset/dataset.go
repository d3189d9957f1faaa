// Package dataset loads the labelled images Neural Workbench trains on: the
// MNIST digits embedded in the binary, any MNIST-format IDX set from a
// folder (Fashion-MNIST, KMNIST, EMNIST, …) and torchvision-style image
// folders, each restricted to the classes the user picked and split into
// training and test sets.
//
// Every frame is 28×28 bytes, row-major, ink bright on a dark background
// (the MNIST convention), so the three sources are interchangeable.
//
// Loaders never panic on bad data: every malformed, truncated or forged
// input becomes an error that names the source, the file and what is
// allowed, wrapping the underlying error with %w. Splits are deterministic:
// the same files, classes and seed give the same splits byte for byte on
// every platform.
package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/neuralworkbench/workbench/training/imageproc"
)

// side and pixels are a frame's side and its size in bytes.
const (
	side   = imageproc.Size
	pixels = imageproc.Pixels
)

// Split is a set of labelled 28×28 frames, ink bright (MNIST convention).
type Split struct {
	Images []uint8 // Len()×imageproc.Pixels bytes, row-major frames
	Labels []int32 // class index into Dataset.Classes, 0..len(Classes)-1
}

// Len returns the number of samples in s.
func (s *Split) Len() int {
	if s == nil {
		return 0
	}
	return len(s.Labels)
}

// Image returns the i-th frame of s as a sub-slice of s.Images (no copy).
// Its capacity ends with the frame, so appending to it cannot overwrite the
// next one. It panics if i is out of range, as slice indexing does.
func (s *Split) Image(i int) []uint8 {
	lo, hi := i*pixels, (i+1)*pixels
	return s.Images[lo:hi:hi]
}

// Subset returns a new split holding copies of the samples listed in idx, in
// that order (an index may repeat). It panics if an index is out of range.
func (s *Split) Subset(idx []int) *Split {
	out := &Split{
		Images: make([]uint8, len(idx)*pixels),
		Labels: make([]int32, len(idx)),
	}
	for j, i := range idx {
		copy(out.Image(j), s.Image(i))
		out.Labels[j] = s.Labels[i]
	}
	return out
}

// ClassCounts returns how many samples of s carry each label 0..k-1; labels
// outside that range are not counted.
func (s *Split) ClassCounts(k int) []int {
	counts := make([]int, max(k, 0))
	if s == nil {
		return counts
	}
	for _, l := range s.Labels {
		if l >= 0 && int(l) < len(counts) {
			counts[l]++
		}
	}
	return counts
}

// Dataset is a loaded data source restricted to the selected classes.
type Dataset struct {
	Source  string   // canonical: "mnist", "idx:/abs/dir" or "folder:/abs/dir"
	Classes []string // display names in label order: for MNIST/IDX the label values ("3","5","8") unless DIR/classes.txt names them; for folders the folder names
	Train   *Split
	Test    *Split
	Skipped []string // folder datasets: "path: reason" for each unreadable image that was skipped
}

// Specs accepted by Open, for messages.
const specHelp = `"mnist", "idx:DIR" or "folder:DIR"`

// Open loads the data source named by spec: "mnist" (the embedded MNIST),
// "idx:DIR" or "folder:DIR". A relative DIR is taken from the working
// directory and a leading "~/" from the home directory.
//
// classes selects classes by name (for MNIST/IDX the label numbers as
// strings, e.g. {"3","5","8"}; for folders the folder names); nil or empty
// selects all. At least two classes must be selected.
//
// seed makes any random split (folder datasets without train/test folders,
// IDX sets without t10k files) deterministic.
func Open(spec string, classes []string, seed uint64) (*Dataset, error) {
	s := strings.TrimSpace(spec)
	if strings.EqualFold(s, "mnist") {
		return LoadMNIST(classes)
	}
	kind, dir, ok := strings.Cut(s, ":")
	kind = strings.ToLower(kind)
	if !ok || (kind != "idx" && kind != "folder") {
		return nil, fmt.Errorf("unknown data source %q; use %s", spec, specHelp)
	}
	if dir == "" {
		return nil, fmt.Errorf("data source %q names no directory; use %s", spec, specHelp)
	}
	if kind == "idx" {
		return LoadIDX(dir, classes, seed)
	}
	return LoadFolder(dir, classes, seed)
}

// absDir returns the absolute, cleaned form of dir, expanding a leading "~/".
func absDir(dir string) (string, error) {
	if dir == "~" || strings.HasPrefix(dir, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("%s: cannot find the home directory: %w", dir, err)
		}
		dir = filepath.Join(home, dir[1:])
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("%s: %w", dir, err)
	}
	return abs, nil
}

// statDir checks that dir exists and is a directory; layout says what the
// directory should hold, for the messages.
func statDir(source, dir, layout string) error {
	fi, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err):
		return fmt.Errorf("%s: no such directory; %s: %w", source, layout, err)
	case err != nil:
		return fmt.Errorf("%s: cannot open the directory: %w", source, err)
	case !fi.IsDir():
		return fmt.Errorf("%s: is a file, not a directory; %s", source, layout)
	}
	return nil
}

// selectClasses returns the positions in available of the requested
// classes, ascending and without repeats; nil or empty want selects all.
// lookup maps a requested name to its position. Fewer than two selected
// classes is an error: a classifier needs at least two.
func selectClasses(source string, available []string, want []string, lookup func(string) (int, bool)) ([]int, error) {
	if len(want) == 0 {
		if len(available) < 2 {
			return nil, fmt.Errorf("%s: needs at least 2 classes to train a classifier (found %d: %s)",
				source, len(available), quoteList(available))
		}
		sel := make([]int, len(available))
		for i := range sel {
			sel[i] = i
		}
		return sel, nil
	}
	chosen := make([]bool, len(available))
	for _, name := range want {
		i, ok := lookup(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("%s: unknown class %q (available: %s)", source, name, quoteList(available))
		}
		chosen[i] = true
	}
	var sel []int
	for i, c := range chosen {
		if c {
			sel = append(sel, i)
		}
	}
	if len(sel) < 2 {
		return nil, fmt.Errorf("%s: needs at least 2 classes to train a classifier (selected %d: %s; available: %s)",
			source, len(sel), quoteList(pick(available, sel)), quoteList(available))
	}
	return sel, nil
}

// pick returns names[i] for each i in idx.
func pick(names []string, idx []int) []string {
	out := make([]string, len(idx))
	for j, i := range idx {
		out[j] = names[i]
	}
	return out
}

// quoteList formats names as "a", "b", "c" for messages, eliding the middle
// of long lists.
func quoteList(names []string) string {
	const most = 12
	q := make([]string, 0, min(len(names), most+1))
	for i, n := range names {
		if len(names) > most && i == most-2 {
			q = append(q, "… ("+strconv.Itoa(len(names)-most+1)+" more)")
			q = append(q, strconv.Quote(names[len(names)-1]))
			break
		}
		q = append(q, strconv.Quote(n))
	}
	if len(q) == 0 {
		return "none"
	}
	return strings.Join(q, ", ")
}
