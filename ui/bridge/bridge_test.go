package bridge

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock the test advances by hand. Each After call is
// handed to the test on afters, which decides when it fires: the throttle
// is then known to be waiting, with no sleeping on either side.
type fakeClock struct {
	mu     sync.Mutex // guards now
	now    time.Time
	afters chan after
}

type after struct {
	d    time.Duration
	fire chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1_000_000, 0), afters: make(chan after, 16)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	a := after{d: d, fire: make(chan time.Time, 1)}
	c.afters <- a
	return a.fire
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// noWaits fails the test if the throttle has asked to wait.
func (c *fakeClock) noWaits(t *testing.T, when string) {
	t.Helper()
	select {
	case a := <-c.afters:
		t.Errorf("%s: the throttle waits %v, want no wait", when, a.d)
	default:
	}
}

// blockingF is a throttled function that reports each run and returns
// only when released.
type blockingF struct {
	runs    atomic.Int32
	started chan struct{}
	release chan struct{}
}

func newBlockingF() *blockingF {
	return &blockingF{started: make(chan struct{}), release: make(chan struct{})}
}

func (b *blockingF) run() {
	b.runs.Add(1)
	b.started <- struct{}{}
	<-b.release
}

// busyThrottle returns a throttle of a blocking f on a fake clock, with a
// first request made and f running it.
func busyThrottle(t *testing.T, interval time.Duration) (*Throttle, *fakeClock, *blockingF) {
	clk, f := newFakeClock(), newBlockingF()
	th := newThrottle(interval, f.run, clk)
	t.Cleanup(th.Stop)
	th.Request()
	<-f.started // the first request runs at once
	clk.noWaits(t, "first request")
	return th, clk, f
}

// passes lets the wait a runs out and lets the run it starts finish.
func (b *blockingF) passes(clk *fakeClock, a after) {
	clk.advance(a.d)
	a.fire <- clk.Now()
	<-b.started
	b.release <- struct{}{}
}

// TestThrottleRateAndLastRun: requests made while f runs are served by
// one more run, which waits out the interval; a request after a quiet
// interval runs at once.
func TestThrottleRateAndLastRun(t *testing.T) {
	const interval = 50 * time.Millisecond
	th, clk, f := busyThrottle(t, interval)
	for range 100 {
		th.Request()
	}
	f.release <- struct{}{}
	a := <-clk.afters // the hundred requests wait for the interval...
	if a.d != interval {
		t.Errorf("the second run waits %v, want %v", a.d, interval)
	}
	if n := f.runs.Load(); n != 1 {
		t.Errorf("f ran %d times before the interval passed, want 1", n)
	}
	th.Request()     // while waiting: served by the same run
	f.passes(clk, a) // ...and are served by one run
	th.Wait()
	if n := f.runs.Load(); n != 2 {
		t.Errorf("a request, a hundred more while f ran, one while waiting, then Wait: %d runs, want 2", n)
	}
	clk.noWaits(t, "after Wait")

	clk.advance(time.Second)
	th.Request()
	<-f.started // after a quiet second, at once
	f.release <- struct{}{}
	th.Wait()
	clk.noWaits(t, "a request after a quiet second")
	if n := f.runs.Load(); n != 3 {
		t.Errorf("after a quiet second a request gave %d runs in all, want 3", n)
	}
}

// TestThrottleWait: Wait returns once every request so far is served,
// the last one included, whatever the interval.
func TestThrottleWait(t *testing.T) {
	th, clk, f := busyThrottle(t, 30*time.Millisecond)
	waited := make(chan struct{})
	go func() { th.Wait(); close(waited) }()
	th.Request() // while f runs: Wait must wait for the run after it
	th.Request()
	f.release <- struct{}{}
	a := <-clk.afters
	select {
	case <-waited:
		t.Fatal("Wait returned with a request not yet served")
	default:
	}
	f.passes(clk, a)
	<-waited
	if n := f.runs.Load(); n != 2 {
		t.Errorf("two requests while f ran, then Wait: %d runs, want 2", n)
	}
}

// TestThrottleStop: Stop ends a throttle that is waiting out its
// interval, drops the request it waited for, and may be called twice.
func TestThrottleStop(t *testing.T) {
	clk := newFakeClock()
	var runs atomic.Int32
	th := newThrottle(time.Hour, func() { runs.Add(1) }, clk)
	th.Request()
	th.Wait()
	th.Request()
	<-clk.afters // waiting an hour for its turn
	th.Stop()
	th.Stop()
	th.Wait() // nothing pending after Stop
	if n := runs.Load(); n != 1 {
		t.Errorf("f ran %d times, want 1: the request pending at Stop is dropped", n)
	}
}

// TestNewThrottleUsesTheWallClock runs a real throttle once: nothing in
// it depends on how long anything takes.
func TestNewThrottleUsesTheWallClock(t *testing.T) {
	var runs atomic.Int32
	th := NewThrottle(time.Millisecond, func() { runs.Add(1) })
	defer th.Stop()
	th.Request()
	th.Wait()
	if runs.Load() != 1 {
		t.Errorf("one request then Wait: %d runs, want 1", runs.Load())
	}
}
