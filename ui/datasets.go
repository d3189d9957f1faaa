package ui

import (
	"fmt"
	"sync"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/dataset"
)

// datasetCache holds the data sources the window has read, each with
// every class, so that ticking classes, starting runs, the lesson and the
// landscapes select from memory instead of decoding files again. A source
// is read once however many ask for it at the same time, and the cache
// keeps the few most recently used.
type datasetCache struct {
	// open reads a source with every class (dataset.Open, or a fake in
	// tests).
	open  func(spec string, seed uint64) (*dataset.Dataset, error)
	limit int

	mu      sync.Mutex // guards entries and order
	entries map[string]*cacheEntry
	order   []string // least recently used first
}

// cacheEntry is a source being read or read; done is closed when ds or
// err is set.
type cacheEntry struct {
	done chan struct{}
	ds   *dataset.Dataset
	err  error
}

// datasetCacheSize keeps MNIST and a few of the user's sources: an image
// folder can take hundreds of megabytes.
const datasetCacheSize = 4

func newDatasetCache() *datasetCache {
	return &datasetCache{
		open:    func(spec string, seed uint64) (*dataset.Dataset, error) { return dataset.Open(spec, nil, seed) },
		limit:   datasetCacheSize,
		entries: map[string]*cacheEntry{},
	}
}

// cacheKey names a source as split by a seed. The built-in MNIST has a
// fixed test set, so every seed shares it; other sources may split their
// test set at random by the seed.
func cacheKey(spec string, seed uint64) string {
	if spec == "mnist" {
		return spec
	}
	return fmt.Sprintf("%s|%d", spec, seed)
}

// load returns the source with every class, reading it unless another
// caller has or is reading it. A failed read is not kept, so that a fixed
// folder can be read again.
func (c *datasetCache) load(spec string, seed uint64) (*dataset.Dataset, error) {
	key := cacheKey(spec, seed)
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		e = &cacheEntry{done: make(chan struct{})}
		c.entries[key] = e
	}
	c.touch(key)
	c.mu.Unlock()
	if ok {
		<-e.done
		return e.ds, e.err
	}
	e.ds, e.err = c.open(spec, seed)
	close(e.done)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.err != nil && c.entries[key] == e {
		delete(c.entries, key)
		c.remove(key)
	}
	return e.ds, e.err
}

// touch marks key as the most recently used and evicts the least recently
// used entries beyond the limit; c.mu must be held.
func (c *datasetCache) touch(key string) {
	c.remove(key)
	c.order = append(c.order, key)
	for len(c.order) > c.limit {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

// remove drops key from the order; c.mu must be held.
func (c *datasetCache) remove(key string) {
	for i, k := range c.order {
		if k == key {
			c.order = append(c.order[:i], c.order[i+1:]...)
			return
		}
	}
}

// prepare loads (or reuses) cfg's source and splits it as cfg says.
func (c *datasetCache) prepare(cfg training.Config) (*training.Data, error) {
	all, err := c.load(cfg.Dataset, cfg.Seed)
	if err != nil {
		return nil, err
	}
	ds, err := all.Select(cfg.Classes)
	if err != nil {
		return nil, err
	}
	return training.Split(ds, cfg)
}
