// Package bridge is the one place where goroutines other than Fyne's hand
// work to the UI goroutine. Everything else either runs in a Fyne callback
// (already on the UI goroutine) or calls Do.
package bridge

import (
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// mu serialises the functions handed over. In the app fyne.Do already
// runs them one at a time on the UI goroutine and the lock is never
// contended; in tests, where fyne.Do runs a function at once on the
// calling goroutine, it keeps two workers from touching widgets together.
var mu sync.Mutex

// Do runs f on the UI goroutine, without waiting. Call it only from
// goroutines you started, never from a Fyne callback.
func Do(f func()) {
	fyne.Do(func() {
		mu.Lock()
		defer mu.Unlock()
		f()
	})
}

// Throttle runs a function at most once per interval however often it is
// requested, always running it once more after the last request, on a
// goroutine of its own. It is how views redraw live data at a fixed rate:
// requests come from event loops, the function renders off the UI
// goroutine and hands the result to Do.
type Throttle struct {
	interval time.Duration
	f        func()
	clock    clock
	kick     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once

	mu      sync.Mutex // guards pending and running
	idle    *sync.Cond // signalled when the throttle has nothing to do
	pending bool       // a request has not been served yet
	running bool       // f is running
}

// clock is the time a Throttle keeps; tests substitute one they advance.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// NewThrottle starts a throttle that runs f at most once per interval.
func NewThrottle(interval time.Duration, f func()) *Throttle {
	return newThrottle(interval, f, wallClock{})
}

func newThrottle(interval time.Duration, f func(), c clock) *Throttle {
	t := &Throttle{interval: interval, f: f, clock: c, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	t.idle = sync.NewCond(&t.mu)
	go t.loop()
	return t
}

// Request asks for f to run soon. It never blocks.
func (t *Throttle) Request() {
	t.mu.Lock()
	t.pending = true
	t.mu.Unlock()
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// Wait blocks until every request so far has been served.
func (t *Throttle) Wait() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for t.pending || t.running {
		t.idle.Wait()
	}
}

// Stop ends the throttle's goroutine and waits for a running f to return.
// Requests not yet served are dropped.
func (t *Throttle) Stop() {
	t.once.Do(func() { close(t.stop) })
	<-t.done
}

func (t *Throttle) loop() {
	defer func() {
		t.mu.Lock()
		t.pending, t.running = false, false
		t.idle.Broadcast()
		t.mu.Unlock()
		close(t.done)
	}()
	var last time.Time
	for {
		select {
		case <-t.kick:
		case <-t.stop:
			return
		}
		t.mu.Lock()
		stale := !t.pending // a run that started after the request served it
		t.mu.Unlock()
		if stale {
			continue
		}
		if wait := t.interval - t.clock.Now().Sub(last); wait > 0 {
			select {
			case <-t.clock.After(wait):
			case <-t.stop:
				return
			}
		}
		t.mu.Lock()
		t.pending, t.running = false, true
		t.mu.Unlock()
		last = t.clock.Now()
		t.f()
		t.mu.Lock()
		t.running = false
		t.idle.Broadcast()
		t.mu.Unlock()
	}
}

// DoAndWait runs f on the UI goroutine and waits for it to return. Never
// call it from a Fyne callback.
func DoAndWait(f func()) {
	fyne.DoAndWait(func() {
		mu.Lock()
		defer mu.Unlock()
		f()
	})
}

// Locked runs f while no function handed to Do runs. Tests use it: there
// fyne.Do runs functions at once on the worker's goroutine, and the test's
// goroutine, acting as the UI goroutine, must not touch widgets at the
// same time. f must not wait for a worker that calls Do.
func Locked(f func()) {
	mu.Lock()
	defer mu.Unlock()
	f()
}
