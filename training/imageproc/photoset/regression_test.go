package photoset_test

import (
	"context"
	"image"
	"sync"
	"testing"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/training/imageproc/photoset"
)

// regressionFloor is the least share of photos per condition that a model
// trained on the defaults must read right through Preprocess. The figures
// in the README come from 200 photos per condition and two seeds; these
// floors sit below them by about three standard errors of 40 photos, so
// that the test catches a step back, not the spread of a small sample.
var regressionFloor = map[string]float64{
	"plain":     0.875,
	"ruled":     0.875,
	"squared":   0.875,
	"shadow":    0.85,
	"rotated":   0.85,
	"thin-pen":  0.85,
	"thick-pen": 0.85,
	"tilt":      0.85,
	"noise":     0.875,
	"blur":      0.875,
	"faint-ink": 0.875,
	"jpeg":      0.85,
	"all":       0.80,
}

// TestPhotosClassifyRight trains the default network for two epochs and
// reads 40 generated phone photos per condition with it, as `workbench
// predict` and the Classify tab do.
func TestPhotosClassifyRight(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a network and generates 520 photos")
	}
	if raceDetector {
		// It measures accuracy, not concurrency, and takes ten times as
		// long under the race detector: make test runs it without.
		t.Skip("skipped under -race; make test runs it without")
	}
	cfg := training.DefaultConfig()
	cfg.Epochs = 2
	data, err := training.Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run, err := training.Start(context.Background(), cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	var model *training.Model
	for ev := range run.Events() {
		if done, ok := ev.(*training.DoneEvent); ok {
			model = done.Model
		}
	}
	if model == nil {
		t.Fatal("training ended without a model")
	}
	classify := func(img image.Image) (int, error) {
		st, err := imageproc.Preprocess(img)
		if err != nil {
			return 0, err
		}
		p, err := model.Classify(st)
		if err != nil {
			return 0, err
		}
		return p.Class, nil
	}

	const n, seed = 40, 11
	results := make([]photoset.Result, len(photoset.Conditions))
	errs := make([]error, len(photoset.Conditions))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, c := range photoset.Conditions {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			samples, err := photoset.Set(data.Test, c, n, seed, photoset.Width, photoset.Height)
			if err != nil {
				errs[i] = err
				return
			}
			results[i] = photoset.Evaluate(classify, samples)
		})
	}
	wg.Wait()
	for i, c := range photoset.Conditions {
		if errs[i] != nil {
			t.Fatalf("%s: %v", c.Name, errs[i])
		}
		r := results[i]
		floor, ok := regressionFloor[c.Name]
		if !ok {
			t.Errorf("condition %s has no floor in regressionFloor", c.Name)
			continue
		}
		t.Logf("%-10s %s", c.Name, r)
		if got := float64(r.Correct) / float64(r.Total); got < floor {
			t.Errorf("%s: %d of %d photos read right (%.1f%%), want at least %.0f%%",
				c.Name, r.Correct, r.Total, 100*got, 100*floor)
		}
	}
}
