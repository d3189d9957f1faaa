package training

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/optim"
)

var (
	mnistOnce sync.Once
	mnistData *Data
	mnistErr  error
)

// smallMNIST is digits 3, 5 and 8 with the training set capped, shared by
// the tests that need real data.
func smallMNIST(t *testing.T) *Data {
	t.Helper()
	mnistOnce.Do(func() {
		cfg := DefaultConfig()
		cfg.Limit = 3000
		mnistData, mnistErr = Prepare(cfg)
	})
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	return mnistData
}

// collect runs cfg on data to the end and returns its events.
func collect(t *testing.T, ctx context.Context, cfg Config, data *Data, opts ...Option) []Event {
	t.Helper()
	run, err := Start(ctx, cfg, data, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var events []Event
	for ev := range run.Events() {
		events = append(events, ev)
	}
	run.Wait()
	return events
}

func lastEvent[T Event](t *testing.T, events []Event) T {
	t.Helper()
	if len(events) == 0 {
		t.Fatal("no events")
	}
	ev, ok := events[len(events)-1].(T)
	if !ok {
		if e, isErr := events[len(events)-1].(*ErrorEvent); isErr {
			t.Fatalf("run failed: %v", e.Err)
		}
		t.Fatalf("last event is %T", events[len(events)-1])
	}
	return ev
}

func TestTrainingLearns(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Epochs = 3
	events := collect(t, context.Background(), cfg, data)
	done := lastEvent[*DoneEvent](t, events)
	h := done.History
	if len(h) != 3 {
		t.Fatalf("got %d epoch summaries, want 3", len(h))
	}
	if !(h[2].TrainLoss < h[0].TrainLoss) {
		t.Errorf("train loss went from %.4f to %.4f; it should go down", h[0].TrainLoss, h[2].TrainLoss)
	}
	if done.Test.Accuracy < 0.93 {
		t.Errorf("test accuracy after 3 epochs on 3000 samples = %.3f, want ≥ 0.93", done.Test.Accuracy)
	}
	// Every training sample is used each epoch, the partial last batch
	// included.
	if want := 3 * data.Train.Len(); done.Samples != want {
		t.Errorf("processed %d samples, want %d (3 epochs × %d)", done.Samples, want, data.Train.Len())
	}
	n := 0
	for _, row := range done.Test.Confusion {
		for _, c := range row {
			n += c
		}
	}
	if n != data.Test.Len() {
		t.Errorf("confusion matrix counts %d samples, test set has %d", n, data.Test.Len())
	}
	if done.Stopped || done.Fraction() != 1 {
		t.Errorf("finished run reports Stopped=%v, fraction %v", done.Stopped, done.Fraction())
	}
	if done.Warning != "" {
		t.Errorf("a run that learnt warns %q", done.Warning)
	}
}

// TestCollapsedRunWarns: MSE with sgd at learning rate 10 saturates the
// softmax on its first step and predicts one class ever after, without
// its loss or weights exploding. The run ends, with a warning that says so.
func TestCollapsedRunWarns(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Loss, cfg.Optimizer, cfg.LR, cfg.Epochs = nn.MSE, optim.SGD, 10, 1
	done := lastEvent[*DoneEvent](t, collect(t, context.Background(), cfg, data))
	for _, want := range []string{"the network predicts", "the run failed to learn", "try a lower learning rate (now 10), e.g. 1"} {
		if !strings.Contains(done.Warning, want) {
			t.Errorf("Warning = %q, want it to say %q", done.Warning, want)
		}
	}
}

// TestSameSeedSameCurve checks that a run is reproducible bit for bit,
// augmentation and the partial batch included, and that the seed matters.
func TestSameSeedSameCurve(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Epochs = 2
	cfg.Batch = 50
	cfg.Augment = imageproc.Augment{Flip: true, Rotate: 10, Shift: 2, Noise: 0.05}
	curve := func(seed uint64) ([]float64, *Model) {
		c := cfg
		c.Seed = seed
		var losses []float64
		events := collect(t, context.Background(), c, data)
		for _, ev := range events {
			if b, ok := ev.(*BatchEvent); ok {
				losses = append(losses, b.Loss)
			}
		}
		return losses, lastEvent[*DoneEvent](t, events).Model
	}
	a, ma := curve(1)
	b, mb := curve(1)
	c, _ := curve(2)
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs with seed 1 gave different loss curves")
	}
	for i := range ma.Net.Params {
		if !reflect.DeepEqual(ma.Net.Params[i].Data, mb.Net.Params[i].Data) {
			t.Errorf("two runs with seed 1 gave different %s", ma.Net.Params[i].Name)
		}
	}
	if reflect.DeepEqual(a, c) {
		t.Error("seeds 1 and 2 gave the same loss curve")
	}
}

func TestPauseResumeStop(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Epochs = 1000
	// The run's clock, which the test moves an hour on while paused.
	var clockMu sync.Mutex
	var offset time.Duration
	now = func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return time.Now().Add(offset)
	}
	defer func() { now = time.Now }()

	run, err := Start(context.Background(), cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	first := <-run.Events()
	if _, ok := first.(*BatchEvent); !ok {
		t.Fatalf("first event is %T, want *BatchEvent", first)
	}
	run.Pause()
	if !run.Paused() {
		t.Fatal("Paused() = false after Pause")
	}
	// Once the loop has stopped for the pause, it sends nothing: drain
	// what it sent before.
	parked := run.Parked()
	var last Progress
	for waiting := true; waiting; {
		select {
		case ev := <-run.Events():
			last = ev.progress()
		case <-parked:
			waiting = false
		}
	}
	for drained := false; !drained; {
		select {
		case ev := <-run.Events():
			last = ev.progress()
		default:
			drained = true
		}
	}
	clockMu.Lock()
	offset += time.Hour
	clockMu.Unlock()
	select {
	case ev := <-run.Events():
		t.Fatalf("got %T while paused", ev)
	default:
	}
	run.Resume()
	resumed := (<-run.Events()).progress()
	if resumed.Step <= last.Step && last.Step != 0 {
		t.Errorf("step after resume = %d, before = %d", resumed.Step, last.Step)
	}
	if resumed.Elapsed >= time.Hour {
		t.Errorf("elapsed %v after an hour's pause: the pause was counted", resumed.Elapsed)
	}
	run.Stop()
	var end Event
	for ev := range run.Events() {
		end = ev
	}
	done, ok := end.(*DoneEvent)
	if !ok {
		t.Fatalf("last event after Stop is %T, want *DoneEvent", end)
	}
	if !done.Stopped {
		t.Error("DoneEvent.Stopped = false after Stop")
	}
	if done.Test.N != data.Test.Len() {
		t.Errorf("stopped run evaluated %d test samples, want %d", done.Test.N, data.Test.Len())
	}
	run.Wait() // returns once the stream has closed (a hang fails the test by its timeout)
}

// TestStopDeliversDone stops a run whose consumer has stopped reading
// and let the event buffer fill up: once it reads again, the stream still
// ends with the DoneEvent and its model, and by the time Wait returns the
// prefetcher's goroutine has ended too.
func TestStopDeliversDone(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Epochs = 1000
	cfg.Batch = 16
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run, err := Start(ctx, cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	for len(run.events) < cap(run.events) {
		runtime.Gosched() // the trainer fills the buffer; nobody reads
	}
	cancel()
	var last Event
	for ev := range run.Events() {
		last = ev
	}
	run.Wait()
	done, ok := last.(*DoneEvent)
	if !ok {
		t.Fatalf("last event after cancelling is %T, want *DoneEvent", last)
	}
	if !done.Stopped || done.Model == nil || done.Test.N != data.Test.Len() {
		t.Errorf("DoneEvent: Stopped %v, model %v, %d test samples; want true, a model, %d", done.Stopped, done.Model != nil, done.Test.N, data.Test.Len())
	}
	select {
	case <-run.pf.done:
	default:
		t.Error("Wait returned while the prefetcher's goroutine was still running")
	}
}

func TestDivergenceKeepsLastGoodWeights(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Optimizer = optim.SGD
	cfg.LR = 100
	cfg.Hidden = []nn.Layer{{Width: 64, Activation: nn.Linear}, {Width: 64, Activation: nn.Linear}}
	cfg.Epochs = 20
	events := collect(t, context.Background(), cfg, data)
	e := lastEvent[*ErrorEvent](t, events)
	var div *DivergedError
	if !errors.As(e.Err, &div) {
		t.Fatalf("error is %v, want a DivergedError", e.Err)
	}
	msg := e.Err.Error()
	for _, want := range []string{"diverged", "step", "learning rate"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if e.Model == nil {
		t.Fatal("ErrorEvent has no model")
	}
	for _, p := range e.Model.Net.Params {
		for _, v := range p.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("kept weights include %v in %s", v, p.Name)
			}
		}
	}
	// The kept weights give a finite loss.
	ev := newEvaluator(e.Model.Net, cfg.Loss, data.Stats)
	defer ev.close()
	got, err := ev.evaluate(data.Test)
	if err != nil {
		t.Fatal(err)
	}
	if !isFinite(got.Loss) {
		t.Errorf("the last good weights give test loss %v", got.Loss)
	}
}

// TestExplodingRunsDiverge: plain sgd at learning rates 100 and 10 blows
// up within a few steps, its weights reaching 1e11 and more while the loss
// sometimes looks ordinary again. The run must end as diverged, keeping
// finite, bounded weights that still tell the classes apart.
func TestExplodingRunsDiverge(t *testing.T) {
	data := smallMNIST(t)
	for _, lr := range []float64{100, 10} {
		cfg := DefaultConfig()
		cfg.Optimizer, cfg.LR, cfg.Epochs = optim.SGD, lr, 3
		e := lastEvent[*ErrorEvent](t, collect(t, context.Background(), cfg, data))
		var div *DivergedError
		if !errors.As(e.Err, &div) {
			t.Fatalf("lr %g: error is %v, want a DivergedError", lr, e.Err)
		}
		msg := e.Err.Error()
		for _, want := range []string{"diverged", fmt.Sprintf("lower learning rate (now %g), e.g. %g", lr, lr/10)} {
			if !strings.Contains(msg, want) {
				t.Errorf("lr %g: error %q does not say %q", lr, msg, want)
			}
		}
		if !strings.Contains(msg, "exploded from") && !strings.Contains(msg, "became NaN") {
			t.Errorf("lr %g: error %q does not say what happened to the loss", lr, msg)
		}
		if e.Model == nil {
			t.Fatalf("lr %g: ErrorEvent has no model", lr)
		}
		largest := 0.0
		for _, p := range e.Model.Net.Params {
			largest = max(largest, copyMaxAbs(make([]float32, len(p.Data)), p.Data))
		}
		if !(largest <= MaxWeight) {
			t.Errorf("lr %g: kept weights reach |w| = %g, want ≤ %g", lr, largest, float64(MaxWeight))
		}
		ev := newEvaluator(e.Model.Net, cfg.Loss, data.Stats)
		got, err := ev.evaluate(data.Test)
		ev.close()
		if err != nil {
			t.Fatal(err)
		}
		if !isFinite(got.Loss) {
			t.Errorf("lr %g: the kept weights give test loss %v", lr, got.Loss)
		}
		if w := Warning(got, data.Classes, cfg); strings.Contains(w, "predicts") {
			t.Errorf("lr %g: the kept weights have collapsed: %s", lr, w)
		}
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	data := smallMNIST(t)
	tests := []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.LR = -0.1 }, "learning rate must be > 0 (got -0.1)"},
		{func(c *Config) { c.Batch = 0 }, "batch size must be between 1"},
		{func(c *Config) { c.Batch = 100000 }, "batch size must be between 1 and 65536"},
		{func(c *Config) { c.Batch = 5000 }, "batch size must be at most the number of training samples"},
		{func(c *Config) { c.Epochs = 0 }, "epochs must be between 1"},
		{func(c *Config) { c.Hidden = []nn.Layer{{Width: 0, Activation: nn.ReLU}} }, "width must be between 1"},
		{func(c *Config) { c.Hidden = []nn.Layer{{Width: 3, Activation: "swish"}} }, `unknown activation "swish"`},
		{func(c *Config) { c.Loss = "hinge" }, `unknown loss "hinge"`},
		{func(c *Config) { c.Optimizer = "lbfgs" }, `unknown optimizer "lbfgs"`},
		{func(c *Config) { c.ValSplit = 0.9 }, "validation split must be between 0 and 0.5"},
		{func(c *Config) { c.Dataset = "csv:x" }, "dataset must be mnist, idx:DIR or folder:DIR"},
		{func(c *Config) { c.Augment.Rotate = 500 }, "rotat"},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		tt.change(&cfg)
		_, err := Start(context.Background(), cfg, data)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Start(%+v) = %v, want an error containing %q", cfg, err, tt.want)
		}
	}
}

func TestConfigJSON(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hidden = []nn.Layer{{Width: 32, Activation: nn.Tanh}, {Width: 16, Activation: nn.GELU}}
	cfg.Augment = imageproc.Augment{Flip: true, Rotate: 15}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cfg) {
		t.Errorf("JSON round trip:\n got %+v\nwant %+v\n(json %s)", back, cfg, b)
	}
	// The command line's string forms are accepted, and missing keys keep
	// their values.
	c := DefaultConfig()
	err = json.Unmarshal([]byte(`{"hidden": "256", "activation": "elu", "classes": "all", "weight_decay": 0.01, "augment": "shift=2"}`), &c)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Hidden) != 1 || c.Hidden[0] != (nn.Layer{Width: 256, Activation: nn.ELU}) || c.Classes != nil ||
		c.WeightDecay != 0.01 || c.Augment.Shift != 2 || c.LR != 0.001 {
		t.Errorf("Unmarshal(string forms) = %+v", c)
	}
	for _, bad := range []string{`{"learning_rate": 0.1}`, `{"hidden": [0]}`, `{"activation": ["relu", "tanh", "elu"]}`, `{"lr": "fast"}`} {
		c := DefaultConfig()
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("Unmarshal(%s) accepted it; want an error", bad)
		}
	}
}

func TestModelSaveLoad(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Epochs = 1
	done := lastEvent[*DoneEvent](t, collect(t, context.Background(), cfg, data))
	dir := t.TempDir()
	if err := done.Model.Save(dir); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded.Classes, data.Classes) || loaded.Stats != data.Stats {
		t.Errorf("loaded classes %v stats %v, want %v %v", loaded.Classes, loaded.Stats, data.Classes, data.Stats)
	}
	if !reflect.DeepEqual(loaded.Config, cfg) {
		t.Errorf("loaded config %+v, want %+v", loaded.Config, cfg)
	}
	for i := 0; i < 20; i++ {
		frame := data.Test.Image(i)
		a, err := done.Model.Predict(frame)
		if err != nil {
			t.Fatal(err)
		}
		b, err := loaded.Predict(frame)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("sample %d: saved model predicts %v, loaded %v", i, a, b)
		}
	}
	// The initial weights are kept: those the seed draws, saved beside
	// the model and loaded back.
	fresh, err := nn.New(cfg.Spec(len(data.Classes)), cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	if done.Model.Init == nil || loaded.Init == nil {
		t.Fatalf("initial weights: run's %v, loaded %v; want both", done.Model.Init != nil, loaded.Init != nil)
	}
	if !reflect.DeepEqual(done.Model.Init.Params, fresh.Params) || !reflect.DeepEqual(loaded.Init.Params, fresh.Params) {
		t.Errorf("the initial weights kept are not the seed's initial weights")
	}
	if reflect.DeepEqual(loaded.Init.Params, loaded.Net.Params) {
		t.Errorf("the initial weights equal the trained ones")
	}
	// The weights file alone loads too.
	if _, err := LoadModel(filepath.Join(dir, WeightsFile)); err != nil {
		t.Errorf("LoadModel(model.safetensors) = %v", err)
	}
	// Initial weights of another architecture are refused.
	other := &Model{Net: fresh, Classes: done.Model.Classes, Stats: done.Model.Stats, Config: done.Model.Config}
	other.Init, _ = nn.New(nn.Spec{Inputs: 784, Hidden: []nn.Layer{{Width: 4, Activation: nn.ReLU}}, Classes: 3}, 1)
	odd := t.TempDir()
	if err := other.Save(odd); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModel(odd); err == nil || !strings.Contains(err.Error(), InitFile) {
		t.Errorf("LoadModel with mismatched initial weights = %v, want an error naming %s", err, InitFile)
	}
	// A corrupt file gives an error naming it.
	bad := filepath.Join(t.TempDir(), "model.safetensors")
	os.WriteFile(bad, []byte("not a model at all"), 0o644)
	if _, err := LoadModel(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadModel(corrupt) = %v, want an error naming the file", err)
	}
}

// TestPredictAgreesWithEvaluation checks that single-image inference, the
// path dropped images take, gives the evaluator's predictions.
func TestPredictAgreesWithEvaluation(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Epochs = 1
	done := lastEvent[*DoneEvent](t, collect(t, context.Background(), cfg, data))
	confusion := make([][]int, 3)
	for i := range confusion {
		confusion[i] = make([]int, 3)
	}
	for i := 0; i < data.Test.Len(); i++ {
		probs, err := done.Model.Predict(data.Test.Image(i))
		if err != nil {
			t.Fatal(err)
		}
		best := 0
		for j, p := range probs {
			if p > probs[best] {
				best = j
			}
		}
		confusion[data.Test.Labels[i]][best]++
	}
	if !reflect.DeepEqual(confusion, done.Test.Confusion) {
		t.Errorf("Predict gives confusion %v, evaluation %v", confusion, done.Test.Confusion)
	}
}

// TestLayerErrorsNameTheLayerOnce: every path that checks hidden layers
// says "hidden layer N: " once, and ValidateLayer, for callers that add
// the position themselves, not at all.
func TestLayerErrorsNameTheLayerOnce(t *testing.T) {
	const want = "hidden layer 2: width must be between 1 and 8192 (got 0)"
	bad := []nn.Layer{{Width: 64, Activation: nn.ReLU}, {Width: 0, Activation: nn.ReLU}}
	cfg := DefaultConfig()
	cfg.Hidden = bad
	_, parseErr := ParseLayers("64,0", "relu")
	jsonCfg := DefaultConfig()
	jsonErr := json.Unmarshal([]byte(`{"hidden": [64, 0]}`), &jsonCfg)
	for name, err := range map[string]error{"Config.Validate": cfg.Validate(), "ParseLayers": parseErr, "a config file": jsonErr} {
		if err == nil || err.Error() != want {
			t.Errorf("%s = %v, want %q", name, err, want)
		}
	}
	_, err := ParseLayers("64,64", "relu,swish")
	if err == nil || !strings.HasPrefix(err.Error(), `hidden layer 2: unknown activation "swish"`) || strings.Count(err.Error(), "activation") != 1 {
		t.Errorf(`ParseLayers("64,64", "relu,swish") = %v, want one "hidden layer 2: unknown activation"`, err)
	}
	if err := ValidateLayer(bad[1]); err == nil || err.Error() != "width must be between 1 and 8192 (got 0)" {
		t.Errorf("ValidateLayer(width 0) = %v, want the reason without the layer's name", err)
	}
	if err := ValidateLayer(nn.Layer{Width: 8, Activation: "swish"}); err == nil || strings.Contains(err.Error(), "layer") {
		t.Errorf("ValidateLayer(swish) = %v, want the reason without the layer's name", err)
	}
}

// TestLRRange holds MinLR and MaxLR, which hints quote, to the rule the
// optimizers enforce.
func TestLRRange(t *testing.T) {
	for _, tt := range []struct {
		lr float64
		ok bool
	}{
		{MinLR, false},
		{math.Nextafter(MinLR, 1), true},
		{MaxLR, true},
		{math.Nextafter(MaxLR, math.Inf(1)), false},
	} {
		cfg := DefaultConfig()
		cfg.LR = tt.lr
		if err := cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate with learning rate %g = %v, want ok=%v", tt.lr, err, tt.ok)
		}
	}
}

func TestLoadModelSaysWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a model"), 0o644)
	missing := filepath.Join(dir, "gone")
	for path, want := range map[string]string{
		dir:     dir + " has no model.safetensors: choose the folder written by Save model… or `workbench train --out`",
		missing: missing + " does not exist: choose the folder written by Save model… or `workbench train --out`",
	} {
		if _, err := LoadModel(path); err == nil || err.Error() != want {
			t.Errorf("LoadModel(%s) = %v, want %q", path, err, want)
		}
	}
	// A file that is not a model is named once, without Go's "open …".
	notes := filepath.Join(dir, "notes.txt")
	if _, err := LoadModel(notes); err == nil || strings.Count(err.Error(), notes) != 1 {
		t.Errorf("LoadModel(notes.txt) = %v, want an error naming the file once", err)
	}
}
