package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/neuralworkbench/workbench/training/imageproc"
)

// imageExts are the extensions of the files a folder dataset reads, compared
// case-insensitively.
var imageExts = []string{".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"}

// folderLayout says what an image folder holds, for messages.
const folderLayout = "expected DIR/<class>/<images> with at least 2 class folders, " +
	"or DIR/train/<class>/… and DIR/test/<class>/…; images are .png, .jpg, .jpeg, .gif, .bmp, .webp, .tif or .tiff"

// folderTestFraction is the share of each class split off as the test set
// when an image folder has no train and test folders.
const folderTestFraction = 0.2

// LoadFolder loads labelled images laid out as torchvision's ImageFolder
// expects: DIR/<class>/<image>, one folder per class (at least two), with
// class folders in subfolders of their own searched too. Images are .png,
// .jpg, .jpeg, .gif, .bmp, .webp, .tif or .tiff in any letter case; hidden
// files and folders and other files are ignored. Classes are sorted by
// name and classes selects among them by folder name (nil or empty selects
// all).
//
// If DIR holds train and test folders, they give the two sets and must
// hold the same class folders (other folders beside them are ignored);
// otherwise 20% of each class, chosen by seed, becomes the test set, with at
// least one image of each class left for training.
//
// Every image goes through imageproc.PreprocessFile, in parallel; the
// result does not depend on the scheduling. Images that cannot be read,
// decoded or that are blank are skipped and listed in Dataset.Skipped; a
// class left with no images is an error.
func LoadFolder(dir string, classes []string, seed uint64) (*Dataset, error) {
	abs, err := absDir(dir)
	if err != nil {
		return nil, fmt.Errorf("folder:%w", err)
	}
	source := "folder:" + abs
	if err := statDir(source, abs, folderLayout); err != nil {
		return nil, err
	}
	parts, names, err := classFolders(source, abs)
	if err != nil {
		return nil, err
	}
	sel, err := selectClasses(source, names, classes, func(name string) (int, bool) {
		i, ok := slices.BinarySearch(names, name)
		return i, ok
	})
	if err != nil {
		return nil, err
	}

	// List every image of the selected classes, part by part and class by
	// class, in sorted order.
	type group struct {
		part  int // index into parts
		label int32
		files []string
	}
	var groups []group
	var paths []string
	for p, part := range parts {
		for k, i := range sel {
			classDir := filepath.Join(abs, part, names[i])
			files, err := imageFiles(classDir)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", source, err)
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("%s: class folder %q has no images; %s", source, filepath.Join(part, names[i]), folderLayout)
			}
			groups = append(groups, group{p, int32(k), files})
			paths = append(paths, files...)
		}
	}

	results := preprocessAll(paths, runtime.NumCPU(), imageproc.NewBudget(folderPixels))
	d := &Dataset{Source: source, Classes: pick(names, sel)}
	sets := make([]*Split, len(parts))
	for i := range sets {
		sets[i] = &Split{}
	}
	next := 0
	for _, g := range groups {
		s := sets[g.part]
		var firstSkip string
		n := 0
		for _, path := range g.files {
			r := results[next]
			next++
			if r.err != nil {
				skip := path + ": " + strings.TrimPrefix(r.err.Error(), path+": ")
				d.Skipped = append(d.Skipped, skip)
				if firstSkip == "" {
					firstSkip = skip
				}
				continue
			}
			s.Images = append(s.Images, r.frame...)
			s.Labels = append(s.Labels, g.label)
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("%s: class folder %q has no readable images (%d skipped; first: %s)",
				source, filepath.Join(parts[g.part], d.Classes[g.label]), len(g.files), firstSkip)
		}
	}
	if len(parts) == 2 {
		d.Train, d.Test = sets[0], sets[1]
		return d, nil
	}
	// Every class needs a test image: one in five is set aside, so a
	// class needs at least 3 readable images (round(0.2·3) = 1).
	var small []string
	for k, n := range sets[0].ClassCounts(len(d.Classes)) {
		if math.Round(folderTestFraction*float64(n)) < 1 {
			small = append(small, fmt.Sprintf("%s (%d)", d.Classes[k], n))
		}
	}
	if len(small) > 0 {
		return nil, fmt.Errorf("%s: %d of %d classes have too few readable images to set one aside for testing (at least 3 are needed): %s; add images, or give the test images in a test folder: %s",
			source, len(small), len(d.Classes), strings.Join(cut(small, 12), ", "), folderLayout)
	}
	inTest := stratify(sets[0].Labels, folderTestFraction, seed, func(label int32) string {
		return "test:" + d.Classes[label]
	})
	d.Train, d.Test = sets[0].partition(inTest)
	return d, nil
}

// cut returns the first n items of a list, the last one saying how many
// more there are.
func cut(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	return append(slices.Clone(items[:n-1]), fmt.Sprintf("… and %d more", len(items)-n+1))
}

// classFolders finds the class folders of the image folder dir: parts are
// the folders holding them relative to dir ("" for dir itself, or its train
// and test folders) and names the class folder names, sorted.
func classFolders(source, dir string) (parts, names []string, err error) {
	top, err := subdirs(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", source, err)
	}
	parts, names = []string{""}, top
	trainDir, testDir := findFold(top, "train"), findFold(top, "test")
	if trainDir != "" || testDir != "" {
		if trainDir == "" || testDir == "" {
			have, missing := trainDir, "test"
			if have == "" {
				have, missing = testDir, "train"
			}
			return nil, nil, fmt.Errorf("%s: has a %q folder but no %q folder; use both DIR/train/<class> and DIR/test/<class>, or put the class folders directly in DIR",
				source, have, missing)
		}
		trainNames, err := subdirs(filepath.Join(dir, trainDir))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", source, err)
		}
		testNames, err := subdirs(filepath.Join(dir, testDir))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", source, err)
		}
		if !slices.Equal(trainNames, testNames) {
			return nil, nil, fmt.Errorf("%s: the %s and %s folders must hold the same class folders: only in %s: %s; only in %s: %s",
				source, trainDir, testDir, trainDir, quoteList(minus(trainNames, testNames)), testDir, quoteList(minus(testNames, trainNames)))
		}
		parts, names = []string{trainDir, testDir}, trainNames
	}
	if len(names) < 2 {
		where := ""
		if len(parts) == 2 {
			where = " in " + parts[0] + " and " + parts[1]
		}
		if len(names) == 0 && hasImages(dir) {
			return nil, nil, fmt.Errorf("%s: holds images but no class folders; put each class's images in a folder named after the class: %s", source, folderLayout)
		}
		found := "none"
		if len(names) == 1 {
			found = "1: " + quoteList(names)
		}
		return nil, nil, fmt.Errorf("%s: needs at least 2 class folders%s (found %s); %s", source, where, found, folderLayout)
	}
	return parts, names, nil
}

// findFold returns the name in names equal to want ignoring case, or "".
func findFold(names []string, want string) string {
	for _, n := range names {
		if strings.EqualFold(n, want) {
			return n
		}
	}
	return ""
}

// minus returns the names in a that are not in b.
func minus(a, b []string) []string {
	var out []string
	for _, n := range a {
		if !slices.Contains(b, n) {
			out = append(out, n)
		}
	}
	return out
}

// ignored reports whether a file or folder name is skipped: hidden names and
// the __MACOSX folder macOS adds to zip files.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || name == "__MACOSX"
}

// isImage reports whether name has one of imageExts.
func isImage(name string) bool {
	return slices.Contains(imageExts, strings.ToLower(filepath.Ext(name)))
}

// subdirs returns the sorted names of the folders in dir, following
// symbolic links and leaving out ignored names.
func subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot list %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if ignored(e.Name()) {
			continue
		}
		if isDir(filepath.Join(dir, e.Name()), e) {
			names = append(names, e.Name())
		}
	}
	return names, nil // os.ReadDir sorts by name
}

// isDir reports whether entry e at path is a folder or a link to one.
func isDir(path string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink != 0 {
		fi, err := os.Stat(path)
		return err == nil && fi.IsDir()
	}
	return e.IsDir()
}

// hasImages reports whether dir directly holds an image file.
func hasImages(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !ignored(e.Name()) && !e.IsDir() && isImage(e.Name()) {
			return true
		}
	}
	return false
}

// imageFiles returns the image files under dir, searching subfolders too
// (but not following links to folders), in lexical order of their paths.
func imageFiles(dir string) ([]string, error) {
	var files []string
	// With a trailing separator the walk starts inside dir even when dir
	// is a link to a folder (WalkDir follows no links, its root's either).
	root := dir + string(filepath.Separator)
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("cannot list %s: %w", filepath.Clean(path), err)
		}
		if path == root {
			return nil
		}
		if ignored(e.Name()) {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.IsDir() && isImage(e.Name()) {
			files = append(files, path)
		}
		return nil
	})
	return files, err
}

// preprocessed is the frame made from one image file, or why there is none.
type preprocessed struct {
	frame []uint8
	err   error
}

// folderPixels bounds the pixels of a folder's images decoded at once,
// whatever the number of cores: a 50-megapixel image alone, or many small
// ones (about 450 MB at most for 16-bit RGBA and its grayscale).
const folderPixels = imageproc.MaxPixels

// preprocessAll runs preprocess on every path with workers goroutines,
// the pixels decoded at once bounded by b; result i belongs to paths[i]
// whatever the scheduling.
func preprocessAll(paths []string, workers int, b *imageproc.Budget) []preprocessed {
	results := make([]preprocessed, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(paths)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				frame, err := preprocess(paths[i], b)
				results[i] = preprocessed{frame, err}
			}
		})
	}
	wg.Wait()
	return results
}

// preprocess turns one image file into a 28×28 frame. A panic in an image
// decoder on a malformed file becomes an error, so one bad file cannot take
// the application down.
func preprocess(path string, budget *imageproc.Budget) (frame []uint8, err error) {
	defer func() {
		if p := recover(); p != nil {
			frame, err = nil, fmt.Errorf("the image decoder failed: %v", p)
		}
	}()
	st, err := imageproc.FrameFileWithin(path, budget)
	if err != nil {
		return nil, err
	}
	f := st.Frame
	if f == nil || f.Rect.Dx() != side || f.Rect.Dy() != side {
		return nil, errors.New("preprocessing did not give a 28×28 frame")
	}
	frame = make([]uint8, pixels)
	for y := range side {
		o := f.PixOffset(f.Rect.Min.X, f.Rect.Min.Y+y)
		copy(frame[y*side:(y+1)*side], f.Pix[o:o+side])
	}
	return frame, nil
}
