package ui

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/neuralworkbench/workbench/training/dataset"
)

// TestDatasetCache checks that a source is read once however many ask at
// the same time, that MNIST is shared by every seed, that failures are
// not kept, and that the cache keeps only the most recently used sources.
func TestDatasetCache(t *testing.T) {
	var mu sync.Mutex
	opened := map[string]int{}
	release := make(chan struct{})
	c := newDatasetCache()
	c.open = func(spec string, seed uint64) (*dataset.Dataset, error) {
		mu.Lock()
		opened[fmt.Sprintf("%s|%d", spec, seed)]++
		mu.Unlock()
		if spec == "idx:slow" {
			<-release
		}
		if spec == "idx:broken" {
			return nil, errors.New("broken")
		}
		return &dataset.Dataset{Source: spec}, nil
	}
	// Three readers of one slow source at once: one read.
	var wg sync.WaitGroup
	results := make([]*dataset.Dataset, 3)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = c.load("idx:slow", 1)
		}()
	}
	// Wait until the first reader is inside open, then let it finish.
	for {
		mu.Lock()
		n := opened["idx:slow|1"]
		mu.Unlock()
		if n > 0 {
			break
		}
	}
	close(release)
	wg.Wait()
	if opened["idx:slow|1"] != 1 || results[0] != results[1] || results[1] != results[2] || results[0] == nil {
		t.Errorf("three concurrent loads opened the source %d times", opened["idx:slow|1"])
	}

	c.load("mnist", 1)
	c.load("mnist", 7)
	if opened["mnist|1"]+opened["mnist|7"] != 1 {
		t.Errorf("MNIST opened %v, want once for every seed", opened)
	}
	for range 2 {
		if _, err := c.load("idx:broken", 1); err == nil {
			t.Error("a broken source loaded")
		}
	}
	if opened["idx:broken|1"] != 2 {
		t.Errorf("a failed read was kept: opened %d times in two loads", opened["idx:broken|1"])
	}
	for i := range datasetCacheSize + 2 {
		c.load(fmt.Sprintf("folder:%d", i), 1)
	}
	if len(c.entries) != datasetCacheSize || len(c.order) != datasetCacheSize {
		t.Errorf("the cache holds %d entries (%d in order), want at most %d", len(c.entries), len(c.order), datasetCacheSize)
	}
	c.load("folder:0", 1) // evicted: read again
	if opened["folder:0|1"] != 2 {
		t.Errorf("an evicted source was opened %d times, want 2", opened["folder:0|1"])
	}
}
