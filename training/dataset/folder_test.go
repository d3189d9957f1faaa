package dataset

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training/imageproc"
)

// strokeImage draws a dark shape on light paper, 48×48, as a scanned
// drawing would look; variant moves and resizes it so no two are alike.
func strokeImage(shape string, variant int) image.Image {
	img := image.NewGray(image.Rect(0, 0, 48, 48))
	for i := range img.Pix {
		img.Pix[i] = 235
	}
	v := float64(variant % 7)
	for y := range 48 {
		for x := range 48 {
			fx, fy := float64(x)-24-v/2, float64(y)-24+v/3
			ink := false
			switch shape {
			case "bar":
				ink = math.Abs(fx) < 2+v/3 && math.Abs(fy) < 16
			case "ring":
				r := math.Hypot(fx, fy)
				ink = r > 10+v/2 && r < 15+v/2
			case "cross":
				ink = (math.Abs(fx-fy) < 3 || math.Abs(fx+fy) < 3) && math.Abs(fx) < 14 && math.Abs(fy) < 14
			default:
				panic("unknown shape " + shape)
			}
			if ink {
				img.SetGray(x, y, color.Gray{20})
			}
		}
	}
	return img
}

// writeImage writes img as PNG or JPEG according to the extension of path.
func writeImage(t testing.TB, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		err = png.Encode(&buf, img)
	case ".jpg", ".jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	default:
		t.Fatalf("writeImage(%s): unknown extension", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, buf.Bytes())
}

// exts cycles the extensions the fixtures use, in mixed case.
var exts = []string{".png", ".jpg", ".PNG", ".jpeg", ".JPG"}

// imageDir writes n images per class under root/<class>/, shape named by
// the class's value in shapes.
func imageDir(t testing.TB, root string, n int, shapes map[string]string) {
	t.Helper()
	for class, shape := range shapes {
		for i := range n {
			name := string(rune('a'+i%26)) + strings.Repeat("x", i/26) + exts[i%len(exts)]
			writeImage(t, filepath.Join(root, class, name), strokeImage(shape, i))
		}
	}
}

var threeShapes = map[string]string{"zeta": "bar", "alpha": "ring", "mid": "cross"}

func TestLoadFolder(t *testing.T) {
	dir := t.TempDir()
	imageDir(t, dir, 5, threeShapes)
	// A nested folder counts for its class; hidden files and folders and
	// other extensions are ignored (the hidden ones would be skipped as
	// corrupt otherwise).
	writeImage(t, filepath.Join(dir, "alpha", "more", "f.png"), strokeImage("ring", 5))
	writeFile(t, filepath.Join(dir, "alpha", ".hidden.png"), []byte("not a png"))
	writeFile(t, filepath.Join(dir, "alpha", "notes.txt"), []byte("notes"))
	writeFile(t, filepath.Join(dir, ".cache", "x.png"), []byte("not a png"))
	writeFile(t, filepath.Join(dir, "README.md"), []byte("# shapes"))

	d, err := LoadFolder(dir, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Source != "folder:"+dir {
		t.Errorf("Source = %q, want %q", d.Source, "folder:"+dir)
	}
	if want := []string{"alpha", "mid", "zeta"}; !slices.Equal(d.Classes, want) {
		t.Errorf("Classes = %q, want %q (sorted folder names)", d.Classes, want)
	}
	if len(d.Skipped) != 0 {
		t.Errorf("Skipped = %q, want none", d.Skipped)
	}
	// 20% of each class to test: 6 → 1, 5 → 1.
	if got, want := d.Train.ClassCounts(3), []int{5, 4, 4}; !slices.Equal(got, want) {
		t.Errorf("train ClassCounts = %v, want %v", got, want)
	}
	if got, want := d.Test.ClassCounts(3), []int{1, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("test ClassCounts = %v, want %v", got, want)
	}

	// Every frame is the one imageproc makes of one of the class's files,
	// each file used once (two files may give the same frame).
	want := make(map[string][]int32) // frame → the labels of the files giving it
	for k, class := range d.Classes {
		files, err := imageFiles(filepath.Join(dir, class))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			st, err := imageproc.PreprocessFile(f)
			if err != nil {
				t.Fatalf("PreprocessFile(%s) = %v", f, err)
			}
			want[string(st.Frame.Pix)] = append(want[string(st.Frame.Pix)], int32(k))
		}
	}
	for _, s := range []*Split{d.Train, d.Test} {
		for i := range s.Len() {
			f := string(s.Image(i))
			j := slices.Index(want[f], s.Labels[i])
			if j < 0 {
				t.Fatalf("sample %d (label %d) is not the frame of any file of its class, or used twice", i, s.Labels[i])
			}
			want[f] = slices.Delete(want[f], j, j+1)
		}
	}
	for _, labels := range want {
		if len(labels) != 0 {
			t.Errorf("files of classes %v missing from the splits", labels)
		}
	}

	// Selection by folder name.
	d, err = LoadFolder(dir, []string{"zeta", "alpha"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alpha", "zeta"}; !slices.Equal(d.Classes, want) {
		t.Errorf("Classes = %q, want %q", d.Classes, want)
	}
	if d.Train.Len()+d.Test.Len() != 11 {
		t.Errorf("selected %d images, want 11", d.Train.Len()+d.Test.Len())
	}

	// Open reaches the same loader.
	d, err = Open("folder:"+dir, []string{"mid", "zeta"}, 1)
	if err != nil || d.Source != "folder:"+dir {
		t.Errorf("Open(folder:%s) = %v, %v", dir, d, err)
	}
}

func TestLoadFolderTrainTest(t *testing.T) {
	dir := t.TempDir()
	shapes := map[string]string{"bar": "bar", "ring": "ring"}
	imageDir(t, filepath.Join(dir, "train"), 6, shapes)
	imageDir(t, filepath.Join(dir, "test"), 2, shapes)
	writeFile(t, filepath.Join(dir, "LICENSE"), []byte("CC0"))

	d, err := LoadFolder(dir, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bar", "ring"}; !slices.Equal(d.Classes, want) {
		t.Errorf("Classes = %q, want %q", d.Classes, want)
	}
	if got, want := d.Train.ClassCounts(2), []int{6, 6}; !slices.Equal(got, want) {
		t.Errorf("train ClassCounts = %v, want %v (all of train/)", got, want)
	}
	if got, want := d.Test.ClassCounts(2), []int{2, 2}; !slices.Equal(got, want) {
		t.Errorf("test ClassCounts = %v, want %v (all of test/)", got, want)
	}
	// The test set is test/, in file order.
	for i, f := range []string{"bar/a.png", "bar/b.jpg", "ring/a.png", "ring/b.jpg"} {
		st, err := imageproc.PreprocessFile(filepath.Join(dir, "test", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(d.Test.Image(i), st.Frame.Pix) {
			t.Errorf("test sample %d is not test/%s", i, f)
		}
	}
}

func TestLoadFolderDeterministic(t *testing.T) {
	dir := t.TempDir()
	imageDir(t, dir, 20, threeShapes)
	a, err := LoadFolder(dir, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadFolder(dir, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !equalSplits(a.Train, b.Train) || !equalSplits(a.Test, b.Test) {
		t.Errorf("LoadFolder with the same seed gave different splits")
	}
	c, err := LoadFolder(dir, nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	if equalSplits(a.Test, c.Test) {
		t.Errorf("LoadFolder with seeds 3 and 4 gave the same test split")
	}
	if got, want := c.Test.ClassCounts(3), []int{4, 4, 4}; !slices.Equal(got, want) {
		t.Errorf("test ClassCounts = %v, want %v", got, want)
	}
	// A class's test images do not depend on which other classes are selected.
	sub, err := LoadFolder(dir, []string{"alpha", "zeta"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for i := range a.Test.Len() {
		if a.Test.Labels[i] != 1 { // mid
			want = append(want, a.Test.Image(i)...)
		}
	}
	if !bytes.Equal(sub.Test.Images, want) {
		t.Errorf("test images of alpha and zeta changed when mid was left out")
	}
}

func TestLoadFolderSkips(t *testing.T) {
	dir := t.TempDir()
	imageDir(t, dir, 4, map[string]string{"bar": "bar", "ring": "ring"})
	corrupt := filepath.Join(dir, "bar", "corrupt.png")
	writeFile(t, corrupt, []byte("\x89PNG\r\n\x1a\n this is not the rest of a PNG"))
	blank := filepath.Join(dir, "ring", "blank.png")
	writeImage(t, blank, image.NewGray(image.Rect(0, 0, 30, 30)))

	d, err := LoadFolder(dir, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Skipped) != 2 || !strings.HasPrefix(d.Skipped[0], corrupt+": ") || !strings.HasPrefix(d.Skipped[1], blank+": ") {
		t.Fatalf("Skipped = %q, want %s and %s, each with a reason", d.Skipped, corrupt, blank)
	}
	for _, s := range d.Skipped {
		if n := strings.Count(s, dir); n != 1 {
			t.Errorf("Skipped entry %q names the path %d times, want once", s, n)
		}
	}
	if !strings.Contains(d.Skipped[1], "blank") {
		t.Errorf("Skipped[1] = %q, want the reason to say blank", d.Skipped[1])
	}
	if got := d.Train.Len() + d.Test.Len(); got != 8 {
		t.Errorf("loaded %d images, want the 8 good ones", got)
	}
}

func TestLoadFolderErrors(t *testing.T) {
	shapes := map[string]string{"bar": "bar", "ring": "ring"}
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, dir string)
		classes []string
		want    string // the message after "folder:DIR: "
	}{
		{"one class", func(t *testing.T, dir string) {
			imageDir(t, dir, 3, map[string]string{"cats": "ring"})
		}, nil, `needs at least 2 class folders (found 1: "cats"); ` + folderLayout},
		{"empty directory", func(t *testing.T, dir string) {}, nil,
			`needs at least 2 class folders (found none); ` + folderLayout},
		{"images but no class folders", func(t *testing.T, dir string) {
			writeImage(t, filepath.Join(dir, "a.png"), strokeImage("bar", 0))
		}, nil, `holds images but no class folders; put each class's images in a folder named after the class: ` + folderLayout},
		{"empty class", func(t *testing.T, dir string) {
			imageDir(t, dir, 3, shapes)
			writeFile(t, filepath.Join(dir, "dogs", "readme.txt"), []byte("todo"))
		}, nil, `class folder "dogs" has no images; ` + folderLayout},
		{"class with no readable images", func(t *testing.T, dir string) {
			imageDir(t, dir, 3, shapes)
			writeFile(t, filepath.Join(dir, "dogs", "a.png"), []byte("garbage"))
		}, nil, `class folder "dogs" has no readable images (1 skipped; first: `},
		{"train without test", func(t *testing.T, dir string) {
			imageDir(t, filepath.Join(dir, "train"), 3, shapes)
		}, nil, `has a "train" folder but no "test" folder; use both DIR/train/<class> and DIR/test/<class>, or put the class folders directly in DIR`},
		{"train and test differ", func(t *testing.T, dir string) {
			imageDir(t, filepath.Join(dir, "train"), 3, map[string]string{"bar": "bar", "ring": "ring", "cross": "cross"})
			imageDir(t, filepath.Join(dir, "test"), 3, map[string]string{"bar": "bar", "rings": "ring"})
		}, nil, `the train and test folders must hold the same class folders: only in train: "cross", "ring"; only in test: "rings"`},
		{"train and test one class", func(t *testing.T, dir string) {
			imageDir(t, filepath.Join(dir, "train"), 3, map[string]string{"bar": "bar"})
			imageDir(t, filepath.Join(dir, "test"), 3, map[string]string{"bar": "bar"})
		}, nil, `needs at least 2 class folders in train and test (found 1: "bar")`},
		{"unknown class", func(t *testing.T, dir string) {
			imageDir(t, dir, 3, shapes)
		}, []string{"bar", "dog"}, `unknown class "dog" (available: "bar", "ring")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			d, err := LoadFolder(dir, tc.classes, 1)
			if err == nil {
				t.Fatalf("LoadFolder = %q, want error %q", d.Classes, tc.want)
			}
			prefix := "folder:" + dir + ": "
			if got := err.Error(); !strings.HasPrefix(got, prefix) || !strings.HasPrefix(got[len(prefix):], tc.want) {
				t.Errorf("LoadFolder error = %q, want %q", got, prefix+tc.want)
			}
		})
	}
}

func TestLoadFolderPathErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope")
	_, err := LoadFolder(missing, nil, 1)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "folder:"+missing+": no such directory; expected DIR/<class>/") {
		t.Errorf("LoadFolder(missing) = %v, want a no such directory error wrapping fs.ErrNotExist", err)
	}
	file := filepath.Join(dir, "a.png")
	writeImage(t, file, strokeImage("bar", 0))
	if _, err := LoadFolder(file, nil, 1); err == nil || !strings.HasPrefix(err.Error(), "folder:"+file+": is a file, not a directory; expected DIR/<class>/") {
		t.Errorf("LoadFolder(file) = %v, want an is a file error", err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkLoadFolder loads a folder of 300 small scans (48×48, PNG and
// JPEG), as a user's own training set: the time per image is reported.
func BenchmarkLoadFolder(b *testing.B) {
	dir := b.TempDir()
	imageDir(b, dir, 100, threeShapes)
	b.ResetTimer()
	for b.Loop() {
		ds, err := LoadFolder(dir, nil, 1)
		if err != nil {
			b.Fatal(err)
		}
		if n := ds.Train.Len() + ds.Test.Len(); n != 300 {
			b.Fatalf("loaded %d images, want 300", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/300, "ns/image")
}

// TestFolderDecodingIsBounded: however many workers decode a folder, the
// pixels decoded at once stay within the budget, so memory does not grow
// with the number of cores.
func TestFolderDecodingIsBounded(t *testing.T) {
	dir := t.TempDir()
	imageDir(t, dir, 6, threeShapes) // 18 images of 48×48 = 2304 pixels
	var paths []string
	for class := range threeShapes {
		entries, err := os.ReadDir(filepath.Join(dir, class))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			paths = append(paths, filepath.Join(dir, class, e.Name()))
		}
	}
	budget := imageproc.NewBudget(5000) // two images at a time
	results := preprocessAll(paths, 8, budget)
	for i, r := range results {
		if r.err != nil || len(r.frame) != pixels {
			t.Fatalf("%s: %v", paths[i], r.err)
		}
	}
	if peak := budget.Peak(); peak < 2304 || peak > 5000 {
		t.Errorf("8 workers held %d pixels at most, want between one image (2304) and the budget (5000)", peak)
	}
	// An image larger than the whole budget is decoded alone.
	small := imageproc.NewBudget(1000)
	for _, r := range preprocessAll(paths[:4], 4, small) {
		if r.err != nil {
			t.Fatal(r.err)
		}
	}
	if peak := small.Peak(); peak != 1000 {
		t.Errorf("images larger than the budget held %d pixels at most, want all 1000 of it", peak)
	}
}

// TestLoadFolderFollowsLinkedClasses: a class folder that is a link to a
// folder of images is read like the folder itself.
func TestLoadFolderFollowsLinkedClasses(t *testing.T) {
	elsewhere := t.TempDir()
	imageDir(t, elsewhere, 5, threeShapes)
	dir := t.TempDir()
	for class := range threeShapes {
		if err := os.Symlink(filepath.Join(elsewhere, class), filepath.Join(dir, class)); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	ds, err := LoadFolder(dir, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := ds.Train.Len() + ds.Test.Len(); n != 15 || len(ds.Classes) != 3 {
		t.Errorf("LoadFolder through links: %d images of %d classes, want 15 of 3", n, len(ds.Classes))
	}
}

// TestLoadFolderNamesClassesTooSmall: with the automatic split, classes
// too small to give a test image are named, not "the test set is empty".
func TestLoadFolderNamesClassesTooSmall(t *testing.T) {
	dir := t.TempDir()
	imageDir(t, dir, 2, threeShapes)
	_, err := LoadFolder(dir, nil, 1)
	want := "3 of 3 classes have too few readable images to set one aside for testing (at least 3 are needed): alpha (2), mid (2), zeta (2); add images"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("LoadFolder(2 images a class) = %v, want %q", err, want)
	}
}
