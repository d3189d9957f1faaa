package sweep

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/optim"
	"github.com/neuralworkbench/workbench/training/runs"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in     string
		want   Axis
		hasErr string // a part of the error; "" for none
	}{
		{in: "lr=1e-4,1e-3,1e-2", want: Axis{Setting: "lr", Values: []string{"1e-4", "1e-3", "1e-2"}}},
		{in: " lr = 0.1 , 0.01 ", want: Axis{Setting: "lr", Values: []string{"0.1", "0.01"}}},
		{in: "lr=1e-4..1e-1 x7 log", want: Axis{Setting: "lr", Log: true,
			Values: []string{"0.0001", "0.000316", "0.001", "0.00316", "0.01", "0.0316", "0.1"}}},
		{in: "momentum=0..0.9 x4", want: Axis{Setting: "momentum", Values: []string{"0", "0.3", "0.6", "0.9"}}},
		{in: "momentum=0..0.9 x4 lin", want: Axis{Setting: "momentum", Values: []string{"0", "0.3", "0.6", "0.9"}}},
		{in: "batch=16..256 x5 log", want: Axis{Setting: "batch", Log: true, Values: []string{"16", "32", "64", "128", "256"}}},
		{in: "epochs=1..3 x3", want: Axis{Setting: "epochs", Values: []string{"1", "2", "3"}}},
		{in: "optimizer=sgd,adam", want: Axis{Setting: "optimizer", Values: []string{"sgd", "adam"}}},
		{in: "weight_decay=0,1e-4", want: Axis{Setting: "weight-decay", Values: []string{"0", "1e-4"}}},
		{in: "hidden=none;64;128,64", want: Axis{Setting: "hidden", Values: []string{"none", "64", "128,64"}}},
		{in: "augment=none;flip,noise=0.1", want: Axis{Setting: "augment", Values: []string{"none", "flip,noise=0.1"}}},
		{in: "seed=1,2,3", want: Axis{Setting: "seed", Values: []string{"1", "2", "3"}}},
		{in: "schedule=constant;step:1:0.5;cosine:0.0001,warmup=1", want: Axis{Setting: "schedule", Values: []string{"constant", "step:1:0.5", "cosine:0.0001,warmup=1"}}},
		{in: "schedule=step:0:0.5", hasErr: "N must be ≥ 1"},

		{in: "lr", hasErr: "write a setting and its values"},
		{in: "=1,2", hasErr: "write a setting"},
		{in: "speed=1,2", hasErr: `unknown setting "speed"`},
		{in: "lr=", hasErr: "no values"},
		{in: "lr=1e-3,,1e-2", hasErr: "an empty value"},
		{in: "lr=1e-3,1e-3", hasErr: "1e-3 is given twice"},
		{in: "lr=fast", hasErr: `lr=fast: "fast" is not a number`},
		{in: "lr=-1", hasErr: "learning rate must be > 0"},
		{in: "lr=1e-4..1e-1", hasErr: "say how many values"},
		{in: "lr=1e-4..1e-1 x1", hasErr: "between 2 and 1000"},
		{in: "lr=1e-4..1e-1 x7 cubic", hasErr: "lin or log"},
		{in: "lr=1e-1..1e-4 x7", hasErr: "from low to high"},
		{in: "momentum=0..0.9 x4 log", hasErr: "must start above 0"},
		{in: "epochs=1..3 x5", hasErr: "do not fit"},
		{in: "optimizer=sgd..adam x2", hasErr: "a range needs a numeric setting"},
		{in: "optimizer=sgd,rmsgrad", hasErr: "rmsgrad"},
		{in: "batch=0,64", hasErr: "batch size must be"},
		{in: "hidden=64;x", hasErr: "not a whole number"},
		{in: "seed=-1", hasErr: "seed must be a whole number"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		switch {
		case tt.hasErr == "" && err != nil:
			t.Errorf("Parse(%q) failed: %v", tt.in, err)
		case tt.hasErr != "" && (err == nil || !strings.Contains(err.Error(), tt.hasErr)):
			t.Errorf("Parse(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.hasErr)
		case tt.hasErr == "" && (got.Setting != tt.want.Setting || got.Log != tt.want.Log || !slices.Equal(got.Values, tt.want.Values)):
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if err == nil {
			if back, err := Parse(got.String()); err != nil || !slices.Equal(back.Values, got.Values) {
				t.Errorf("Parse(%q).String() = %q does not read back: %v, %v", tt.in, got.String(), back, err)
			}
		}
	}
}

func mustParse(t *testing.T, texts ...string) []Axis {
	t.Helper()
	var axes []Axis
	for _, s := range texts {
		a, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		axes = append(axes, a)
	}
	return axes
}

func TestPlanPoints(t *testing.T) {
	base := training.DefaultConfig()
	// activation is given before hidden, but applies to hidden's layers.
	plan := Plan{Base: base, Axes: mustParse(t, "activation=tanh;relu", "hidden=none;32,16", "lr=0.01,0.1")}
	if plan.Size() != 8 {
		t.Fatalf("Size() = %d, want 8", plan.Size())
	}
	points, err := plan.Points()
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 8 {
		t.Fatalf("%d points, want 8", len(points))
	}
	// The first setting varies slowest.
	wantNames := []string{
		"activation=tanh hidden=none lr=0.01", "activation=tanh hidden=none lr=0.1",
		"activation=tanh hidden=32,16 lr=0.01", "activation=tanh hidden=32,16 lr=0.1",
		"activation=relu hidden=none lr=0.01", "activation=relu hidden=none lr=0.1",
		"activation=relu hidden=32,16 lr=0.01", "activation=relu hidden=32,16 lr=0.1",
	}
	for i, p := range points {
		if got := p.Name(plan.Axes); got != wantNames[i] {
			t.Errorf("point %d is %q, want %q", i, got, wantNames[i])
		}
	}
	p := points[2].Config
	want := []nn.Layer{{Width: 32, Activation: nn.Tanh}, {Width: 16, Activation: nn.Tanh}}
	if !slices.Equal(p.Hidden, want) || p.LR != 0.01 {
		t.Errorf("point 2's config has hidden %v, lr %g; want %v, 0.01", p.Hidden, p.LR, want)
	}
	if len(points[0].Config.Hidden) != 0 {
		t.Errorf("hidden=none gave layers %v", points[0].Config.Hidden)
	}
	// Points do not share slices, with each other or the base.
	points[3].Config.Hidden[0].Width = 999
	if points[2].Config.Hidden[0].Width != 32 || base.Hidden[0].Width != 128 {
		t.Error("points share their hidden layers")
	}
	points[1].Config.Classes[0] = "x"
	if points[0].Config.Classes[0] != "3" || base.Classes[0] != "3" {
		t.Error("points share their classes")
	}
}

func TestPlanRefuses(t *testing.T) {
	base := training.DefaultConfig()
	tests := []struct {
		axes   []Axis
		hasErr string
	}{
		{nil, "vary at least one setting"},
		{mustParse(t, "lr=0.1,0.2", "batch=8,16", "epochs=1,2", "seed=1,2"), "at most 3 settings"},
		{mustParse(t, "lr=0.1,0.2", "lr=0.3"), "lr is varied twice"},
		{mustParse(t, "lr=1e-5..1e-1 x100 log", "batch=1..11 x11"), "100 × 11 = 1100 runs; at most 1000"},
		// Each value is valid alone; the pair is not.
		{mustParse(t, "optimizer=sgd,momentum", "momentum=0.5,0.95"), ""},
	}
	for _, tt := range tests {
		_, err := Plan{Base: base, Axes: tt.axes}.Points()
		switch {
		case tt.hasErr == "" && err != nil:
			t.Errorf("Points(%v) failed: %v", tt.axes, err)
		case tt.hasErr != "" && (err == nil || !strings.Contains(err.Error(), tt.hasErr)):
			t.Errorf("Points(%v) = %v, want an error containing %q", tt.axes, err, tt.hasErr)
		}
	}
	// A value valid alone (adam ignores momentum) that the base config
	// makes impossible names its point.
	base.Optimizer = optim.Momentum
	_, err := Plan{Base: base, Axes: mustParse(t, "momentum=0.5,1.5")}.Points()
	if err == nil || !strings.Contains(err.Error(), "momentum=1.5: momentum must be in [0, 1)") {
		t.Errorf("momentum=1.5 with the momentum optimizer: %v", err)
	}
}

// smallData prepares a quick experiment's data from one loading of the
// built-in set.
type smallData struct {
	once sync.Once
	ds   *dataset.Dataset
	err  error
}

func (s *smallData) prepare(cfg training.Config) (*training.Data, error) {
	s.once.Do(func() { s.ds, s.err = dataset.Open(cfg.Dataset, cfg.Classes, 1) })
	if s.err != nil {
		return nil, s.err
	}
	return training.Split(s.ds, cfg)
}

func quickBase() training.Config {
	c := training.DefaultConfig()
	c.Hidden = []nn.Layer{{Width: 16, Activation: nn.ReLU}}
	c.Epochs, c.Limit, c.Batch = 2, 512, 64
	return c
}

// TestQueueCancels cancels a pending run, a running one and then the rest
// of the sweep, at set points of the runs (from their events, not the
// clock), and checks what each run became and what the store holds.
func TestQueueCancels(t *testing.T) {
	store := runs.Store{Dir: t.TempDir()}
	var data smallData
	plan := Plan{Base: quickBase(), Axes: mustParse(t, "lr=1e-3,3e-3,1e-2,3e-2,0.1,0.3")}
	var q *Queue
	var mu sync.Mutex
	var changes int
	qReady := make(chan struct{})
	var firstBatch [6]bool
	observe := func(job int, ev training.Event) {
		<-qReady
		if _, ok := ev.(*training.BatchEvent); !ok || firstBatch[job] {
			return
		}
		firstBatch[job] = true
		switch job {
		case 0:
			q.Cancel(2) // pending: never runs
		case 1:
			q.Cancel(1) // running: stops, kept as stopped
		case 3:
			q.CancelAll() // stops 3, cancels 4 and 5
		}
	}
	q, err := Start(context.Background(), plan, Options{
		Store: store, Prepare: data.prepare, Observe: observe,
		Changed: func() { mu.Lock(); changes++; mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	close(qReady)
	q.Wait()
	jobs := q.Jobs()
	want := []struct {
		state  State
		status runs.Status
	}{
		{Finished, runs.Done}, {Finished, runs.Stopped}, {Cancelled, ""},
		{Finished, runs.Stopped}, {Cancelled, ""}, {Cancelled, ""},
	}
	for i, j := range jobs {
		if j.State != want[i].state || j.Status != want[i].status {
			t.Errorf("job %d (%s) is %v/%q, want %v/%q (err %v)", i, j.Name, j.State, j.Status, want[i].state, want[i].status, j.Err)
		}
	}
	if jobs[0].Test == nil || jobs[0].Progress.Step != jobs[0].Progress.Steps {
		t.Errorf("job 0 finished without its test results or all its steps: %+v", jobs[0].Progress)
	}
	if changes == 0 {
		t.Error("Changed was never called")
	}

	entries, err := store.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("the store holds %d runs, want the 3 that started", len(entries))
	}
	res, err := Collect(entries, q.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Axes[0].Values; !slices.Equal(got, []string{"1e-3", "3e-3", "3e-2"}) {
		t.Errorf("the result's lr values are %v, want those of the runs made", got)
	}
	if len(res.Groups) != 3 || res.Groups[0].N != 1 || res.Groups[0].Trouble != 0 || res.Groups[1].Trouble != 1 {
		t.Errorf("groups: %+v", res.Groups)
	}
	if res.Best() < 0 {
		t.Error("no best group")
	}
}

// TestQueueReportsFailures: a run whose data cannot be prepared fails with
// the reason and the sweep goes on.
func TestQueueReportsFailures(t *testing.T) {
	store := runs.Store{Dir: t.TempDir()}
	var data smallData
	plan := Plan{Base: quickBase(), Axes: mustParse(t, "limit=10,512")}
	plan.Base.Epochs = 1
	q, err := Start(context.Background(), plan, Options{Store: store, Prepare: data.prepare})
	if err != nil {
		t.Fatal(err)
	}
	q.Wait()
	jobs := q.Jobs()
	if jobs[0].State != Failed || jobs[0].Err == nil || !strings.Contains(jobs[0].Err.Error(), "batch size must be at most") {
		t.Errorf("job 0: %v, %v; want failed because 10 samples are fewer than a batch", jobs[0].State, jobs[0].Err)
	}
	if jobs[1].State != Finished || jobs[1].Status != runs.Done {
		t.Errorf("job 1: %v/%v, %v; want done", jobs[1].State, jobs[1].Status, jobs[1].Err)
	}
}

func TestQueueNeedsAStore(t *testing.T) {
	_, err := Start(context.Background(), Plan{Base: quickBase(), Axes: mustParse(t, "lr=0.1,0.2")}, Options{})
	if err == nil || !strings.Contains(err.Error(), "WORKBENCH_HOME") {
		t.Errorf("Start without a store: %v", err)
	}
}

func entry(id, sweep string, settings, values []string, status runs.Status, acc, loss float64) runs.Entry {
	e := runs.Entry{ID: id, Summary: runs.Summary{Status: status, Parameters: 100, ElapsedS: 2,
		Sweep: &runs.SweepInfo{ID: sweep, Settings: settings, Values: values}}}
	if !math.IsNaN(acc) {
		e.Summary.TestAcc, e.Summary.TestLoss = &acc, &loss
	}
	return e
}

// TestCollectAveragesSeeds checks the grouping, ordering and mean ± sd of
// a sweep over optimizers and seeds against hand-computed values.
func TestCollectAveragesSeeds(t *testing.T) {
	s := []string{"optimizer", "lr", "seed"}
	nan := math.NaN()
	entries := []runs.Entry{
		entry("a1", "sw", s, []string{"sgd", "0.1", "1"}, runs.Done, 0.90, 0.30),
		entry("a2", "sw", s, []string{"sgd", "0.1", "2"}, runs.Done, 0.92, 0.28),
		entry("a3", "sw", s, []string{"sgd", "0.01", "1"}, runs.Done, 0.80, 0.50),
		entry("a4", "sw", s, []string{"sgd", "0.01", "2"}, runs.Diverged, nan, nan),
		entry("a5", "sw", s, []string{"adam", "0.1", "1"}, runs.Done, 0.95, 0.20),
		entry("a6", "sw", s, []string{"adam", "0.1", "2"}, runs.Done, 0.99, 0.10),
		entry("a7", "sw", s, []string{"adam", "0.01", "1"}, runs.Done, 0.97, 0.15),
		entry("a8", "sw", s, []string{"adam", "0.01", "2"}, runs.Done, 0.97, 0.15),
		entry("b1", "other", s, []string{"adam", "0.01", "2"}, runs.Done, 0.5, 1),
		{ID: "c1", Damaged: "no summary.json"},
	}
	res, err := Collect(entries, "sw")
	if err != nil {
		t.Fatal(err)
	}
	if res.Seeds() != 2 || len(res.Grouped()) != 2 {
		t.Fatalf("seeds %d, grouped %v", res.Seeds(), res.Grouped())
	}
	// Numbers sorted by value, names in the order the runs were made.
	if !slices.Equal(res.Axes[0].Values, []string{"sgd", "adam"}) || !slices.Equal(res.Axes[1].Values, []string{"0.01", "0.1"}) {
		t.Errorf("axes %v", res.Axes)
	}
	wantGroups := []struct {
		values     []string
		n, trouble int
		acc, sd    float64
	}{
		{[]string{"sgd", "0.01"}, 1, 1, 0.80, 0},
		{[]string{"sgd", "0.1"}, 2, 0, 0.91, math.Sqrt(2) * 0.01},
		{[]string{"adam", "0.01"}, 2, 0, 0.97, 0},
		{[]string{"adam", "0.1"}, 2, 0, 0.97, math.Sqrt(2) * 0.02},
	}
	for i, w := range wantGroups {
		g := res.Groups[i]
		if !slices.Equal(g.Values, w.values) || g.N != w.n || g.Trouble != w.trouble ||
			math.Abs(g.Acc-w.acc) > 1e-12 || math.Abs(g.AccSD-w.sd) > 1e-12 {
			t.Errorf("group %d = %v n=%d trouble=%d acc=%g±%g, want %v n=%d trouble=%d acc=%g±%g",
				i, g.Values, g.N, g.Trouble, g.Acc, g.AccSD, w.values, w.n, w.trouble, w.acc, w.sd)
		}
	}
	if res.Best() != 2 { // 0.97 ± 0 comes first among equal means
		t.Errorf("Best() = %d, want 2", res.Best())
	}
	var b strings.Builder
	if err := res.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	want := "| optimizer | learning rate | test accuracy | test loss | parameters | time | runs |\n" +
		"|---|---|---|---|---|---|---|\n" +
		"| sgd | 0.01 | 80.00% | 0.5000 | 100 | 2.0 s | 1 (1 of 2 did not finish) |\n" +
		"| sgd | 0.1 | 91.00 ± 1.41% | 0.2900 ± 0.0141 | 100 | 2.0 s | 2 |\n"
	if !strings.HasPrefix(b.String(), want) {
		t.Errorf("WriteMarkdown:\n%s\nwant it to start\n%s", b.String(), want)
	}
	// While a sweep runs, its plan's axes make every group, empty or not.
	plan := mustParse(t, "optimizer=sgd,adam,rmsprop", "lr=0.01,0.1", "seed=1,2")
	partial, err := CollectPlan(entries, "sw", plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(partial.Groups) != 6 || partial.Groups[5].N != 0 || !math.IsNaN(partial.Groups[5].Acc) || partial.Groups[3].N != 2 {
		t.Errorf("CollectPlan groups: %+v", partial.Groups)
	}
	if _, err := partial.Chart(plots.LightTheme()); err != nil {
		t.Errorf("the chart of a sweep half done: %v", err)
	}
	if _, err := CollectPlan(entries, "sw", mustParse(t, "optimizer=sgd", "lr=0.01,0.1", "seed=1,2")); err == nil {
		t.Error("CollectPlan accepted a plan without the runs' adam")
	}
	if _, err := Collect(entries, "nope"); err == nil {
		t.Error("Collect of an unknown sweep succeeded")
	}
}

func TestLogScaleFromValues(t *testing.T) {
	s := []string{"lr"}
	entries := []runs.Entry{
		entry("1", "sw", s, []string{"0.1"}, runs.Done, 0.9, 0.1),
		entry("2", "sw", s, []string{"0.0001"}, runs.Done, 0.9, 0.1),
		entry("3", "sw", s, []string{"0.001"}, runs.Done, 0.9, 0.1),
	}
	res, err := Collect(entries, "sw")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Axes[0].Log || !slices.Equal(res.Axes[0].Values, []string{"0.0001", "0.001", "0.1"}) {
		t.Errorf("axis %+v, want log and sorted", res.Axes[0])
	}
}

// TestPlanArchitectures: a sweep varies the network by preset or by a
// list of layers, as question 4 compares architectures.
func TestPlanArchitectures(t *testing.T) {
	plan := Plan{Base: training.DefaultConfig(), Axes: mustParse(t, "arch=mlp,lenet,resnet:2:8", "seed=1,2")}
	points, err := plan.Points()
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 6 {
		t.Fatalf("%d points, want 6", len(points))
	}
	for i, want := range []string{"784-128-64-3", "lenet-3", "resnet:2:8-3"} {
		if got := points[2*i].Config.Spec(3).String(); got != want {
			t.Errorf("arch point %d trains %s, want %s", i, got, want)
		}
	}
	plan = Plan{Base: training.DefaultConfig(), Axes: mustParse(t, "layers=conv(4,3),maxpool(2);dense(32)")}
	points, err = plan.Points()
	if err != nil {
		t.Fatal(err)
	}
	if got := points[0].Config.Spec(3).String(); got != "conv(4,3,1,0,relu),maxpool(2)-3" || len(points[1].Config.Layers) != 1 {
		t.Errorf("layers points: %s and %v", got, points[1].Config.Layers)
	}
	if _, err := Parse("arch=vgg"); err == nil {
		if _, err := (Plan{Base: training.DefaultConfig(), Axes: mustParse(t, "arch=vgg")}).Points(); err == nil || !strings.Contains(err.Error(), `unknown architecture "vgg"`) {
			t.Errorf("arch=vgg: %v", err)
		}
	}
}
