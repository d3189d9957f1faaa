package photoset_test

import (
	"fmt"
	"image"
	"os"
	"path/filepath"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc/photoset"
)

// Photos of two MNIST test digits on ruled paper, saved for a person to
// look at.
func ExampleSet() {
	ds, err := dataset.LoadMNIST([]string{"3", "5", "8"})
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, err := os.MkdirTemp("", "photos")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	for _, name := range []string{"ruled", "jpeg"} {
		c, _ := photoset.Lookup(name)
		samples, err := photoset.Set(ds.Test, c, 2, 1, photoset.Width, photoset.Height)
		if err != nil {
			fmt.Println(err)
			return
		}
		for i, s := range samples {
			path, err := s.Save(dir, fmt.Sprintf("%s_%s_%d", name, ds.Classes[s.Label], i))
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Println(filepath.Base(path), s.Image.Bounds().Size())
		}
	}
	// Output:
	// ruled_3_0.png (640,480)
	// ruled_5_1.png (640,480)
	// jpeg_3_0.jpg (640,480)
	// jpeg_5_1.jpg (640,480)
}

// A classifier that always answers "3" gets the 3s right.
func ExampleEvaluate() {
	ds, err := dataset.LoadMNIST([]string{"3", "5", "8"})
	if err != nil {
		fmt.Println(err)
		return
	}
	plain, _ := photoset.Lookup("plain")
	samples, err := photoset.Set(ds.Test, plain, 6, 1, 160, 120)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := photoset.Evaluate(func(image.Image) (int, error) { return 0, nil }, samples)
	fmt.Println(r)
	// Output:
	// 2/6 right (33.3%), 0 failed
}
