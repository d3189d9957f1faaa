package ui

import "sync"

// tasks counts goroutines the window starts, so that closing the window
// (and a test) can wait for them, and refuses new ones once closed.
type tasks struct {
	mu     sync.Mutex // guards closed
	closed bool
	wg     sync.WaitGroup
}

// start runs f on a new goroutine, or returns false once the window is
// closing.
func (t *tasks) start(f func()) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		f()
	}()
	return true
}

// close refuses new goroutines; those running go on.
func (t *tasks) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}

// wait blocks until every goroutine started has returned.
func (t *tasks) wait() { t.wg.Wait() }
