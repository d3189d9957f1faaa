package training

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/optim"
	"github.com/neuralworkbench/workbench/training/schedule"
)

// TestRunFollowsTheSchedule trains with a step and a cosine schedule and
// checks the rate every update used against the schedule's own, and that
// a constant schedule trains exactly as before schedules existed.
func TestRunFollowsTheSchedule(t *testing.T) {
	data := smallMNIST(t)
	base := DefaultConfig()
	base.Hidden = []nn.Layer{{Width: 16, Activation: nn.ReLU}}
	base.Optimizer, base.LR, base.Epochs = optim.SGD, 0.1, 3
	batches := (data.Train.Len() + base.Batch - 1) / base.Batch
	for _, text := range []string{"step:1:0.5", "cosine:0.001,warmup=1", "onecycle:0.3"} {
		cfg := base
		var err error
		if cfg.Schedule, err = schedule.Parse(text); err != nil {
			t.Fatal(err)
		}
		want, err := cfg.Schedule.Start(cfg.LR, batches, cfg.Epochs)
		if err != nil {
			t.Fatal(err)
		}
		events := collect(t, context.Background(), cfg, data)
		lastEvent[*DoneEvent](t, events)
		steps := 0
		for _, ev := range events {
			switch e := ev.(type) {
			case *BatchEvent:
				if w := want.LR(e.Step - 1); e.LR != w {
					t.Fatalf("%s: step %d used lr %g, the schedule says %g", text, e.Step, e.LR, w)
				}
				steps++
			case *EpochEvent:
				if w := want.LR(e.Step - 1); e.Summary.LR != w {
					t.Errorf("%s: epoch %d reports lr %g, want its last step's %g", text, e.Summary.Epoch, e.Summary.LR, w)
				}
			}
		}
		if steps != batches*cfg.Epochs {
			t.Errorf("%s: %d batch events, want %d", text, steps, batches*cfg.Epochs)
		}
	}
	// The step schedule halves the rate each epoch: 0.1, 0.05, 0.025.
	cfg := base
	cfg.Schedule, _ = schedule.Parse("step:1:0.5")
	var lrs []float64
	for _, ev := range collect(t, context.Background(), cfg, data) {
		if e, ok := ev.(*EpochEvent); ok {
			lrs = append(lrs, e.Summary.LR)
		}
	}
	if len(lrs) != 3 || lrs[0] != 0.1 || lrs[1] != 0.05 || lrs[2] != 0.025 {
		t.Errorf("step:1:0.5 epochs ran at %v, want [0.1 0.05 0.025]", lrs)
	}
	// constant is what a config without a schedule has always done.
	explicit := base
	explicit.Schedule, _ = schedule.Parse("constant")
	a := lastEvent[*DoneEvent](t, collect(t, context.Background(), base, data))
	b := lastEvent[*DoneEvent](t, collect(t, context.Background(), explicit, data))
	if a.Test.Loss != b.Test.Loss {
		t.Errorf("constant: test loss %g, without a schedule %g", b.Test.Loss, a.Test.Loss)
	}
}

func TestScheduleConfig(t *testing.T) {
	c := DefaultConfig()
	b, _ := json.Marshal(c)
	if strings.Contains(string(b), "schedule") {
		t.Errorf("a config without a schedule writes one: %s", b)
	}
	if _, err := DecodeConfig([]byte(`{"schedule": "step:2:0.5"}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.Schedule.String() != "step:2:0.5" {
		t.Errorf("read schedule %q", c.Schedule)
	}
	b, _ = json.Marshal(c)
	if !strings.Contains(string(b), `"schedule":"step:2:0.5"`) {
		t.Errorf("written back: %s", b)
	}
	for _, tt := range []struct{ file, want string }{
		{`{"schedule": "step:0:0.5"}`, "N must be ≥ 1"},
		{`{"schedule": "exp"}`, `unknown schedule "exp"`},
	} {
		c := DefaultConfig()
		if _, err := DecodeConfig([]byte(tt.file), &c); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeConfig(%s) = %v, want %q", tt.file, err, tt.want)
		}
	}
	c = DefaultConfig()
	c.Schedule, _ = schedule.Parse("plateau:2:0.5")
	c.ValSplit = 0
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "needs a validation split above 0") {
		t.Errorf("plateau without validation: %v", err)
	}
	c.ValSplit, c.Epochs = 0.1, 5
	c.Schedule, _ = schedule.Parse("cosine,warmup=5")
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "learning-rate schedule") {
		t.Errorf("a warmup as long as the run: %v", err)
	}
}
