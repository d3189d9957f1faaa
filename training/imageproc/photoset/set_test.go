package photoset_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"slices"
	"testing"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc/photoset"
)

// threes is a split of MNIST test digits: the 3s, 5s and 8s.
func threes(t testing.TB) *dataset.Split {
	t.Helper()
	ds, err := dataset.LoadMNIST([]string{"3", "5", "8"})
	if err != nil {
		t.Fatal(err)
	}
	return ds.Test
}

func TestSet(t *testing.T) {
	split := threes(t)
	plain, _ := photoset.Lookup("plain")
	ruled, _ := photoset.Lookup("ruled")
	a, err := photoset.Set(split, plain, 10, 5, 160, 120)
	if err != nil {
		t.Fatal(err)
	}
	b, err := photoset.Set(split, ruled, 10, 5, 160, 120)
	if err != nil {
		t.Fatal(err)
	}
	again, err := photoset.Set(split, plain, 10, 5, 160, 120)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 3)
	for i, s := range a {
		if s.Label != split.Labels[s.Index] {
			t.Errorf("sample %d has label %d, want its digit's %d", i, s.Label, split.Labels[s.Index])
		}
		if b[i].Index != s.Index || b[i].Seed != s.Seed {
			t.Errorf("sample %d is digit %d seed %d when plain and digit %d seed %d when ruled, want the same", i, s.Index, s.Seed, b[i].Index, b[i].Seed)
		}
		if !bytes.Equal(s.Image.(*image.RGBA).Pix, again[i].Image.(*image.RGBA).Pix) {
			t.Errorf("sample %d differs between two sets with one seed", i)
		}
		counts[s.Label]++
	}
	if slices.Max(counts)-slices.Min(counts) > 1 {
		t.Errorf("labels of 10 samples: %v, want as even as can be", counts)
	}
	other, err := photoset.Set(split, plain, 10, 6, 160, 120)
	if err != nil {
		t.Fatal(err)
	}
	if other[0].Index == a[0].Index && other[1].Index == a[1].Index {
		t.Errorf("seeds 5 and 6 pick the same digits %d, %d", a[0].Index, a[1].Index)
	}
}

func TestSetRejectsBadInput(t *testing.T) {
	split := threes(t)
	plain, _ := photoset.Lookup("plain")
	for _, tc := range []struct {
		name string
		n    int
		c    photoset.Condition
		w, h int
		want string
	}{
		{"no samples", 0, plain, 160, 120, fmt.Sprintf("a set must have between 1 and the split's %d samples (got 0)", split.Len())},
		{"too many", split.Len() + 1, plain, 160, 120, fmt.Sprintf("a set must have between 1 and the split's %d samples (got %d)", split.Len(), split.Len()+1)},
		{"narrow", 5, plain, 10, 120, "a photo must be at least 64×64 pixels and at most 50000000 pixels in all (got 10×120)"},
		{"bad condition", 5, photoset.Condition{Name: "z", JPEG: photoset.Range{50, 101}}, 160, 120, `condition "z": JPEG quality must lie between 0 and 100 (got 50 to 101)`},
	} {
		_, err := photoset.Set(split, tc.c, tc.n, 1, tc.w, tc.h)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Set(%s) = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestSave(t *testing.T) {
	split := threes(t)
	dir := t.TempDir()
	for _, name := range []string{"plain", "jpeg"} {
		c, _ := photoset.Lookup(name)
		samples, err := photoset.Set(split, c, 1, 1, 160, 120)
		if err != nil {
			t.Fatal(err)
		}
		s := samples[0]
		path, err := s.Save(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if s.JPEG != nil {
			if !bytes.Equal(data, s.JPEG) || path != dir+"/jpeg.jpg" {
				t.Errorf("Save(jpeg) wrote %d bytes to %s, want the sample's %d-byte JPEG in jpeg.jpg", len(data), path, len(s.JPEG))
			}
			continue
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("Save(plain) wrote %s, which does not decode: %v", path, err)
		}
		if !bytes.Equal(img.(*image.RGBA).Pix, s.Image.(*image.RGBA).Pix) || path != dir+"/plain.png" {
			t.Errorf("Save(plain) wrote %s, whose pixels are not the sample's", path)
		}
	}
}

func TestEvaluate(t *testing.T) {
	samples := make([]photoset.Sample, 6)
	for i := range samples {
		samples[i] = photoset.Sample{Image: image.NewGray(image.Rect(0, 0, 1, i+1)), Label: int32(i % 3)}
	}
	// Right on photos 0 and 3, wrong on 1 and 4, failing on 2 and 5.
	classify := func(img image.Image) (int, error) {
		switch i := img.Bounds().Dy() - 1; i % 3 {
		case 0:
			return 0, nil
		case 1:
			return 2, nil
		}
		return 0, errors.New("no digit")
	}
	r := photoset.Evaluate(classify, samples)
	if r.Correct != 2 || r.Total != 6 || r.Failed != 2 || !slices.Equal(r.Wrong, []int{1, 2, 4, 5}) {
		t.Errorf("Evaluate = %+v, want 2 of 6 right, 2 failed, wrong [1 2 4 5]", r)
	}
	if got, want := r.String(), "2/6 right (33.3%), 2 failed"; got != want {
		t.Errorf("Result.String() = %q, want %q", got, want)
	}
	if got := (photoset.Result{}).Accuracy(); got != 0 {
		t.Errorf("Result{}.Accuracy() = %v, want 0", got)
	}
}
