package training

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/neuralworkbench/workbench/training/nn"
)

// TestProbe: the window's size warning times a few real steps of the
// experiment and scales them to an epoch; the probe's run ends with it,
// and a cancelled or impossible probe says why.
func TestProbe(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	lenet, err := nn.Preset("lenet", 3)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Hidden, cfg.Layers = nil, lenet.Layers
	// A step budget, not a time budget, so that the test does not depend
	// on the machine's speed.
	est, err := Probe(context.Background(), cfg, data, time.Hour, 5)
	if err != nil {
		t.Fatal(err)
	}
	if est.Steps != 5 || !(est.SamplesPerSec > 0) {
		t.Fatalf("probe: %+v, want 5 timed steps at a positive rate", est)
	}
	want := float64(data.Train.Len()) / est.SamplesPerSec
	if got := est.EpochTime.Seconds(); math.Abs(got-want) > 1e-6*want {
		t.Errorf("epoch time %v s, want the %d training images at %.0f samples/s = %v s", got, data.Train.Len(), est.SamplesPerSec, want)
	}
	if n := prefetchersAfter(10 * time.Second); n != 0 {
		t.Errorf("%d prefetchers still running after the probe returned", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Probe(ctx, cfg, data, time.Hour, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled probe returned %v", err)
	}
	cfg.Batch = 0
	if _, err := Probe(context.Background(), cfg, data, 0, 0); err == nil || !strings.Contains(err.Error(), "batch") {
		t.Errorf("a probe of an impossible experiment returned %v", err)
	}
}
