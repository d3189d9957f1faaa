package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// Fixtures: each frame carries its sample id in bytes 0–1 and its raw label
// value in byte 2, so tests can tell exactly which samples landed where.

func fixtureFrame(id int, label uint8) []byte {
	f := make([]byte, pixels)
	f[0], f[1], f[2] = byte(id), byte(id>>8), label
	for i := 3; i < pixels; i++ {
		f[i] = byte(i * (id + 1))
	}
	return f
}

func frameID(f []uint8) int { return int(f[0]) | int(f[1])<<8 }

func frameLabel(f []uint8) uint8 { return f[2] }

// idxBytes returns an IDX file: magic, one big-endian uint32 per dimension,
// then data.
func idxBytes(magic uint32, dims []uint32, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// idxPart returns the image and label files of samples with the given label
// values, ids starting at firstID.
func idxPart(labels []uint8, firstID int) (images, labelFile []byte) {
	var data []byte
	for i, l := range labels {
		data = append(data, fixtureFrame(firstID+i, l)...)
	}
	n := uint32(len(labels))
	return idxBytes(magicImages, []uint32{n, 28, 28}, data), idxBytes(magicLabels, []uint32{n}, labels)
}

// cycle returns n labels cycling through 0..k−1.
func cycle(n, k int) []uint8 {
	l := make([]uint8, n)
	for i := range l {
		l[i] = uint8(i % k)
	}
	return l
}

// idxDir writes an IDX set to a new directory: 40 training samples and, if
// withTest, 12 test samples (ids from 1000), labels cycling through 0..3.
// names are the four file names (train images, train labels, test images,
// test labels); a name ending in .gz is written gzip'd.
func idxDir(t testing.TB, withTest bool, names [4]string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if strings.HasSuffix(name, ".gz") {
			b = gzipBytes(t, b)
		}
		writeFile(t, filepath.Join(dir, name), b)
	}
	im, lb := idxPart(cycle(40, 4), 0)
	write(names[0], im)
	write(names[1], lb)
	if withTest {
		im, lb := idxPart(cycle(12, 4), 1000)
		write(names[2], im)
		write(names[3], lb)
	}
	return dir
}

var (
	plainNames = [4]string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}
	gzipNames  = [4]string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}
	dotNames   = [4]string{"train-images.idx3-ubyte", "train-labels.idx1-ubyte", "t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte"}
)

// checkSplit checks that every frame of s is a fixture frame whose raw label
// maps to its label through classes, and returns the sample ids in order.
func checkSplit(t *testing.T, name string, s *Split, classes []string) []int {
	t.Helper()
	if len(s.Images) != s.Len()*pixels {
		t.Fatalf("%s: %d image bytes for %d labels", name, len(s.Images), s.Len())
	}
	ids := make([]int, s.Len())
	for i := range s.Len() {
		f := s.Image(i)
		ids[i] = frameID(f)
		if !bytes.Equal(f, fixtureFrame(ids[i], frameLabel(f))) {
			t.Fatalf("%s: frame %d is not fixture frame %d intact", name, i, ids[i])
		}
		l := s.Labels[i]
		if l < 0 || int(l) >= len(classes) {
			t.Fatalf("%s: label %d of sample %d outside 0..%d", name, l, i, len(classes)-1)
		}
		if got, want := fmt.Sprint(frameLabel(f)), classes[l]; got != want {
			t.Fatalf("%s: sample %d (raw label %s) labelled %d = %q", name, ids[i], got, l, want)
		}
	}
	return ids
}

func TestLoadIDX(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files [4]string
	}{{"plain", plainNames}, {"gzip", gzipNames}, {"dot spelling", dotNames}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := idxDir(t, true, tc.files)
			d, err := LoadIDX(dir, nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			if want := "idx:" + dir; d.Source != want {
				t.Errorf("Source = %q, want %q", d.Source, want)
			}
			if want := []string{"0", "1", "2", "3"}; !slices.Equal(d.Classes, want) {
				t.Errorf("Classes = %q, want %q", d.Classes, want)
			}
			trainIDs := checkSplit(t, "train", d.Train, d.Classes)
			testIDs := checkSplit(t, "test", d.Test, d.Classes)
			if want := seq(0, 40); !slices.Equal(trainIDs, want) {
				t.Errorf("train ids = %v, want %v (file order)", trainIDs, want)
			}
			if want := seq(1000, 1012); !slices.Equal(testIDs, want) {
				t.Errorf("test ids = %v, want %v (file order)", testIDs, want)
			}
			if d.Skipped != nil {
				t.Errorf("Skipped = %q, want none", d.Skipped)
			}
		})
	}
}

func seq(lo, hi int) []int {
	s := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

func TestLoadIDXSelectsAndRemaps(t *testing.T) {
	dir := idxDir(t, true, gzipNames)
	d, err := LoadIDX(dir, []string{"3", "1", "3"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1", "3"}; !slices.Equal(d.Classes, want) {
		t.Fatalf("Classes = %q, want %q (numeric order, no repeats)", d.Classes, want)
	}
	checkSplit(t, "train", d.Train, d.Classes) // raw 1 → 0, raw 3 → 1
	if got, want := d.Train.ClassCounts(2), []int{10, 10}; !slices.Equal(got, want) {
		t.Errorf("train ClassCounts = %v, want %v", got, want)
	}
	if got, want := d.Test.ClassCounts(2), []int{3, 3}; !slices.Equal(got, want) {
		t.Errorf("test ClassCounts = %v, want %v", got, want)
	}
}

func TestLoadIDXClassesTxt(t *testing.T) {
	dir := idxDir(t, true, plainNames)
	writeFile(t, filepath.Join(dir, "classes.txt"), []byte("\uFEFFT-shirt\r\nTrouser\r\nPullover\r\nDress\r\n\r\n"))
	d, err := LoadIDX(dir, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"T-shirt", "Trouser", "Pullover", "Dress"}; !slices.Equal(d.Classes, want) {
		t.Errorf("Classes = %q, want %q", d.Classes, want)
	}
	// Names and label values both select.
	d, err = LoadIDX(dir, []string{"Dress", "1"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Trouser", "Dress"}; !slices.Equal(d.Classes, want) {
		t.Errorf("Classes = %q, want %q (label order)", d.Classes, want)
	}
	for i := range d.Train.Len() {
		raw, label := frameLabel(d.Train.Image(i)), d.Train.Labels[i]
		if (raw == 1) != (label == 0) || (raw == 3) != (label == 1) {
			t.Fatalf("sample with raw label %d labelled %d, want Trouser→0, Dress→1", raw, label)
		}
	}
}

func TestLoadIDXEMNIST(t *testing.T) {
	names := [4]string{
		"emnist-letters-train-images-idx3-ubyte.gz", "emnist-letters-train-labels-idx1-ubyte.gz",
		"emnist-letters-test-images-idx3-ubyte.gz", "emnist-letters-test-labels-idx1-ubyte.gz",
	}
	dir := idxDir(t, true, names)
	writeFile(t, filepath.Join(dir, "emnist-letters-mapping.txt"), []byte("0 48\n1 65 97\n2 66 98\n3 67 99\n"))
	d, err := LoadIDX(dir, []string{"Aa", "3"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Aa", "Cc"}; !slices.Equal(d.Classes, want) {
		t.Errorf("Classes = %q, want %q", d.Classes, want)
	}
	if d.Train.Len() != 20 || d.Test.Len() != 6 {
		t.Errorf("train, test = %d, %d samples, want 20, 6", d.Train.Len(), d.Test.Len())
	}
}

func TestLoadIDXSplitsOffTest(t *testing.T) {
	dir := t.TempDir()
	labels := cycle(70*3, 3) // 70 of each class
	im, lb := idxPart(labels, 0)
	writeFile(t, filepath.Join(dir, "train-images-idx3-ubyte.gz"), gzipBytes(t, im))
	writeFile(t, filepath.Join(dir, "train-labels-idx1-ubyte"), lb)

	d, err := LoadIDX(dir, nil, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Test.ClassCounts(3), []int{10, 10, 10}; !slices.Equal(got, want) {
		t.Errorf("test ClassCounts = %v, want %v (1/7 of each class)", got, want)
	}
	if got, want := d.Train.ClassCounts(3), []int{60, 60, 60}; !slices.Equal(got, want) {
		t.Errorf("train ClassCounts = %v, want %v", got, want)
	}
	train := checkSplit(t, "train", d.Train, d.Classes)
	test := checkSplit(t, "test", d.Test, d.Classes)
	all := slices.Sorted(slices.Values(append(slices.Clone(train), test...)))
	if !slices.Equal(all, seq(0, 210)) {
		t.Errorf("train and test together hold ids %v, want each of 0..209 once", all)
	}
	if !slices.IsSorted(train) || !slices.IsSorted(test) {
		t.Errorf("train or test not in file order")
	}

	again, err := LoadIDX(dir, nil, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !equalSplits(d.Train, again.Train) || !equalSplits(d.Test, again.Test) {
		t.Errorf("LoadIDX with the same seed gave different splits")
	}
	other, err := LoadIDX(dir, nil, 8)
	if err != nil {
		t.Fatal(err)
	}
	if equalSplits(d.Test, other.Test) {
		t.Errorf("LoadIDX with seeds 7 and 8 gave the same test split")
	}

	// A class's test samples do not depend on which other classes are selected.
	sub, err := LoadIDX(dir, []string{"0", "2"}, 7)
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, id := range test {
		if id%3 != 1 {
			want = append(want, id)
		}
	}
	if got := checkSplit(t, "test", sub.Test, sub.Classes); !slices.Equal(got, want) {
		t.Errorf("test ids selecting 0 and 2 = %v, want %v", got, want)
	}
}

func equalSplits(a, b *Split) bool {
	return bytes.Equal(a.Images, b.Images) && slices.Equal(a.Labels, b.Labels)
}

func TestLoadIDXErrors(t *testing.T) {
	trainIm, trainLb := idxPart(cycle(40, 4), 0)
	truncate := func(b []byte, n int) []byte { return b[:len(b)-n] }
	put := func(name string, b []byte) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, name), b) }
	}
	for _, tc := range []struct {
		name    string
		files   [4]string // base set written first (gzipNames or plainNames)
		setup   func(t *testing.T, dir string)
		classes []string
		want    string // the message after "idx:DIR: "
	}{
		{"image magic is a label file", plainNames,
			put("train-images-idx3-ubyte", idxBytes(magicLabels, []uint32{40}, cycle(40, 4))), nil,
			"train-images-idx3-ubyte: is a label file (magic 0x00000801); expected images (magic 0x00000803)"},
		{"image magic not IDX", plainNames,
			put("train-images-idx3-ubyte", []byte("<html><body>404</body></html>")), nil,
			"train-images-idx3-ubyte: not an IDX file: it starts with 3c 68 74 6d; IDX images files start with 00 00 08 03"},
		{"image magic float", plainNames,
			put("train-images-idx3-ubyte", idxBytes(0x00000D03, []uint32{0, 28, 28}, nil)), nil,
			"train-images-idx3-ubyte: holds float32 values (IDX type 0x0d, magic 0x00000d03); Neural Workbench reads unsigned bytes (magic 0x00000803)"},
		{"image magic 4 dims", plainNames,
			put("train-images-idx3-ubyte", idxBytes(0x00000804, []uint32{0, 28, 28, 1}, nil)), nil,
			"train-images-idx3-ubyte: has 4 dimensions (magic 0x00000804); IDX images files have 3 (magic 0x00000803)"},
		{"label magic is an image file", gzipNames,
			put("train-labels-idx1-ubyte.gz", gzipBytes(t, trainIm)), nil,
			"train-labels-idx1-ubyte.gz: is an image file (magic 0x00000803); expected labels (magic 0x00000801)"},
		{"images 32×32", plainNames,
			put("train-images-idx3-ubyte", idxBytes(magicImages, []uint32{40, 32, 32}, make([]byte, 40*32*32))), nil,
			"train-images-idx3-ubyte: images are 32×32; Neural Workbench needs 28×28"},
		{"count mismatch", gzipNames,
			put("train-labels-idx1-ubyte.gz", gzipBytes(t, idxBytes(magicLabels, []uint32{39}, cycle(39, 4)))), nil,
			"train-images-idx3-ubyte.gz holds 40 images but train-labels-idx1-ubyte.gz holds 39 labels; they must match one to one"},
		{"truncated file", plainNames,
			put("train-images-idx3-ubyte", truncate(trainIm, 1000)), nil,
			"train-images-idx3-ubyte: truncated: the header declares 40 images (31360 bytes) but the file holds 30360 bytes after the header, 1000 short"},
		{"truncated header", plainNames,
			put("train-labels-idx1-ubyte", []byte{0, 0, 8, 1, 0}), nil,
			"train-labels-idx1-ubyte: ends after 5 bytes, inside its 8-byte IDX header: unexpected EOF"},
		{"empty file", plainNames,
			put("train-labels-idx1-ubyte", nil), nil,
			"train-labels-idx1-ubyte: ends after 0 bytes, too short for an IDX header: EOF"},
		{"trailing bytes", plainNames,
			put("train-labels-idx1-ubyte", append(slices.Clone(trainLb), 0, 0)), nil,
			"train-labels-idx1-ubyte: has 2 bytes more than the 40 labels its header declares; the header or the file is wrong"},
		{"truncated gzip stream", gzipNames,
			put("train-images-idx3-ubyte.gz", truncate(gzipBytes(t, trainIm), 200)), nil,
			"train-images-idx3-ubyte.gz: damaged or cut-short gzip data after "},
		{"gzip'd IDX data truncated", gzipNames,
			put("train-images-idx3-ubyte.gz", gzipBytes(t, truncate(trainIm, 784))), nil,
			"train-images-idx3-ubyte.gz: truncated: the header declares 40 images (31360 bytes) but the data ends after 30576 bytes, 784 short"},
		{"gzip checksum", gzipNames,
			func(t *testing.T, dir string) {
				b := gzipBytes(t, trainLb)
				b[len(b)-8] ^= 0xff // CRC-32 in the gzip trailer
				writeFile(t, filepath.Join(dir, "train-labels-idx1-ubyte.gz"), b)
			}, nil,
			"train-labels-idx1-ubyte.gz: damaged or cut-short gzip data after 40 bytes: gzip: invalid checksum"},
		{"forged count", plainNames,
			put("train-images-idx3-ubyte", idxBytes(magicImages, []uint32{2_000_000, 28, 28}, make([]byte, 784))), nil,
			"train-images-idx3-ubyte: truncated: the header declares 2000000 images (1568000000 bytes) but the file holds 784 bytes after the header, 1567999216 short"},
		{"forged count gzip'd", gzipNames,
			put("train-images-idx3-ubyte.gz", gzipBytes(t, idxBytes(magicImages, []uint32{2_000_000, 28, 28}, make([]byte, 784)))), nil,
			"train-images-idx3-ubyte.gz: truncated: the header declares 2000000 images (1568000000 bytes) but a gzip file of 44 bytes cannot hold more than 45760"},
		{"over 2 GB declared", plainNames,
			put("train-images-idx3-ubyte", idxBytes(magicImages, []uint32{1 << 31, 28, 28}, make([]byte, 784))), nil,
			"train-images-idx3-ubyte: declares 2147483648 images (1568.0 GB); at most 2 GB of an IDX file's data is read"},
		{"forged count gzip'd within the gzip bound", gzipNames,
			put("train-images-idx3-ubyte.gz", gzipBytes(t, idxBytes(magicImages, []uint32{20000, 28, 28}, noise(50*784)))), nil,
			"train-images-idx3-ubyte.gz: truncated: the header declares 20000 images (15680000 bytes) but the data ends after 39200 bytes, 15640800 short"},
		{"only test images", plainNames,
			func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "t10k-labels-idx1-ubyte")) }, nil,
			"has t10k-images-idx3-ubyte but no t10k-labels-idx1-ubyte; give both test files or neither (then 1/7 of the training data becomes the test set)"},
		{"no train labels", plainNames,
			func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "train-labels-idx1-ubyte")) }, nil,
			"has train-images-idx3-ubyte but no train-labels-idx1-ubyte beside it; " + idxLayout},
		{"two sets", plainNames,
			put("kmnist-train-images-idx3-ubyte", trainIm), nil,
			`holds 2 IDX sets ("kmnist-train-images-idx3-ubyte", "train-images-idx3-ubyte"); put each set in its own folder`},
		{"unknown class", gzipNames, nil, []string{"1", "7"},
			`unknown class "7" (available: "0", "1", "2", "3")`},
		{"one class", gzipNames, nil, []string{"2"},
			`needs at least 2 classes to train a classifier (selected 1: "2"; available: "0", "1", "2", "3")`},
		{"classes.txt too short", gzipNames,
			put("classes.txt", []byte("a\nb\nc\n")), nil,
			"the labels include 3 but classes.txt names no class for it (it names 3)"},
		{"classes.txt repeats", gzipNames,
			put("classes.txt", []byte("a\nb\na\nd\n")), nil,
			`classes.txt: line 3 repeats "a" from line 1; class names must differ`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := idxDir(t, true, tc.files)
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			d, err := LoadIDX(dir, tc.classes, 1)
			if err == nil {
				t.Fatalf("LoadIDX = %d classes, want error %q", len(d.Classes), tc.want)
			}
			prefix := "idx:" + dir + ": "
			if got := err.Error(); !strings.HasPrefix(got, prefix) || !strings.HasPrefix(got[len(prefix):], tc.want) {
				t.Errorf("LoadIDX error = %q, want %q", got, prefix+tc.want)
			}
		})
	}
}

func TestLoadIDXDirectoryErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope")
	_, err := LoadIDX(missing, nil, 1)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "idx:"+missing+": no such directory; ") {
		t.Errorf("LoadIDX(missing) = %v, want a no such directory error wrapping fs.ErrNotExist", err)
	}

	file := filepath.Join(dir, "file")
	writeFile(t, file, []byte("x"))
	if _, err := LoadIDX(file, nil, 1); err == nil || !strings.HasPrefix(err.Error(), "idx:"+file+": is a file, not a directory; ") {
		t.Errorf("LoadIDX(file) = %v, want an is a file error", err)
	}

	if _, err := LoadIDX(dir, nil, 1); err == nil || !strings.Contains(err.Error(), "no train-images-idx3-ubyte file; an IDX folder holds") {
		t.Errorf("LoadIDX(empty) = %v, want a no train-images error", err)
	}
}

// noise returns n pseudo-random bytes, which gzip cannot compress.
func noise(n int) []byte {
	b := make([]byte, n)
	r := newRNG(1, "noise")
	for i := range b {
		b[i] = byte(r.next())
	}
	return b
}

// A header declaring far more images than the file holds must fail without
// allocating what it declares.
func TestLoadIDXForgedCountAllocation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		count uint32
		data  []byte
		gzip  bool
	}{
		{"plain", 2_500_000, make([]byte, 10*784), false},
		{"gzip beyond what the file can hold", 2_500_000, make([]byte, 10*784), true},
		// 1.2 MB of incompressible data: 100 MB is within deflate's bound,
		// so only reading incrementally keeps the allocation small.
		{"gzip within the bound", 128_000, noise(1500 * 784), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := idxDir(t, false, plainNames)
			b, name := idxBytes(magicImages, []uint32{tc.count, 28, 28}, tc.data), "train-images-idx3-ubyte"
			if tc.gzip {
				b = gzipBytes(t, b)
				name += ".gz"
				os.Remove(filepath.Join(dir, "train-images-idx3-ubyte"))
			}
			writeFile(t, filepath.Join(dir, name), b)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := LoadIDX(dir, nil, 1)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), "truncated") {
				t.Fatalf("LoadIDX = %v, want a truncated error", err)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
				t.Errorf("LoadIDX allocated %d MB for a forged header, want < 16 MB", got>>20)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	dir := idxDir(t, true, gzipNames)
	for _, tc := range []struct {
		spec, source string
	}{
		{"mnist", "mnist"},
		{" MNIST ", "mnist"},
		{"idx:" + dir, "idx:" + dir},
		{"IDX:" + dir + "/", "idx:" + dir},
	} {
		d, err := Open(tc.spec, []string{"1", "2"}, 1)
		if err != nil {
			t.Errorf("Open(%q) = %v", tc.spec, err)
			continue
		}
		if d.Source != tc.source {
			t.Errorf("Open(%q).Source = %q, want %q", tc.spec, d.Source, tc.source)
		}
	}
	for _, spec := range []string{"", "fashion", "idx:", "csv:/data", "/data/mnist"} {
		_, err := Open(spec, nil, 1)
		if err == nil || !strings.Contains(err.Error(), `use "mnist", "idx:DIR" or "folder:DIR"`) {
			t.Errorf("Open(%q) = %v, want an error naming the allowed specs", spec, err)
		}
	}
	// A relative directory becomes absolute.
	t.Chdir(filepath.Dir(dir))
	d, err := Open("idx:"+filepath.Base(dir), nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Source != "idx:"+dir {
		t.Errorf("Open(relative).Source = %q, want %q", d.Source, "idx:"+dir)
	}
}

// FuzzReadIDX checks that no file content makes readIDX panic, and that
// whatever it accepts is a whole number of frames or labels.
func FuzzReadIDX(f *testing.F) {
	im, lb := idxPart(cycle(3, 2), 0)
	f.Add(im, true)
	f.Add(lb, false)
	f.Add(gzipBytes(f, im), true)
	f.Add(gzipBytes(f, lb), false)
	f.Add(idxBytes(magicImages, []uint32{1 << 31, 28, 28}, nil), true)
	f.Fuzz(func(t *testing.T, b []byte, images bool) {
		fsys := fstest.MapFS{"f": &fstest.MapFile{Data: b}}
		data, err := readIDX(fsys, "f", images, false)
		if err != nil {
			if data != nil || !strings.HasPrefix(err.Error(), "f: ") {
				t.Fatalf("readIDX = %d bytes, %q; want no data and an error naming the file", len(data), err)
			}
			return
		}
		if images && len(data)%pixels != 0 {
			t.Fatalf("readIDX accepted %d bytes of images, not a whole number of frames", len(data))
		}
	})
}

// TestReadIDXCostsItsSizeOnce: a gzip'd set that expands a thousandfold
// (all-black images) costs its decompressed size once, with no copies;
// and a gzip trailer forged to agree with a forged count reserves nothing.
func TestReadIDXCostsItsSizeOnce(t *testing.T) {
	const count = 50_000 // 39 MB of pixels from a 40 KB file
	bomb := gzipBytes(t, idxBytes(magicImages, []uint32{count, 28, 28}, make([]byte, count*784)))
	forged := gzipBytes(t, idxBytes(magicImages, []uint32{count, 28, 28}, make([]byte, 784)))
	binary.LittleEndian.PutUint32(forged[len(forged)-4:], 16+count*784) // the trailer's size
	for _, tt := range []struct {
		name     string
		file     []byte
		ok       bool
		maxAlloc uint64
	}{
		{"all-black images", bomb, true, count*784 + 8<<20}, // a copy would be 37 MB more
		{"a forged trailer", forged, false, 4 << 20},
	} {
		fsys := fstest.MapFS{"f": {Data: tt.file}}
		var data []byte
		var err error
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		data, err = readIDX(fsys, "f", true, false)
		runtime.ReadMemStats(&after)
		if (err == nil) != tt.ok || (tt.ok && len(data) != count*784) {
			t.Errorf("%s: readIDX = %d bytes, %v", tt.name, len(data), err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > tt.maxAlloc {
			t.Errorf("%s: readIDX allocated %.1f MB, want at most %.1f MB", tt.name, float64(got)/(1<<20), float64(tt.maxAlloc)/(1<<20))
		}
	}
}

// TestLoadIDXCostsItsSizeOnce: loading a gzip'd set that expands a
// thousandfold costs its images' size about once: the training images stay
// where they were read, only the test seventh is copied out.
func TestLoadIDXCostsItsSizeOnce(t *testing.T) {
	const count = 30_000 // 23.5 MB of all-black images
	dir := t.TempDir()
	labels := make([]byte, count)
	for i := range labels {
		labels[i] = byte(i % 3)
	}
	writeFile(t, filepath.Join(dir, gzipNames[0]), gzipBytes(t, idxBytes(magicImages, []uint32{count, 28, 28}, make([]byte, count*784))))
	writeFile(t, filepath.Join(dir, gzipNames[1]), gzipBytes(t, idxBytes(magicLabels, []uint32{count}, labels)))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ds, err := LoadIDX(dir, []string{"0", "2"}, 1)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if n := ds.Train.Len() + ds.Test.Len(); n != 20_000 {
		t.Errorf("loaded %d images of classes 0 and 2, want 20000", n)
	}
	const once = count * 784
	if got := after.TotalAlloc - before.TotalAlloc; got > once+once/7+8<<20 {
		t.Errorf("LoadIDX allocated %.1f MB for %.1f MB of images, want about once (a copy would be twice)", float64(got)/(1<<20), float64(once)/(1<<20))
	}
}

// TestLoadIDXRefusesAPipe: a named pipe in place of an IDX file would block
// the reader until something wrote to it; it is refused at once.
func TestLoadIDXRefusesAPipe(t *testing.T) {
	dir := idxDir(t, false, plainNames)
	pipe := filepath.Join(dir, plainNames[0])
	os.Remove(pipe)
	if err := mkfifo(pipe); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	_, err := LoadIDX(dir, nil, 1)
	if want := "train-images-idx3-ubyte: the file is a named pipe, not a regular file"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("LoadIDX with a named pipe = %v, want %q", err, want)
	}
}
