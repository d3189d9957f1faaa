package imageproc

import (
	"fmt"
	"sync"

	"github.com/neuralworkbench/workbench/training/regular"
)

// A Budget bounds the pixels that several goroutines decode at once, so
// that the memory a folder of images takes while it is preprocessed does
// not grow with the number of cores: an image holds its pixel count from
// before its pixels are decoded until its frame is made. A decoded pixel
// costs at most 8 bytes (16-bit RGBA), and the grayscale copy one more.
type Budget struct {
	mu         sync.Mutex // guards free and peak
	changed    *sync.Cond // signalled when pixels are given back
	size, free int64
	peak       int64 // the most pixels held at once
}

// NewBudget returns a budget of the given number of pixels. An image
// larger than the whole budget takes all of it.
func NewBudget(pixels int64) *Budget {
	b := &Budget{size: pixels, free: pixels}
	b.changed = sync.NewCond(&b.mu)
	return b
}

// take waits until n pixels (the whole budget if it is smaller) are free
// and holds them; it returns how many it holds.
func (b *Budget) take(n int64) int64 {
	n = min(n, b.size)
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.free < n {
		b.changed.Wait()
	}
	b.free -= n
	b.peak = max(b.peak, b.size-b.free)
	return n
}

// give hands n pixels back.
func (b *Budget) give(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.changed.Broadcast()
}

// Peak returns the most pixels held at once so far.
func (b *Budget) Peak() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}

// FrameFileWithin is FrameFile with the image's pixels held from b while
// it is decoded and preprocessed.
func FrameFileWithin(path string, b *Budget) (*Stages, error) {
	f, err := regular.Open(path)
	if err != nil {
		return nil, err // its errors name the file already
	}
	img, held, err := decode(f, b)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer b.give(held)
	st, err := Frame(img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}
