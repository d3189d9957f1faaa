package bridge

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestThrottleLimitsRateAndRunsLast(t *testing.T) {
	var runs atomic.Int32
	th := NewThrottle(50*time.Millisecond, func() { runs.Add(1) })
	defer th.Stop()
	start := time.Now()
	for time.Since(start) < 300*time.Millisecond {
		th.Request()
		time.Sleep(time.Millisecond)
	}
	time.Sleep(120 * time.Millisecond) // the trailing run
	n := runs.Load()
	// 300 ms of requests at 50 ms apart: about 6–7 runs, never hundreds.
	if n < 4 || n > 9 {
		t.Errorf("%d runs for 300 ms of continuous requests at a 50 ms interval, want about 7", n)
	}
	before := runs.Load()
	th.Request()
	time.Sleep(120 * time.Millisecond)
	if runs.Load() != before+1 {
		t.Errorf("a single request after a pause ran f %d times, want once", runs.Load()-before)
	}
}

func TestThrottleStop(t *testing.T) {
	th := NewThrottle(time.Hour, func() {})
	th.Request()
	th.Request() // waits an hour for its turn
	done := make(chan struct{})
	go func() { th.Stop(); th.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Stop did not end a throttle waiting out its interval")
	}
}

func TestThrottleWait(t *testing.T) {
	var runs atomic.Int32
	th := NewThrottle(30*time.Millisecond, func() {
		time.Sleep(20 * time.Millisecond)
		runs.Add(1)
	})
	defer th.Stop()
	th.Request()
	th.Wait()
	if runs.Load() != 1 {
		t.Errorf("after Wait, f ran %d times, want 1", runs.Load())
	}
	th.Request()
	th.Request()
	th.Wait()
	if runs.Load() != 2 {
		t.Errorf("two quick requests then Wait: %d runs, want 2", runs.Load())
	}
}
