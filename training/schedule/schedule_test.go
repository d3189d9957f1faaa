package schedule

import (
	"encoding/json"
	"flag"
	"math"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training/optim"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Schedule
		str  string // String's form, when not in
	}{
		{"constant", Schedule{Kind: Constant}, ""},
		{"", Schedule{Kind: Constant}, "constant"},
		{"  Constant ", Schedule{Kind: Constant}, "constant"},
		{"step:10:0.5", Schedule{Kind: Step, Every: 10, Gamma: 0.5}, ""},
		{"step:1:1", Schedule{Kind: Step, Every: 1, Gamma: 1}, ""},
		{"STEP: 3 : .1", Schedule{Kind: Step, Every: 3, Gamma: 0.1}, "step:3:0.1"},
		{"cosine", Schedule{Kind: Cosine}, ""},
		{"cosine:1e-5", Schedule{Kind: Cosine, Min: 1e-5}, "cosine:1e-05"},
		{"cosine:0", Schedule{Kind: Cosine}, "cosine"},
		{"cosine,warmup=2", Schedule{Kind: Cosine, Warmup: 2}, ""},
		{"cosine:0.0001, warmup = 1", Schedule{Kind: Cosine, Min: 1e-4, Warmup: 1}, "cosine:0.0001,warmup=1"},
		{"cosine,warmup=0", Schedule{Kind: Cosine}, "cosine"},
		{"onecycle", Schedule{Kind: OneCycle}, ""},
		{"onecycle:0.01", Schedule{Kind: OneCycle, MaxLR: 0.01}, ""},
		{"onecycle:100", Schedule{Kind: OneCycle, MaxLR: 100}, ""},
		{"plateau:3:0.1", Schedule{Kind: Plateau, Patience: 3, Gamma: 0.1}, ""},
		{"plateau:0:0.5", Schedule{Kind: Plateau, Gamma: 0.5}, ""},
	} {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v, want %+v", tc.in, got, err, tc.want)
			continue
		}
		str := tc.str
		if str == "" {
			str = tc.in
		}
		if got.String() != str {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got.String(), str)
		}
		if back, err := Parse(got.String()); err != nil || back != got {
			t.Errorf("Parse(%q) = %+v, %v, want %+v", got.String(), back, err, got)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want: the error contains it
	}{
		{"linear", `unknown schedule "linear" (allowed: constant, step:N:GAMMA, cosine[:MIN][,warmup=K], onecycle[:MAXLR], plateau:P:GAMMA)`},
		{"exp:0.9", `unknown schedule "exp"`},
		{"constant:1", "constant takes no arguments"},
		{"constant,warmup=1", "constant takes no options"},
		{"step", "step needs N and GAMMA, as step:10:0.5"},
		{"step:10", "step needs N and GAMMA"},
		{"step:10:0.5:2", "step needs N and GAMMA"},
		{"step:0:0.5", "step: N must be ≥ 1 epoch (got 0)"},
		{"step:-2:0.5", "step: N must be ≥ 1 epoch (got -2)"},
		{"step:1.5:0.5", `step: N must be a whole number of epochs (got "1.5")`},
		{"step:10:0", "step: GAMMA must be in (0, 1] (got 0)"},
		{"step:10:1.5", "step: GAMMA must be in (0, 1] (got 1.5)"},
		{"step:10:-0.5", "step: GAMMA must be in (0, 1] (got -0.5)"},
		{"step:10:NaN", `step: GAMMA must be a number (got "NaN")`},
		{"step:10:half", `step: GAMMA must be a number (got "half")`},
		{"step:10:0.5,warmup=1", "step takes no options after a comma"},
		{"cosine:-1e-5", "cosine: MIN must be ≥ 0 and below the base learning rate (got -1e-05)"},
		{"cosine:inf", `cosine: MIN must be a number (got "inf")`},
		{"cosine:", `cosine: MIN must be a number (got "")`},
		{"cosine:0:1", "cosine takes at most MIN"},
		{"cosine,warmup=-1", "cosine: warmup must be ≥ 0 epochs (got -1)"},
		{"cosine,warmup=1.5", `cosine: warmup must be a whole number of epochs (got "1.5")`},
		{"cosine,warmup", `cosine: warmup must be a whole number of epochs (got "")`},
		{"cosine,restart=2", `cosine: unknown option "restart=2" (allowed: warmup=K, K epochs)`},
		{"cosine,warmup=1,warmup=2", `cosine: warmup must be a whole number of epochs (got "1,warmup=2")`},
		{"onecycle:0", "onecycle: MAXLR must be > 0 and ≤ 100 (got 0)"},
		{"onecycle:-0.1", "onecycle: MAXLR must be > 0 and ≤ 100 (got -0.1)"},
		{"onecycle:101", "onecycle: MAXLR must be > 0 and ≤ 100 (got 101)"},
		{"onecycle:0.1:2", "onecycle takes at most MAXLR"},
		{"plateau:3", "plateau needs P and GAMMA, as plateau:3:0.1"},
		{"plateau:-1:0.1", "plateau: P must be ≥ 0 epochs (got -1)"},
		{"plateau:x:0.1", `plateau: P must be a whole number of epochs (got "x")`},
		{"plateau:3:1", "plateau: GAMMA must be in (0, 1) (got 1)"},
		{"plateau:3:0", "plateau: GAMMA must be in (0, 1) (got 0)"},
	} {
		s, err := Parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %+v, %v, want an error containing %q", tc.in, s, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		s      string
		lr     float64
		epochs int
		want   string // "" for no error
	}{
		{"constant", 0.01, 1, ""},
		{"cosine:0.001", 0.01, 5, ""},
		{"cosine:0.01", 0.01, 5, "cosine: MIN must be below the base learning rate 0.01 (got 0.01)"},
		{"cosine:0.1", 0.01, 5, "cosine: MIN must be below the base learning rate 0.01 (got 0.1)"},
		{"cosine,warmup=4", 0.01, 5, ""},
		{"cosine,warmup=5", 0.01, 5, "cosine: warmup must be shorter than the run's 5 epochs (got 5)"},
		{"onecycle", 0.01, 5, ""},
		{"onecycle:0.01", 0.01, 5, ""},
		{"onecycle:0.001", 0.01, 5, "onecycle: MAXLR must be at least the base learning rate 0.01 (got 0.001)"},
		{"step:100:0.5", 0.01, 5, ""},
		{"step:1:1e-10", 1, 33, ""}, // 1e-320 in its last epoch
		{"step:1:1e-10", 1, 34, "step: GAMMA 1e-10 every 1 epochs takes the learning rate to 0 by epoch 34 of 34"},
		{"step:1:1", 1, 10000, ""},
		{"plateau:0:0.1", 0.01, 1, ""},
		{"constant", 0, 5, "the base learning rate must be > 0 and ≤ 100 (got 0)"},
		{"constant", math.NaN(), 5, "the base learning rate must be > 0 and ≤ 100 (got NaN)"},
		{"constant", 101, 5, "the base learning rate must be > 0 and ≤ 100 (got 101)"},
		{"constant", 0.01, 0, "a schedule needs a run of at least 1 epoch (got 0)"},
	} {
		s, err := Parse(tc.s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.s, err)
		}
		err = s.Validate(tc.lr, tc.epochs)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s.Validate(%g, %d) = %v, want %q", tc.s, tc.lr, tc.epochs, err, tc.want)
		}
	}
	// A schedule built in code is checked as Parse checks the text.
	for _, s := range []Schedule{{Kind: "exp"}, {Kind: Step, Every: 0, Gamma: 0.5}, {Kind: Plateau, Gamma: 2}} {
		if err := s.Validate(0.01, 5); err == nil {
			t.Errorf("%+v.Validate(0.01, 5) = nil, want an error", s)
		}
	}
	if err := (Schedule{}).Validate(0.01, 5); err != nil {
		t.Errorf("Schedule{}.Validate(0.01, 5) = %v, want nil (the zero value is constant)", err)
	}
}

// TestMaxLR holds the highest rate a schedule allows to the optimizers'.
func TestMaxLR(t *testing.T) {
	ok := optim.Config{Kind: optim.SGD, LearningRate: maxLR}
	over := optim.Config{Kind: optim.SGD, LearningRate: math.Nextafter(maxLR, math.Inf(1))}
	if ok.Validate() != nil || over.Validate() == nil {
		t.Errorf("optim accepts rates up to %v and this package up to %v", ok.Validate(), maxLR)
	}
}

func TestJSON(t *testing.T) {
	type config struct {
		LR       float64  `json:"lr"`
		Schedule Schedule `json:"schedule"`
	}
	for _, text := range []string{"constant", "step:10:0.5", "cosine:1e-05,warmup=1", "onecycle:0.1", "plateau:3:0.1"} {
		s, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(config{LR: 0.01, Schedule: s})
		want := `{"lr":0.01,"schedule":"` + text + `"}`
		if err != nil || string(b) != want {
			t.Errorf("json.Marshal(%+v) = %s, %v, want %s", s, b, err, want)
		}
		var back config
		if err := json.Unmarshal(b, &back); err != nil || back.Schedule != s {
			t.Errorf("json.Unmarshal(%s) = %+v, %v, want %+v", b, back.Schedule, err, s)
		}
	}
	if b, err := json.Marshal(config{}); err != nil || string(b) != `{"lr":0,"schedule":"constant"}` {
		t.Errorf("json.Marshal of the zero schedule = %s, %v, want constant", b, err)
	}
	var c config
	err := json.Unmarshal([]byte(`{"schedule": "step:0:0.5"}`), &c)
	if err == nil || !strings.Contains(err.Error(), "step: N must be ≥ 1 epoch") {
		t.Errorf(`json.Unmarshal("step:0:0.5") = %v, want step's error`, err)
	}
	if _, err := json.Marshal(config{Schedule: Schedule{Kind: Step}}); err == nil {
		t.Errorf("json.Marshal(step with N 0) = nil error, want step's error")
	}
}

func TestFlag(t *testing.T) {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var s Schedule
	fs.Var(&s, "schedule", Grammar)
	if err := fs.Parse([]string{"--schedule", "cosine,warmup=1"}); err != nil || s != (Schedule{Kind: Cosine, Warmup: 1}) {
		t.Errorf("--schedule cosine,warmup=1: %+v, %v", s, err)
	}
	fs.SetOutput(new(strings.Builder))
	if err := fs.Parse([]string{"--schedule", "step:0:2"}); err == nil || !strings.Contains(err.Error(), "step: N must be ≥ 1") {
		t.Errorf("--schedule step:0:2: %v, want step's error", err)
	}
}

func mustStart(t *testing.T, text string, lr float64, perEpoch, epochs int) *Scheduler {
	t.Helper()
	s, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Start(lr, perEpoch, epochs)
	if err != nil {
		t.Fatalf("%s.Start(%g, %d, %d): %v", text, lr, perEpoch, epochs, err)
	}
	return r
}

func TestStartErrors(t *testing.T) {
	for _, tc := range []struct {
		s                string
		lr               float64
		perEpoch, epochs int
		want             string
	}{
		{"constant", 0.01, 0, 5, "a schedule needs at least 1 step per epoch (got 0)"},
		{"constant", 0.01, 1 << 30, 4, "a run of 4 epochs of 1073741824 steps is too long to schedule (at most 2147483647 steps)"},
		{"constant", 0.01, 10, 0, "a schedule needs a run of at least 1 epoch (got 0)"},
		{"constant", math.Inf(1), 10, 5, "the base learning rate must be > 0 and ≤ 100 (got +Inf)"},
		{"onecycle:0.001", 0.01, 10, 5, "onecycle: MAXLR must be at least the base learning rate"},
	} {
		s, _ := Parse(tc.s)
		if r, err := s.Start(tc.lr, tc.perEpoch, tc.epochs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s.Start(%g, %d, %d) = %v, %v, want %q", tc.s, tc.lr, tc.perEpoch, tc.epochs, r, err, tc.want)
		}
	}
}

func TestSchedulerBasics(t *testing.T) {
	r := mustStart(t, "onecycle", 0.01, 10, 3)
	if got := r.Steps(); got != 30 {
		t.Errorf("Steps() = %d, want 30", got)
	}
	if got := r.Schedule(); got != (Schedule{Kind: OneCycle, MaxLR: 0.01}) {
		t.Errorf("Schedule() = %+v, want onecycle with MaxLR 0.01 filled in", got)
	}
	// Outside the run: its first and last steps.
	if r.LR(-5) != r.LR(0) || r.LR(30) != r.LR(29) || r.LR(1000) != r.LR(29) {
		t.Errorf("LR outside the run: %g %g %g, want %g %g", r.LR(-5), r.LR(30), r.LR(1000), r.LR(0), r.LR(29))
	}
	// OneCycleLR's last step is at its minimum, initial/1e4 = max/25/1e4.
	if got, want := r.LR(29), 0.01/25/1e4; math.Abs(got-want) > 1e-15*want {
		t.Errorf("LR(29) = %g, want %g", got, want)
	}
	if m, ok := r.Momentum(8); !ok || math.Abs(m-0.85) > 1e-15 {
		t.Errorf("Momentum(8), at the peak = %v, %v, want 0.85, true", m, ok)
	}
	for _, text := range []string{"constant", "step:1:0.5", "cosine", "plateau:1:0.5"} {
		if m, ok := mustStart(t, text, 0.01, 10, 3).Momentum(0); ok {
			t.Errorf("%s: Momentum(0) = %g, true, want false", text, m)
		}
	}
	// Every rate is > 0, however far a cosine anneals or a step decays.
	for _, text := range []string{"cosine", "cosine,warmup=1", "onecycle", "step:1:1e-9"} {
		lrs, err := mustStart(t, text, 1e-3, 1000, 30).Schedule().Preview(1e-3, 1000, 30)
		if err != nil {
			t.Fatal(err)
		}
		for i, lr := range lrs {
			if !(lr > 0 && lr <= 1e-3) {
				t.Fatalf("%s: LR(%d) = %g, want in (0, 0.001]", text, i, lr)
			}
		}
	}
}

func TestEpochEnd(t *testing.T) {
	r := mustStart(t, "plateau:1:0.5", 0.1, 2, 6)
	// Patience 1: the second epoch without improvement reduces; a NaN
	// loss is never an improvement.
	for i, tc := range []struct {
		loss    float64
		reduced bool
		next    float64 // the rate in the next epoch
	}{
		{1, false, 0.1}, {math.NaN(), false, 0.1}, {1, true, 0.05}, {0.5, false, 0.05}, {0.5, false, 0.05}, {0.6, true, 0},
	} {
		if got := r.EpochEnd(tc.loss); got != tc.reduced {
			t.Errorf("EpochEnd(%g) after epoch %d = %v, want %v", tc.loss, i+1, got, tc.reduced)
		}
		if i+1 < 6 {
			if got := r.LR((i + 1) * 2); got != tc.next {
				t.Errorf("LR(%d), the first step of epoch %d = %g, want %g", (i+1)*2, i+2, got, tc.next)
			}
		}
	}
	// The run has ended: another epoch's end changes nothing.
	if r.EpochEnd(10) || r.LR(11) != 0.05 {
		t.Errorf("EpochEnd after the run: LR(11) = %g, want 0.05", r.LR(11))
	}
	// Rates already given stay as they were.
	if r.LR(0) != 0.1 || r.LR(5) != 0.1 || r.LR(6) != 0.05 {
		t.Errorf("history: LR(0), LR(5), LR(6) = %g, %g, %g, want 0.1, 0.1, 0.05", r.LR(0), r.LR(5), r.LR(6))
	}
	// The other schedules ignore the loss.
	s := mustStart(t, "step:1:0.5", 0.1, 2, 3)
	if s.EpochEnd(100) || s.LR(2) != 0.05 {
		t.Errorf("step: EpochEnd reduced, or LR(2) = %g, want 0.05", s.LR(2))
	}
}

func TestSetLR(t *testing.T) {
	r := mustStart(t, "step:2:0.5", 0.1, 10, 6)
	if err := r.SetLR(15, 0.2); err != nil {
		t.Fatal(err)
	}
	// From step 15 on, the schedule is doubled; before it, as it was.
	for _, tc := range []struct {
		step int
		want float64
	}{{0, 0.1}, {14, 0.1}, {15, 0.2}, {19, 0.2}, {20, 0.1}, {40, 0.05}, {59, 0.05}} {
		if got := r.LR(tc.step); math.Abs(got-tc.want) > 1e-15*tc.want {
			t.Errorf("after SetLR(15, 0.2): LR(%d) = %g, want %g", tc.step, got, tc.want)
		}
	}
	// A second change re-anchors the schedule; a change at the same step
	// replaces it.
	if err := r.SetLR(25, 0.01); err != nil {
		t.Fatal(err)
	}
	if err := r.SetLR(25, 0.02); err != nil {
		t.Fatal(err)
	}
	if got := r.LR(25); got != 0.02 {
		t.Errorf("LR(25) after SetLR(25, 0.02) = %g, want 0.02 exactly", got)
	}
	if got := r.LR(45); math.Abs(got-0.01) > 1e-17 {
		t.Errorf("LR(45) = %g, want 0.01", got)
	}
	for _, tc := range []struct {
		step int
		lr   float64
		want string
	}{
		{24, 0.1, "a change at step 24 cannot follow one at step 25"},
		{60, 0.1, "step 60 is outside the run (steps 0 to 59)"},
		{-1, 0.1, "step -1 is outside the run"},
		{30, 0, "learning rate must be > 0 and ≤ 100 (got 0)"},
		{30, math.NaN(), "learning rate must be > 0 and ≤ 100 (got NaN)"},
		{30, 101, "learning rate must be > 0 and ≤ 100 (got 101)"},
	} {
		if err := r.SetLR(tc.step, tc.lr); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SetLR(%d, %g) = %v, want %q", tc.step, tc.lr, err, tc.want)
		}
	}
	// A change during a warmup scales the peak still to come, which must
	// stay within the optimizers' limit; so must onecycle's.
	w := mustStart(t, "cosine,warmup=1", 1, 9, 3)
	if err := w.SetLR(0, 20); err == nil || !strings.Contains(err.Error(), "would take the rest of the schedule to 200") {
		t.Errorf("cosine warmup: SetLR(0, 20) = %v, want the peak to come (200) refused", err)
	}
	if err := w.SetLR(9, 20); err != nil {
		t.Errorf("cosine after warmup: SetLR(9, 20) = %v, want nil", err)
	}
	o := mustStart(t, "onecycle", 10, 10, 1)
	if err := o.SetLR(0, 10); err == nil || !strings.Contains(err.Error(), "would take the rest of the schedule to 250") {
		t.Errorf("onecycle: SetLR(0, 10) = %v, want the peak to come (250) refused", err)
	}
	if err := o.SetLR(5, 10); err != nil {
		t.Errorf("onecycle after its peak: SetLR(5, 10) = %v, want nil", err)
	}
}

// TestPlateauAfterChange checks that a reduction is judged on the rate in
// force, live changes included: PyTorch's eps test (a reduction must change
// the rate by more than 1e-8) sees the changed rate.
func TestPlateauAfterChange(t *testing.T) {
	r := mustStart(t, "plateau:0:0.5", 1e-8, 1, 4)
	r.EpochEnd(1)
	if r.EpochEnd(2) {
		t.Errorf("a reduction from 1e-8 by 0.5 changes it by 5e-9 ≤ eps, want none")
	}
	if err := r.SetLR(2, 1e-6); err != nil {
		t.Fatal(err)
	}
	if !r.EpochEnd(2) || r.LR(3) != 5e-7 {
		t.Errorf("after a change to 1e-6: LR(3) = %g, want 5e-07", r.LR(3))
	}
}

func TestPreview(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want []float64
	}{
		{"constant", []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1}},
		{"plateau:0:0.5", []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1}}, // depends on the losses: previewed as constant
		{"step:1:0.5", []float64{0.1, 0.1, 0.05, 0.05, 0.025, 0.025}},
		{"cosine", []float64{0.1, 0.1 * (1 + math.Cos(math.Pi/6)) / 2, 0.1 * (1 + math.Cos(math.Pi*2/6)) / 2, 0.05, 0.1 * (1 + math.Cos(math.Pi*4/6)) / 2, 0.1 * (1 + math.Cos(math.Pi*5/6)) / 2}},
		{"cosine,warmup=1", []float64{0.1 / 3, 0.2 / 3, 0.1, 0.1 * (1 + math.Cos(math.Pi/4)) / 2, 0.05, 0.1 * (1 + math.Cos(math.Pi*3/4)) / 2}},
	} {
		s, _ := Parse(tc.s)
		got, err := s.Preview(0.1, 2, 3)
		if err != nil || len(got) != len(tc.want) {
			t.Fatalf("%s.Preview(0.1, 2, 3) = %v, %v", tc.s, got, err)
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-15 {
				t.Errorf("%s.Preview(0.1, 2, 3)[%d] = %.17g, want %.17g", tc.s, i, got[i], tc.want[i])
			}
		}
	}
	if _, err := (Schedule{Kind: Cosine, Min: 1}).Preview(0.1, 2, 3); err == nil {
		t.Errorf("Preview of cosine to 1 from 0.1 = nil error, want MIN's")
	}
}
