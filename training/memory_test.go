package training

import (
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training/nn"
)

// TestMemoryNeed: the estimate is never below the peak memory measured
// for real runs (see memory.go), and a network that would not fit is
// refused by Validate with a message naming the batch and what to do,
// while the presets and the default network pass.
func TestMemoryNeed(t *testing.T) {
	layers := func(text string) Config {
		c := DefaultConfig()
		l, err := nn.ParseLayerList(text)
		if err != nil {
			t.Fatal(err)
		}
		c.Hidden, c.Layers = nil, l
		return c
	}
	preset := func(name string) Config {
		a, err := nn.Preset(name, 3)
		if err != nil {
			t.Fatal(err)
		}
		c := DefaultConfig()
		c.Hidden, c.Layers = nil, a.Layers
		return c
	}
	for _, m := range []struct {
		name     string
		cfg      Config
		measured int64 // peak resident memory, bytes
	}{
		{"default", DefaultConfig(), 139052 << 10},
		{"lenet", preset("lenet"), 164992 << 10},
		{"resnet:3:16", preset("resnet"), 798132 << 10},
		{"conv(256)", layers("conv(256,3,1,1,relu)"), 868572 << 10},
		{"conv(256)×2", layers("conv(256,3,1,1,relu),conv(256,3,1,1,relu)"), 2074976 << 10},
	} {
		need, _ := m.cfg.memoryNeed(3)
		if ratio := float64(need) / float64(m.measured); ratio < 1 || ratio > 2 {
			t.Errorf("%s: estimate %s against %s measured (×%.2f), want 1–2×", m.name, gigabytes(need), gigabytes(m.measured), ratio)
		}
		t.Logf("%s: estimate %s, measured %s (×%.2f)", m.name, gigabytes(need), gigabytes(m.measured), float64(need)/float64(m.measured))
	}

	defer func(limit int64) { memoryLimit = limit }(memoryLimit)
	memoryLimit = 4 << 30
	for _, c := range []Config{DefaultConfig(), preset("lenet"), preset("resnet")} {
		if err := c.Validate(); err != nil {
			t.Errorf("%s refused with 4 GB: %v", c.Spec(3), err)
		}
	}
	huge := layers("conv(512,3,1,1,relu),conv(512,3,1,1,relu),conv(512,3,1,1,relu)")
	err := huge.Validate()
	if err == nil || !strings.HasPrefix(err.Error(), "the network needs about ") ||
		!strings.Contains(err.Error(), "to train at batch 64 (its layers hold 1,205,011 values a sample), more than the 4.0 GB allowed") {
		t.Errorf("three 512-filter convolutions at full resolution with 4 GB: %v", err)
	}
}
