package photoset_test

import (
	"testing"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc/photoset"
)

// benchPhoto times one photo of the "all" condition, w×h pixels.
func benchPhoto(b *testing.B, w, h int) {
	ds, err := dataset.LoadMNIST([]string{"3", "5", "8"})
	if err != nil {
		b.Fatal(err)
	}
	all, _ := photoset.Lookup("all")
	b.ReportAllocs()
	seed := uint64(0)
	for b.Loop() {
		seed++
		if _, _, err := photoset.Photo(ds.Test.Image(int(seed)%ds.Test.Len()), all, seed, w, h); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPhoto(b *testing.B)      { benchPhoto(b, photoset.Width, photoset.Height) }
func BenchmarkPhotoLarge(b *testing.B) { benchPhoto(b, photoset.LargeWidth, photoset.LargeHeight) }
