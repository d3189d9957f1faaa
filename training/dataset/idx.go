package dataset

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/neuralworkbench/workbench/training/regular"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// IDX header constants: a magic number is two zero bytes, the element type
// and the number of dimensions, followed by one big-endian uint32 per
// dimension.
const (
	magicImages = 0x00000803 // unsigned bytes, 3 dimensions: count, rows, cols
	magicLabels = 0x00000801 // unsigned bytes, 1 dimension: count
	typeUbyte   = 0x08
)

// idxTypes names the IDX element types, for messages.
var idxTypes = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "16-bit integer",
	0x0C: "32-bit integer", 0x0D: "float32", 0x0E: "float64",
}

// idxLayout says what an IDX folder holds, for messages.
const idxLayout = "an IDX folder holds train-images-idx3-ubyte and train-labels-idx1-ubyte, " +
	"optionally t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each optionally gzip'd (.gz), " +
	"and optionally classes.txt naming one class per line"

// testFraction is the share of each class split off as the test set when an
// IDX set has no t10k files: 10,000 of MNIST's 70,000.
const testFraction = 1.0 / 7

// LoadIDX loads an MNIST-format IDX set from dir: train-images-idx3-ubyte,
// train-labels-idx1-ubyte and, optionally, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte. Each file may be gzip'd (recognised by its
// content, so a mislabelled .gz loads too); the dot spelling
// train-images.idx3-ubyte and EMNIST's names (emnist-letters-train-…,
// emnist-letters-test-…) are accepted. Images must be 28×28 unsigned bytes.
//
// The classes are the label values present, in numeric order. If
// dir/classes.txt exists, line i names the class with label value i;
// otherwise an EMNIST mapping file (emnist-letters-mapping.txt: "label
// code…" per line) names them by character; otherwise the names are the
// label values. classes selects by name or by label value; nil or empty
// selects all. Labels are remapped to 0..k−1 in label-value order.
//
// Without t10k files, 1/7 of each class is split off as the test set,
// chosen by seed.
//
// Images are used as stored. EMNIST stores its images transposed
// (column-major): models train and test correctly on them, but they look
// mirrored and rotated when shown, and a model trained on them will not
// recognise upright hand-drawn or folder images.
func LoadIDX(dir string, classes []string, seed uint64) (*Dataset, error) {
	abs, err := absDir(dir)
	if err != nil {
		return nil, fmt.Errorf("idx:%w", err)
	}
	source := "idx:" + abs
	if err := statDir(source, abs, idxLayout); err != nil {
		return nil, err
	}
	set, err := findIDXSet(abs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	names, err := readClassNames(abs, set.prefix)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	raw, err := readRawSet(os.DirFS(abs), set.files, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return raw.dataset(source, names, classes, seed, true)
}

// The four files of an IDX set, indexes into idxSet.files.
const (
	trainImages = iota
	trainLabels
	testImages
	testLabels
)

// idxSet names the files of one IDX set in a folder; a test entry is empty
// when the set has no test files.
type idxSet struct {
	prefix string // "" for MNIST's names, "emnist-letters-" for EMNIST's
	files  [4]string
}

// idxName matches the file names of an IDX set (lower-cased): an optional
// prefix, the part, the content and the IDX suffix in either spelling.
var idxName = regexp.MustCompile(`^(.*?)(train|t10k|test)-(images|labels)[.-]idx([13])-ubyte(\.gz)?$`)

// findIDXSet finds the one IDX set in dir.
func findIDXSet(dir string) (*idxSet, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot list the directory: %w", err)
	}
	sets := make(map[string]*idxSet)
	rank := make(map[string]int) // set prefix + role → rank of the file chosen
	var prefixes []string        // in order of first appearance, for messages
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || e.IsDir() {
			continue
		}
		m := idxName.FindStringSubmatch(strings.ToLower(name))
		if m == nil || (m[3] == "images") != (m[4] == "3") {
			continue
		}
		prefix, part, content, gz := m[1], m[2], m[3], m[5] != ""
		role := trainImages
		if part != "train" {
			role = testImages
		}
		if content == "labels" {
			role++
		}
		// Prefer MNIST's t10k to EMNIST's test and an uncompressed file to
		// a .gz (gunzip -k leaves both).
		r := 0
		if part == "test" {
			r += 2
		}
		if gz {
			r++
		}
		s, ok := sets[prefix]
		if !ok {
			s = &idxSet{prefix: prefix}
			sets[prefix] = s
			prefixes = append(prefixes, prefix)
		}
		key := prefix + "/" + strconv.Itoa(role)
		if old, ok := rank[key]; !ok || r < old {
			s.files[role], rank[key] = name, r
		}
	}
	var found []*idxSet
	for _, p := range prefixes {
		if sets[p].files[trainImages] != "" {
			found = append(found, sets[p])
		}
	}
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("no train-images-idx3-ubyte file; %s", idxLayout)
	case len(found) > 1:
		var list []string
		for _, s := range found {
			list = append(list, s.files[trainImages])
		}
		return nil, fmt.Errorf("holds %d IDX sets (%s); put each set in its own folder", len(found), quoteList(list))
	}
	s := found[0]
	if s.files[trainLabels] == "" {
		return nil, fmt.Errorf("has %s but no %strain-labels-idx1-ubyte beside it; %s", s.files[trainImages], s.prefix, idxLayout)
	}
	if (s.files[testImages] == "") != (s.files[testLabels] == "") {
		have, missing := s.files[testImages], s.prefix+"t10k-labels-idx1-ubyte"
		if have == "" {
			have, missing = s.files[testLabels], s.prefix+"t10k-images-idx3-ubyte"
		}
		return nil, fmt.Errorf("has %s but no %s; give both test files or neither (then 1/7 of the training data becomes the test set)", have, missing)
	}
	return s, nil
}

// classNames names classes by label value.
type classNames struct {
	file  string         // where the names came from, for messages
	names map[int]string // label value → class name
}

// maxNamesFile bounds classes.txt and mapping files: no real one comes close.
const maxNamesFile = 1 << 20

// readClassNames reads dir/classes.txt (line i names label value i) or,
// failing that, an EMNIST mapping file (prefix + "mapping.txt"). It returns
// nil when neither exists.
func readClassNames(dir, prefix string) (*classNames, error) {
	text, err := readSmallFile(filepath.Join(dir, "classes.txt"))
	if err == nil {
		names, err := parseClassesTxt(text)
		if err != nil {
			return nil, err
		}
		return &classNames{"classes.txt", names}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("classes.txt: %w", err)
	}
	if prefix == "" {
		return nil, nil
	}
	mapping := prefix + "mapping.txt"
	text, err = readSmallFile(filepath.Join(dir, mapping))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mapping, err)
	}
	names, err := parseMapping(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mapping, err)
	}
	return &classNames{mapping, names}, nil
}

// readSmallFile reads a text file of at most maxNamesFile bytes.
func readSmallFile(path string) (string, error) {
	b, err := regular.ReadFile(path, maxNamesFile)
	return string(b), err
}

// lines splits text into lines without their line endings, dropping a UTF-8
// byte order mark and trailing blank lines.
func lines(text string) []string {
	text = strings.TrimPrefix(text, "\uFEFF")
	ls := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for len(ls) > 0 && strings.TrimSpace(ls[len(ls)-1]) == "" {
		ls = ls[:len(ls)-1]
	}
	return ls
}

// parseClassesTxt reads one class name per line, line i naming label value i.
func parseClassesTxt(text string) (map[int]string, error) {
	names := make(map[int]string)
	seen := make(map[string]int)
	for i, l := range lines(text) {
		name := strings.TrimSpace(l)
		if name == "" {
			return nil, fmt.Errorf("classes.txt: line %d is empty; line i+1 names the class with label value i", i+1)
		}
		if j, dup := seen[name]; dup {
			return nil, fmt.Errorf("classes.txt: line %d repeats %q from line %d; class names must differ", i+1, name, j+1)
		}
		seen[name] = i
		names[i] = name
	}
	if len(names) == 0 {
		return nil, errors.New("classes.txt is empty; it names one class per line, line i+1 for label value i")
	}
	return names, nil
}

// parseMapping reads an EMNIST mapping file: "label code [code…]" per line,
// the codes being the Unicode code points the label stands for (EMNIST
// letters lists upper and lower case: "1 65 97" is "Aa").
func parseMapping(text string) (map[int]string, error) {
	names := make(map[int]string)
	for i, l := range lines(text) {
		f := strings.Fields(l)
		if len(f) < 2 {
			return nil, fmt.Errorf("line %d: %q; expected \"label code\"", i+1, l)
		}
		label, err := strconv.Atoi(f[0])
		if err != nil || label < 0 || label > 255 {
			return nil, fmt.Errorf("line %d: label %q; expected 0 to 255", i+1, f[0])
		}
		var name strings.Builder
		for _, c := range f[1:] {
			code, err := strconv.Atoi(c)
			if err != nil || code <= ' ' || code > 0x10FFFF {
				return nil, fmt.Errorf("line %d: character code %q; expected a printable Unicode code point", i+1, c)
			}
			name.WriteRune(rune(code))
		}
		names[label] = name.String()
	}
	return names, nil
}

// rawSet is a parsed IDX set: frames of pixels bytes and raw label values.
type rawSet struct {
	files   [4]string // names, for messages
	train   rawPart
	test    rawPart
	hasTest bool
}

type rawPart struct {
	images []uint8 // len(labels)×pixels
	labels []uint8
}

// readRawSet reads the files of an IDX set from fsys, concurrently.
func readRawSet(fsys fs.FS, files [4]string, trusted bool) (*rawSet, error) {
	var data [4][]byte
	var errs [4]error
	var wg sync.WaitGroup
	for role, name := range files {
		if name == "" {
			continue
		}
		wg.Go(func() {
			data[role], errs[role] = readIDX(fsys, name, role == trainImages || role == testImages, trusted)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first in role order, so the message is deterministic
		}
	}
	raw := &rawSet{
		files:   files,
		train:   rawPart{data[trainImages], data[trainLabels]},
		test:    rawPart{data[testImages], data[testLabels]},
		hasTest: files[testImages] != "",
	}
	for _, p := range [][2]int{{trainImages, trainLabels}, {testImages, testLabels}} {
		if files[p[0]] == "" {
			continue
		}
		ni, nl := len(data[p[0]])/pixels, len(data[p[1]])
		if ni != nl {
			return nil, fmt.Errorf("%s holds %d images but %s holds %d labels; they must match one to one",
				files[p[0]], ni, files[p[1]], nl)
		}
	}
	if len(raw.train.labels) == 0 {
		return nil, fmt.Errorf("%s holds no images", files[trainImages])
	}
	return raw, nil
}

// dataset selects classes from raw and remaps their labels to 0..k−1 in
// label-value order, copying only the selected samples. names, if not nil,
// names the classes by label value. Without test files it splits off
// testFraction of each class by seed. If consume, the training images
// stay in raw's buffers (see take) and raw is not usable afterwards.
func (raw *rawSet) dataset(source string, names *classNames, want []string, seed uint64, consume bool) (*Dataset, error) {
	var present [256]bool
	var trainCount [256]int
	for _, l := range raw.train.labels {
		present[l] = true
		trainCount[l]++
	}
	for _, l := range raw.test.labels {
		present[l] = true
	}
	var values []int            // label values present, ascending
	var display []string        // their class names
	pos := make(map[string]int) // class name or label value → position in values
	for v, ok := range present {
		if !ok {
			continue
		}
		name := strconv.Itoa(v)
		pos[name] = len(values) // a label value selects its class even when named
		if names != nil {
			n, ok := names.names[v]
			if !ok {
				return nil, fmt.Errorf("%s: the labels include %d but %s names no class for it (it names %d)",
					source, v, names.file, len(names.names))
			}
			name = n
		}
		values = append(values, v)
		display = append(display, name)
	}
	for i, name := range display {
		pos[name] = i // names take precedence over label values
	}
	lookup := func(name string) (int, bool) {
		i, ok := pos[name]
		return i, ok
	}
	sel, err := selectClasses(source, display, want, lookup)
	if err != nil {
		return nil, err
	}
	var remap [256]int32
	for i := range remap {
		remap[i] = -1
	}
	for k, i := range sel {
		v := values[i]
		if trainCount[v] == 0 {
			return nil, fmt.Errorf("%s: class %q has no training images in %s", source, display[i], raw.files[trainImages])
		}
		remap[v] = int32(k)
	}
	d := &Dataset{Source: source, Classes: pick(display, sel)}
	take := rawPart.gather
	if consume {
		take = rawPart.take
	}
	if raw.hasTest {
		d.Train = take(raw.train, &remap, nil)
		d.Test = take(raw.test, &remap, nil)
		return d, nil
	}
	inTest := stratify(raw.train.labels, testFraction, seed, func(v uint8) string {
		return "test:" + strconv.Itoa(int(v))
	})
	// The test images are copied out first; the training images then stay
	// where they were read.
	d.Test = raw.train.gather(&remap, func(i int) bool { return inTest[i] })
	d.Train = take(raw.train, &remap, func(i int) bool { return !inTest[i] })
	return d, nil
}

// take is gather without a copy: the samples kept are moved to the front
// of p's own image buffer (in order: a sample only ever moves towards the
// front), so that reading a set costs its size once. p's images are not
// usable afterwards: the parsed embedded MNIST, which is kept, is gathered.
func (p rawPart) take(remap *[256]int32, keep func(i int) bool) *Split {
	labels := make([]int32, 0, len(p.labels))
	j := 0
	for i, l := range p.labels {
		if remap[l] >= 0 && (keep == nil || keep(i)) {
			if j != i {
				copy(p.images[j*pixels:(j+1)*pixels], p.images[i*pixels:(i+1)*pixels])
			}
			labels = append(labels, remap[l])
			j++
		}
	}
	return &Split{Images: p.images[: j*pixels : j*pixels], Labels: labels}
}

// gather copies the samples of p whose label remap keeps (remap ≥ 0) and,
// if keep is not nil, for which keep(i) holds, relabelled by remap.
func (p rawPart) gather(remap *[256]int32, keep func(i int) bool) *Split {
	n := 0
	for i, l := range p.labels {
		if remap[l] >= 0 && (keep == nil || keep(i)) {
			n++
		}
	}
	s := &Split{Images: make([]uint8, n*pixels), Labels: make([]int32, n)}
	j := 0
	for i, l := range p.labels {
		if remap[l] >= 0 && (keep == nil || keep(i)) {
			copy(s.Images[j*pixels:(j+1)*pixels], p.images[i*pixels:(i+1)*pixels])
			s.Labels[j] = remap[l]
			j++
		}
	}
	return s
}

// errShort reports that data ended before the count its header declared.
var errShort = errors.New("data ends early")

// readIDX reads one IDX file of unsigned bytes from fsys and returns its
// data after the header: pixels for images (which must be 28×28), label
// values for labels. A gzip'd file is recognised by its first bytes.
//
// The header's count is never trusted alone for allocation, and a count
// of more than MaxIDXBytes is refused before anything else is read. A
// plain file's size must match the count before anything is read. A
// gzip'd file must be large enough to decompress to it (deflate expands at
// most about 1032-fold), and it is decompressed twice: first only counting
// its bytes, up to one past the count, then, if it holds exactly that
// many, into one buffer of that size. Memory is the data's size once,
// whatever the header or the gzip trailer claim, for a second pass of
// decompression (about a tenth of a second for MNIST's 47 MB). A trusted
// file (the embedded MNIST) is read in one pass into a buffer of its
// count's size when its trailer agrees with it.
func readIDX(fsys fs.FS, name string, images bool, trusted bool) (data []byte, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("%s: %w", name, err)
		}
	}()
	// Stat first: opening a named pipe would block until a writer comes.
	if fi, err := fs.Stat(fsys, name); err == nil {
		if err := regular.Check("the file", fi); err != nil {
			return nil, err
		}
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(-1) // the file's size, when known
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	var gz *gzipInfo // nil for a plain file
	if b, _ := br.Peek(2); len(b) == 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("damaged gzip data: %w", err)
		}
		defer zr.Close()
		r, gz = zr, gzipSize(f, size)
	}

	noun, dims, want := "labels", 1, uint32(magicLabels)
	if images {
		noun, dims, want = "images", 3, magicImages
	}
	header := make([]byte, 4+4*dims)
	if n, err := io.ReadFull(r, header[:4]); err != nil {
		return nil, fmt.Errorf("ends after %d bytes, too short for an IDX header: %w", n, err)
	}
	magic := binary.BigEndian.Uint32(header)
	switch {
	case header[0] != 0 || header[1] != 0:
		return nil, fmt.Errorf("not an IDX file: it starts with % x; IDX %s files start with 00 00 08 %02x",
			header[:4], noun, dims)
	case header[2] != typeUbyte:
		t, ok := idxTypes[header[2]]
		if !ok {
			t = "unknown"
		}
		return nil, fmt.Errorf("holds %s values (IDX type 0x%02x, magic 0x%08x); Neural Workbench reads unsigned bytes (magic 0x%08x)",
			t, header[2], magic, want)
	case magic == magicLabels && images:
		return nil, fmt.Errorf("is a label file (magic 0x%08x); expected images (magic 0x%08x)", magic, want)
	case magic == magicImages && !images:
		return nil, fmt.Errorf("is an image file (magic 0x%08x); expected labels (magic 0x%08x)", magic, want)
	case magic != want:
		return nil, fmt.Errorf("has %d dimensions (magic 0x%08x); IDX %s files have %d (magic 0x%08x)",
			header[3], magic, noun, dims, want)
	}
	if n, err := io.ReadFull(r, header[4:]); err != nil {
		return nil, fmt.Errorf("ends after %d bytes, inside its %d-byte IDX header: %w", 4+n, len(header), err)
	}
	count := uint64(binary.BigEndian.Uint32(header[4:]))
	each := uint64(1)
	if images {
		rows, cols := binary.BigEndian.Uint32(header[8:]), binary.BigEndian.Uint32(header[12:])
		if rows != side || cols != side {
			return nil, fmt.Errorf("images are %d×%d; Neural Workbench needs %d×%d", rows, cols, side, side)
		}
		each = side * side
	}
	need := count * each // < 2^42: no overflow
	if need > MaxIDXBytes {
		return nil, fmt.Errorf("declares %d %s (%.1f GB); at most %d GB of an IDX file's data is read", count, noun, float64(need)/(1<<30), MaxIDXBytes>>30)
	}
	total := int64(len(header)) + int64(need) // the decompressed size the header implies
	if gz != nil && gz.limit >= 0 && total > gz.limit {
		return nil, fmt.Errorf("truncated: the header declares %d %s (%d bytes) but a gzip file of %d bytes cannot hold more than %d",
			count, noun, need, size, gz.limit)
	}
	if gz == nil && size >= 0 {
		have := size - int64(len(header))
		switch {
		case have < int64(need):
			return nil, fmt.Errorf("truncated: the header declares %d %s (%d bytes) but the file holds %d bytes after the header, %d short",
				count, noun, need, have, int64(need)-have)
		case have > int64(need):
			return nil, fmt.Errorf("has %d bytes more than the %d %s its header declares; the header or the file is wrong",
				have-int64(need), count, noun)
		}
	}
	exact := gz == nil || (trusted && gz.limit >= 0 && gz.trailer == uint32(total))
	if !exact {
		// Count what the stream really holds before allocating for it.
		got, err := gunzipped(fsys, name, total+1)
		switch {
		case err != nil:
			return nil, fmt.Errorf("damaged or cut-short gzip data after %d bytes: %w", max(0, got-int64(len(header))), err)
		case got < total:
			return nil, fmt.Errorf("truncated: the header declares %d %s (%d bytes) but the data ends after %d bytes, %d short",
				count, noun, need, got-int64(len(header)), total-got)
		case got > total:
			return nil, fmt.Errorf("holds more data than the %d %s its header declares; the header or the file is wrong", count, noun)
		}
		exact = true
	}
	data, err = readN(r, int64(need), exact)
	switch {
	case errors.Is(err, errShort):
		return nil, fmt.Errorf("truncated: the header declares %d %s (%d bytes) but the data ends after %d bytes, %d short",
			count, noun, need, len(data), int64(need)-int64(len(data)))
	case err != nil && gz != nil:
		return nil, fmt.Errorf("damaged or cut-short gzip data after %d bytes: %w", len(data), err)
	case err != nil:
		return nil, err
	}
	// Reading on to the end also makes gzip verify its checksum.
	var extra [1]byte
	switch n, err := io.ReadFull(r, extra[:]); {
	case n > 0:
		return nil, fmt.Errorf("holds more data than the %d %s its header declares; the header or the file is wrong", count, noun)
	case err != io.EOF && gz != nil:
		return nil, fmt.Errorf("damaged gzip data: %w", err)
	case err != io.EOF:
		return nil, err
	}
	return data, nil
}

// MaxIDXBytes bounds the data of one IDX file: 2 GB, 2.7 million 28×28
// images, 39 times MNIST's training set. A larger count is refused from
// the header.
const MaxIDXBytes = 2 << 30

// gunzipped returns how many bytes the gzip file name decompresses to, up
// to limit, reading no further.
func gunzipped(fsys fs.FS, name string, limit int64) (int64, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return 0, err
	}
	n, err := io.CopyN(io.Discard, zr, limit)
	if err == io.EOF {
		err = nil
	}
	return n, err
}

// maxDeflateRatio bounds how many bytes one byte of deflate data can expand
// to (1032 in theory; rounded up).
const maxDeflateRatio = 1040

// gzipInfo is what the end of a gzip file says about its content.
type gzipInfo struct {
	limit   int64  // most bytes the file can decompress to, or -1 if unknown
	trailer uint32 // the decompressed size modulo 2^32 from the gzip trailer
}

// gzipSize reads the trailer of the gzip file f of size bytes, if f can
// read at an offset.
func gzipSize(f fs.File, size int64) *gzipInfo {
	info := &gzipInfo{limit: -1}
	ra, ok := f.(io.ReaderAt)
	if !ok || size < 18 || size > math.MaxInt64/maxDeflateRatio {
		return info
	}
	var b [4]byte
	if _, err := ra.ReadAt(b[:], size-4); err != nil {
		return info
	}
	info.limit, info.trailer = size*maxDeflateRatio, binary.LittleEndian.Uint32(b[:])
	return info
}

// readN reads exactly n bytes from r. Unless exact, it grows its buffer as
// data arrives, so memory follows the data actually present rather than n.
// It returns errShort if r ends cleanly before n bytes, and r's error
// otherwise.
func readN(r io.Reader, n int64, exact bool) ([]byte, error) {
	const first = 4 << 20
	buf := make([]byte, 0, min(n, first))
	if exact {
		buf = make([]byte, 0, n)
	}
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			if int64(len(buf)) < n {
				return buf, errShort
			}
			break
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
