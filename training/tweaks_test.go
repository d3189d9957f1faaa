package training

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/optim"
	"github.com/neuralworkbench/workbench/training/schedule"
)

// pauseNow pauses run and returns the events it sent before it stopped at
// a batch boundary: from then on it sends nothing until Resume. The run
// must not end first.
func pauseNow(t *testing.T, run *Run) []Event {
	t.Helper()
	run.Pause()
	parked := run.Parked()
	var events []Event
	for {
		select {
		case <-parked:
			for {
				select {
				case ev := <-run.Events():
					events = append(events, ev)
				default:
					return events
				}
			}
		case ev, ok := <-run.Events():
			if !ok {
				t.Fatal("the run ended before it could pause")
			}
			events = append(events, ev)
		}
	}
}

// lastStep is the step of the last BatchEvent in events (0 if none).
func lastStep(events []Event) int {
	step := 0
	for _, ev := range events {
		if b, ok := ev.(*BatchEvent); ok {
			step = b.Step
		}
	}
	return step
}

func liveConfig() Config {
	cfg := DefaultConfig()
	cfg.Hidden = []nn.Layer{{Width: 16, Activation: nn.ReLU}}
	cfg.Optimizer, cfg.LR, cfg.Momentum, cfg.Epochs = optim.Momentum, 0.05, 0.9, 3
	return cfg
}

// TestLiveChanges pauses a run twice and changes the learning rate, the
// weight decay and the momentum while it waits: each change applies from
// the step after the pause, is reported and recorded in the config, and
// training the recorded config again reproduces the run bit for bit.
func TestLiveChanges(t *testing.T) {
	data := smallMNIST(t)
	cfg := liveConfig()
	run, err := Start(context.Background(), cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	events := pauseNow(t, run)
	k1 := lastStep(events) + 1 // the first changes apply here
	for _, c := range []struct {
		s Setting
		v float64
	}{{SettingLR, 0.01}, {SettingWeightDecay, 0.001}} {
		if err := run.Change(c.s, c.v); err != nil {
			t.Fatalf("Change(%s, %g) = %v", c.s, c.v, err)
		}
	}
	run.Resume()
	more := pauseNow(t, run)
	events = append(events, more...)
	k2 := lastStep(events) + 1 // the second ones here
	if k2 <= k1 {
		t.Fatalf("the second pause came at step %d, before the first change's step %d", k2-1, k1)
	}
	if err := run.Change(SettingMomentum, 0.5); err != nil {
		t.Fatal(err)
	}
	if err := run.Change(SettingLR, 0.02); err != nil {
		t.Fatal(err)
	}
	run.Resume()
	for ev := range run.Events() {
		events = append(events, ev)
	}
	run.Wait()
	done := lastEvent[*DoneEvent](t, events)

	want := []Change{
		{Step: k1, Setting: SettingLR, From: 0.05, Value: 0.01},
		{Step: k1, Setting: SettingWeightDecay, From: 0, Value: 0.001},
		{Step: k2, Setting: SettingMomentum, From: 0.9, Value: 0.5},
		{Step: k2, Setting: SettingLR, From: 0.01, Value: 0.02},
	}
	var reported, perEpoch []Change
	for _, ev := range events {
		switch e := ev.(type) {
		case *ChangeEvent:
			reported = append(reported, e.Change)
			if e.Step != e.Change.Step {
				t.Errorf("a change for step %d was reported at step %d", e.Change.Step, e.Step)
			}
		case *EpochEvent:
			perEpoch = append(perEpoch, e.Summary.Changes...)
		case *BatchEvent:
			lr, mu := 0.05, 0.9
			if e.Step >= k1 {
				lr = 0.01
			}
			if e.Step >= k2 {
				lr, mu = 0.02, 0.5
			}
			if e.LR != lr || e.Momentum != mu {
				t.Fatalf("step %d used lr %g and momentum %g, want %g and %g (changes at %d and %d)", e.Step, e.LR, e.Momentum, lr, mu, k1, k2)
			}
		}
	}
	if !reflect.DeepEqual(reported, want) {
		t.Errorf("changes reported:\n%+v\nwant\n%+v", reported, want)
	}
	if !reflect.DeepEqual(perEpoch, want) {
		t.Errorf("changes in the per-epoch table:\n%+v\nwant\n%+v", perEpoch, want)
	}
	if got := done.Model.Config.Changes; !reflect.DeepEqual(got, want) {
		t.Errorf("the model's config records\n%+v\nwant\n%+v", got, want)
	}
	if done.Model.Config.LR != 0.05 || done.Model.Config.Momentum != 0.9 || done.Model.Config.WeightDecay != 0 {
		t.Errorf("the config's starting values changed: lr %g, momentum %g, weight decay %g", done.Model.Config.LR, done.Model.Config.Momentum, done.Model.Config.WeightDecay)
	}
	if got := want[0].String(); got != "lr 0.05 → 0.01 at step "+Thousands(k1) {
		t.Errorf("the change's label is %q", got)
	}

	// The config written to disk and read back replays the changes.
	js, err := json.Marshal(done.Model.Config)
	if err != nil {
		t.Fatal(err)
	}
	replay := DefaultConfig()
	if _, err := DecodeConfig(js, &replay); err != nil {
		t.Fatalf("reading %s back: %v", js, err)
	}
	again := collect(t, context.Background(), replay, data)
	redone := lastEvent[*DoneEvent](t, again)
	for i, p := range done.Model.Net.Params {
		if !slices.Equal(p.Data, redone.Model.Net.Params[i].Data) {
			t.Fatalf("the replay's %s differs from the run's", p.Name)
		}
	}
	if redone.Test.Loss != done.Test.Loss || !reflect.DeepEqual(redone.Model.Config.Changes, want) {
		t.Errorf("the replay: test loss %g (run %g), changes %+v", redone.Test.Loss, done.Test.Loss, redone.Model.Config.Changes)
	}
	// And without the changes the run is another one.
	plain := lastEvent[*DoneEvent](t, collect(t, context.Background(), cfg, data))
	if plain.Test.Loss == done.Test.Loss {
		t.Error("the changes did not change the run")
	}
}

func TestChangesRefused(t *testing.T) {
	data := smallMNIST(t)
	adam := liveConfig()
	adam.Optimizer = optim.Adam
	cycle := liveConfig()
	cycle.Schedule, _ = schedule.Parse("onecycle")
	for _, tt := range []struct {
		cfg  Config
		s    Setting
		v    float64
		want string
	}{
		{liveConfig(), SettingLR, 0, "learning rate must be > 0 and ≤ 100 (got 0)"},
		{liveConfig(), SettingLR, 101, "learning rate must be > 0 and ≤ 100 (got 101)"},
		{liveConfig(), SettingMomentum, 1, "momentum must be in [0, 1) (got 1)"},
		{liveConfig(), SettingWeightDecay, -0.1, "weight decay must be in [0, 1) (got -0.1)"},
		{liveConfig(), "batch", 32, `"batch" cannot change during a run (allowed: lr, momentum, weight_decay)`},
		{adam, SettingMomentum, 0.5, "the adam optimizer has no momentum to change"},
		{cycle, SettingMomentum, 0.5, "onecycle schedule sets the momentum at every step"},
		{cycle, SettingLR, 50, "would take the rest of the schedule to"},
	} {
		run, err := Start(context.Background(), tt.cfg, data)
		if err != nil {
			t.Fatal(err)
		}
		pauseNow(t, run)
		if err := run.Change(tt.s, tt.v); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Change(%s, %g) = %v, want %q", tt.cfg.Optimizer, tt.s, tt.v, err, tt.want)
		}
		run.Stop()
		for ev := range run.Events() {
			if c, ok := ev.(*ChangeEvent); ok {
				t.Errorf("a refused change was made: %+v", c.Change)
			}
		}
		run.Wait()
		if err := run.Change(SettingLR, 0.01); err == nil || !strings.Contains(err.Error(), "the run has ended") {
			t.Errorf("a change after the run ended: %v", err)
		}
	}
}

func TestRecordedChangesChecked(t *testing.T) {
	data := smallMNIST(t)
	for _, tt := range []struct {
		changes string
		want    string
	}{
		{`[{"step": 0, "setting": "lr", "value": 0.1}]`, "changes: change 1 (lr at step 0): steps count from 1"},
		{`[{"step": 5, "setting": "lr", "value": 0.1}, {"step": 4, "setting": "lr", "value": 0.1}]`, "change 2 (lr at step 4): changes must be in step order"},
		{`[{"step": 5, "setting": "momentum", "value": 2}]`, "change 1 (momentum at step 5): momentum must be in [0, 1) (got 2)"},
		{`[{"step": 5, "setting": "loss", "value": 2}]`, `"loss" cannot change during a run`},
		{`[{"step": 5000, "setting": "lr", "value": 0.1}]`, "change 1 (lr at step 5000) comes after the run's last step, 141"},
	} {
		cfg := liveConfig()
		_, err := DecodeConfig([]byte(`{"changes": `+tt.changes+`}`), &cfg)
		if err == nil {
			_, err = Start(context.Background(), cfg, data)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("changes %s: %v, want %q", tt.changes, err, tt.want)
		}
	}
}

// TestOneCycleCyclesMomentum: under onecycle, every update of a momentum
// optimizer (and Adam's, through β₁) uses the schedule's momentum, as
// OneCycleLR's cycle_momentum makes PyTorch's do.
func TestOneCycleCyclesMomentum(t *testing.T) {
	data := smallMNIST(t)
	for _, kind := range []optim.Kind{optim.Momentum, optim.Adam, optim.SGD} {
		cfg := liveConfig()
		cfg.Optimizer, cfg.LR, cfg.Epochs = kind, 0.01, 2
		cfg.Schedule, _ = schedule.Parse("onecycle")
		batches := (data.Train.Len() + cfg.Batch - 1) / cfg.Batch
		sched, err := cfg.Schedule.Start(cfg.LR, batches, cfg.Epochs)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[float64]bool{}
		for _, ev := range collect(t, context.Background(), cfg, data) {
			if b, ok := ev.(*BatchEvent); ok {
				want, _ := sched.Momentum(b.Step - 1)
				if kind == optim.SGD {
					want = 0 // PyTorch would make it a momentum optimizer; we leave it alone
				}
				if b.Momentum != want {
					t.Fatalf("%s: step %d used momentum %g, the schedule says %g", kind, b.Step, b.Momentum, want)
				}
				seen[b.Momentum] = true
			}
		}
		if kind != optim.SGD && len(seen) < batches {
			t.Errorf("%s: only %d momenta over %d steps", kind, len(seen), 2*batches)
		}
	}
}

// TestEarlyStoppingKeepsTheBest trains a network that overfits until
// early stopping ends it, and checks that the run keeps the best epoch's
// weights: the model's test accuracy, recomputed from the saved file, is
// the one reported, and the last weights are kept as well.
func TestEarlyStoppingKeepsTheBest(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Hidden = []nn.Layer{{Width: 64, Activation: nn.ReLU}}
	cfg.Optimizer, cfg.LR, cfg.Epochs = optim.Adam, 0.01, 40
	cfg.EarlyStop = EarlyStop{Patience: 2, Metric: ValLoss}
	events := collect(t, context.Background(), cfg, data, Checkpoints())
	done := lastEvent[*DoneEvent](t, events)
	h := done.History
	if !done.EarlyStopped || done.Stopped || len(h) >= cfg.Epochs {
		t.Fatalf("early stopped %v, stopped %v after %d of %d epochs", done.EarlyStopped, done.Stopped, len(h), cfg.Epochs)
	}
	best := 0
	for i, s := range h {
		if s.Val.Loss < h[best].Val.Loss {
			best = i
		}
		if s.Best != (best == i) {
			t.Errorf("epoch %d: Best %v, the best so far is epoch %d", s.Epoch, s.Best, best+1)
		}
	}
	if done.BestEpoch != best+1 || len(h) != best+1+cfg.EarlyStop.Patience {
		t.Errorf("best epoch %d of %d, want %d, ending %d epochs after it", done.BestEpoch, len(h), best+1, cfg.EarlyStop.Patience)
	}
	if !done.Model.Best || done.Model.Epoch != best+1 || done.Best != done.Model || done.Last.Best || done.Last.Epoch != len(h) {
		t.Fatalf("the model is best %v of epoch %d; the last of epoch %d", done.Model.Best, done.Model.Epoch, done.Last.Epoch)
	}
	// The best weights are those of the best epoch's checkpoint.
	for _, ev := range events {
		if e, ok := ev.(*EpochEvent); ok && e.Summary.Epoch == best+1 {
			for i, p := range e.Model.Net.Params {
				if !slices.Equal(p.Data, done.Model.Net.Params[i].Data) {
					t.Fatalf("the best model's %s is not epoch %d's", p.Name, best+1)
				}
			}
		}
	}
	// Saved and read back, the best weights score what the run reported.
	dir := t.TempDir()
	if err := done.Last.Save(dir); err != nil {
		t.Fatal(err)
	}
	if err := done.Best.SaveBest(dir); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Best || m.Epoch != best+1 {
		t.Errorf("LoadModel read best %v, epoch %d", m.Best, m.Epoch)
	}
	acc := func(m *Model) float64 {
		p, err := m.PredictSplit(data.Test)
		if err != nil {
			t.Fatal(err)
		}
		return p.Accuracy()
	}
	if got := acc(m); got != done.Test.Accuracy {
		t.Errorf("the saved best model scores %.4f on the test set, the run reported %.4f", got, done.Test.Accuracy)
	}
	last, err := LoadModelKeeping(dir, KeepLast)
	if err != nil {
		t.Fatal(err)
	}
	if last.Best || last.Epoch != len(h) || slices.Equal(last.Net.Params[0].Data, m.Net.Params[0].Data) {
		t.Errorf("LoadModelKeeping(last) read best %v, epoch %d (or the best weights)", last.Best, last.Epoch)
	}
	// keep last: the run's model is the last weights, scored as such.
	cfg.Keep = KeepLast
	kl := lastEvent[*DoneEvent](t, collect(t, context.Background(), cfg, data))
	if kl.Model.Best || kl.BestEpoch != done.BestEpoch || math.Abs(acc(last)-kl.Test.Accuracy) > 0 {
		t.Errorf("keep last: model best %v, best epoch %d; test accuracy %.4f, the last weights score %.4f", kl.Model.Best, kl.BestEpoch, kl.Test.Accuracy, acc(last))
	}
	if _, err := os.Stat(dir + "/" + BestFile); err != nil {
		t.Error(err)
	}
}

func TestEarlyStopConfig(t *testing.T) {
	for _, tt := range []struct {
		text, want, err string
	}{
		{"3", "3:val_loss", ""},
		{"5:val_acc", "5:val_acc", ""},
		{"off", "off", ""},
		{"0", "off", ""},
		{"-1", "", "patience must be a whole number of epochs from 1 to 10000"},
		{"2:train_loss", "", `unknown metric "train_loss" (allowed: val_loss, val_acc)`},
	} {
		e, err := ParseEarlyStop(tt.text)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseEarlyStop(%q) = %v, want %q", tt.text, err, tt.err)
			}
			continue
		}
		if err != nil || e.String() != tt.want {
			t.Errorf("ParseEarlyStop(%q) = %v, %v; want %s", tt.text, e, err, tt.want)
		}
	}
	c := DefaultConfig()
	c.EarlyStop, c.ValSplit = EarlyStop{Patience: 3}, 0
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "needs a validation split above 0") {
		t.Errorf("early stopping without validation: %v", err)
	}
	c = DefaultConfig()
	if _, err := DecodeConfig([]byte(`{"early_stop": "4:val_acc", "keep": "last"}`), &c); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	if !strings.Contains(string(b), `"early_stop":"4:val_acc","keep":"last"`) {
		t.Errorf("written back: %s", b)
	}
	b, _ = json.Marshal(DefaultConfig())
	if strings.Contains(string(b), "early_stop") || strings.Contains(string(b), "keep") || strings.Contains(string(b), "changes") {
		t.Errorf("the default config writes the new keys: %s", b)
	}
	if _, err := DecodeConfig([]byte(`{"keep": "first"}`), &c); err == nil || !strings.Contains(err.Error(), `unknown choice "first" (allowed: best, last)`) {
		t.Errorf("keep first: %v", err)
	}
}

func TestShortNumber(t *testing.T) {
	for v, want := range map[float64]string{0.001: "1e-3", 0.0003: "3e-4", 0.9: "0.9", 0.05: "0.05", 0.00125: "0.00125", 1: "1", 0: "0", 0.5: "0.5", 0.0001: "1e-4"} {
		if got := ShortNumber(v); got != want {
			t.Errorf("ShortNumber(%g) = %q, want %q", v, got, want)
		}
	}
	for n, want := range map[int]string{1240: "1,240", 12: "12", 1234567: "1,234,567", 100: "100"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
