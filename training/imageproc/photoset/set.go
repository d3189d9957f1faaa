package photoset

import (
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/neuralworkbench/workbench/training/dataset"
)

// Sample is one photo of a test set.
type Sample struct {
	Image image.Image // the photo as an image decoder gives it
	Label int32       // the digit's label in the split
	Index int         // the digit's index in the split
	Seed  uint64      // the seed Photo drew the photo with
	// JPEG is the file Image was decoded from, for conditions that
	// compress; nil otherwise.
	JPEG []byte
}

// Set returns photos of n digits of split under condition c, w×h pixels.
// The digits are chosen by seed, as evenly across the labels as the split
// allows, and are the same for every condition; so is each digit's photo
// seed, so that the photos of two conditions differ only in what the
// conditions set differently (see Photo). Samples come in the order of
// Pick. The error says which argument is out of range.
func Set(split *dataset.Split, c Condition, n int, seed uint64, w, h int) ([]Sample, error) {
	if n < 1 || n > split.Len() {
		return nil, fmt.Errorf("a set must have between 1 and the split's %d samples (got %d)", split.Len(), n)
	}
	if err := checkSize(w, h); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	idx := Pick(split, n, seed)
	out := make([]Sample, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range next {
				i := idx[j]
				s := Sample{Label: split.Labels[i], Index: i, Seed: mix(seed ^ mix(uint64(i)+1))}
				s.Image, s.JPEG, errs[j] = Photo(split.Image(i), c, s.Seed, w, h)
				if errs[j] != nil {
					errs[j] = fmt.Errorf("sample %d: %w", i, errs[j])
				}
				out[j] = s
			}
		})
	}
	for j := range idx {
		next <- j
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Pick returns the indices of n samples of split chosen by seed: each
// label's samples shuffled, then taken in turn from each label, lowest
// first, so that the labels are as even as the split allows. n is capped at
// split.Len().
func Pick(split *dataset.Split, n int, seed uint64) []int {
	byLabel := map[int32][]int{}
	var labels []int32
	for i, l := range split.Labels {
		if _, ok := byLabel[l]; !ok {
			labels = append(labels, l)
		}
		byLabel[l] = append(byLabel[l], i)
	}
	slices.Sort(labels)                            // so that the result does not depend on which label comes first
	rng := rand.New(rand.NewPCG(seed, 0x7069636b)) // "pick"
	for _, l := range labels {
		s := byLabel[l]
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	}
	n = min(n, split.Len())
	out := make([]int, 0, n)
	for k := 0; len(out) < n; k++ {
		for _, l := range labels {
			if k < len(byLabel[l]) && len(out) < n {
				out = append(out, byLabel[l][k])
			}
		}
	}
	return out
}

// Save writes s into dir as name.jpg (its JPEG file) or, for conditions
// that do not compress, name.png, and returns the file's path.
func (s Sample) Save(dir, name string) (string, error) {
	if s.JPEG != nil {
		path := filepath.Join(dir, name+".jpg")
		return path, os.WriteFile(path, s.JPEG, 0o644)
	}
	path := filepath.Join(dir, name+".png")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := png.Encode(f, s.Image); err != nil {
		f.Close()
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return path, f.Close()
}

// Result is how a classifier did on a set.
type Result struct {
	Correct, Total int
	// Failed counts the photos the classifier returned an error for; they
	// count as wrong.
	Failed int
	// Wrong lists the indices into the samples of the wrong answers and
	// failures.
	Wrong []int
}

// Accuracy returns the fraction of photos classified right (0 for none).
func (r Result) Accuracy() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Correct) / float64(r.Total)
}

// String gives the result as "47/50 right (94.0%), 1 failed".
func (r Result) String() string {
	return fmt.Sprintf("%d/%d right (%.1f%%), %d failed", r.Correct, r.Total, 100*r.Accuracy(), r.Failed)
}

// Evaluate classifies every sample with classify, which returns a label or
// an error, and counts the answers; an error counts as a wrong answer.
func Evaluate(classify func(image.Image) (int, error), samples []Sample) Result {
	r := Result{Total: len(samples)}
	for i, s := range samples {
		label, err := classify(s.Image)
		switch {
		case err != nil:
			r.Failed++
		case label == int(s.Label):
			r.Correct++
			continue
		}
		r.Wrong = append(r.Wrong, i)
	}
	return r
}
