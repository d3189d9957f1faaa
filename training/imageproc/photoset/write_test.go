package photoset_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc/photoset"
)

var (
	photosDir  = flag.String("photos-dir", "", "TestWritePhotos writes the photos into `DIR`/<condition>/<class>_<i>.{png,jpg}")
	photosN    = flag.Int("photos-per-condition", 20, "how many photos TestWritePhotos writes per condition")
	photosSeed = flag.Uint64("photos-seed", 1, "the seed TestWritePhotos draws the photos with")
	photosSize = flag.String("photos-size", "640x480", "the size of TestWritePhotos' photos, `W`x`H`")
	photosOnly = flag.String("photos-conditions", "", "TestWritePhotos writes only these conditions (comma-separated names; empty: all)")
)

// TestWritePhotos writes a test set of MNIST 3s, 5s and 8s for a person to
// look at or to classify with `workbench predict`, when -photos-dir is set.
func TestWritePhotos(t *testing.T) {
	if *photosDir == "" {
		t.Skip("no -photos-dir")
	}
	var w, h int
	if _, err := fmt.Sscanf(*photosSize, "%dx%d", &w, &h); err != nil {
		t.Fatalf("-photos-size %q: want WxH, e.g. 640x480", *photosSize)
	}
	ds, err := dataset.LoadMNIST([]string{"3", "5", "8"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range photoset.Conditions {
		if *photosOnly != "" && !strings.Contains(","+*photosOnly+",", ","+c.Name+",") {
			continue
		}
		samples, err := photoset.Set(ds.Test, c, *photosN, *photosSeed, w, h)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(*photosDir, c.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range samples {
			if _, err := s.Save(dir, fmt.Sprintf("%s_%d", ds.Classes[s.Label], i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("wrote %d photos per condition under %s", *photosN, *photosDir)
}
