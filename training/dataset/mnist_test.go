package dataset

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestLoadMNIST(t *testing.T) {
	d, err := LoadMNIST([]string{"8", "3", "5"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Source != "mnist" {
		t.Errorf("Source = %q, want mnist", d.Source)
	}
	if want := []string{"3", "5", "8"}; !slices.Equal(d.Classes, want) {
		t.Errorf("Classes = %q, want %q", d.Classes, want)
	}
	// Counts from the MNIST label files.
	if got, want := d.Train.ClassCounts(3), []int{6131, 5421, 5851}; !slices.Equal(got, want) {
		t.Errorf("train ClassCounts = %v, want %v", got, want)
	}
	if got, want := d.Test.ClassCounts(3), []int{1010, 892, 974}; !slices.Equal(got, want) {
		t.Errorf("test ClassCounts = %v, want %v", got, want)
	}
	if d.Train.Len() != 17403 || d.Test.Len() != 2876 {
		t.Errorf("Len = %d train, %d test, want 17403, 2876", d.Train.Len(), d.Test.Len())
	}
	for _, s := range []*Split{d.Train, d.Test} {
		if len(s.Images) != s.Len()*pixels {
			t.Fatalf("%d image bytes for %d samples", len(s.Images), s.Len())
		}
		for i, l := range s.Labels {
			if l < 0 || l > 2 {
				t.Fatalf("label %d = %d, want 0..2", i, l)
			}
		}
	}

	// The frames look like MNIST: mean ink about 0.13 of full scale, dark
	// borders (digits sit in a 20×20 box), bright strokes.
	var sum, border, borderSum float64
	var peak uint8
	for i := range d.Train.Len() {
		f := d.Train.Image(i)
		for j, p := range f {
			sum += float64(p)
			peak = max(peak, p)
			if y, x := j/side, j%side; y == 0 || y == side-1 || x == 0 || x == side-1 {
				border++
				borderSum += float64(p)
			}
		}
	}
	if mean := sum / float64(len(d.Train.Images)) / 255; mean < 0.11 || mean > 0.16 {
		t.Errorf("mean pixel = %.3f of full scale, want about 0.13 (ink bright on dark)", mean)
	}
	if b := borderSum / border / 255; b > 0.01 {
		t.Errorf("mean border pixel = %.4f of full scale, want about 0", b)
	}
	if peak != 255 {
		t.Errorf("brightest pixel = %d, want 255", peak)
	}
}

func TestLoadMNISTAll(t *testing.T) {
	for _, classes := range [][]string{nil, {}} {
		d, err := LoadMNIST(classes)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}; !slices.Equal(d.Classes, want) {
			t.Errorf("LoadMNIST(%q).Classes = %q, want %q", classes, d.Classes, want)
		}
		if d.Train.Len() != 60000 || d.Test.Len() != 10000 {
			t.Errorf("LoadMNIST(%q) = %d train, %d test, want 60000, 10000", classes, d.Train.Len(), d.Test.Len())
		}
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	for _, tc := range []struct {
		classes []string
		want    string
	}{
		{[]string{"3", "10"}, `mnist: unknown class "10" (available: "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")`},
		{[]string{"-1", "3"}, `mnist: unknown class "-1" (available: `},
		{[]string{"03", "5"}, `mnist: unknown class "03" (available: `},
		{[]string{"three", "5"}, `mnist: unknown class "three" (available: `},
		{[]string{"3"}, `mnist: needs at least 2 classes to train a classifier (selected 1: "3"; available: `},
		{[]string{"3", "3"}, `mnist: needs at least 2 classes to train a classifier (selected 1: "3"; available: `},
	} {
		d, err := LoadMNIST(tc.classes)
		if err == nil {
			t.Errorf("LoadMNIST(%q) = %q, want error %q", tc.classes, d.Classes, tc.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("LoadMNIST(%q) = %q, want %q", tc.classes, err, tc.want)
		}
	}
}

// Concurrent first calls share one parse, and each caller gets its own
// copy: writing to one result does not change another.
func TestLoadMNISTConcurrent(t *testing.T) {
	PreloadMNIST()
	var wg sync.WaitGroup
	results := make([]*Dataset, 4)
	for i := range results {
		wg.Go(func() {
			d, err := LoadMNIST([]string{"0", "1"})
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = d
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	want := bytes.Clone(results[1].Train.Images)
	clear(results[0].Train.Images)
	for _, d := range results[1:] {
		if !bytes.Equal(d.Train.Images, want) || !slices.Equal(d.Train.Labels, results[0].Train.Labels) {
			t.Fatalf("LoadMNIST results differ or share memory")
		}
	}
	again, err := LoadMNIST([]string{"0", "1"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Train.Images, want) {
		t.Errorf("clearing a returned split changed the cached MNIST")
	}
}

// BenchmarkLoadMNIST measures parsing the embedded files (what the first
// LoadMNIST call pays) and selecting digits 3, 5 and 8 from the cached set
// (what every later call pays).
func BenchmarkLoadMNIST(b *testing.B) {
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseMNIST(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached-3-5-8", func(b *testing.B) {
		if _, err := LoadMNIST(nil); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := LoadMNIST([]string{"3", "5", "8"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
