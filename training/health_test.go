package training

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training/nn"
)

// scaled returns w's values times f.
func scaled(w [][]float32, f float64) [][]float32 {
	out := make([][]float32, len(w))
	for i, p := range w {
		out[i] = make([]float32, len(p))
		for j, v := range p {
			out[i][j] = float32(float64(v) * f)
		}
	}
	return out
}

// TestGuard feeds the guard a run's losses and weights step by step and
// checks where it stops the run and which weights it keeps.
func TestGuard(t *testing.T) {
	init, err := nn.New(nn.Spec{Inputs: 6, Classes: 3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	w0 := make([][]float32, len(init.Params))
	for i, p := range init.Params {
		w0[i] = p.Data
	}
	w0max := 0.0
	for _, p := range w0 {
		w0max = max(w0max, copyMaxAbs(make([]float32, len(p)), p))
	}
	absurd := 2 * MaxWeight / w0max // a scale that puts the weights past MaxWeight
	type stepIn struct {
		loss, scale float64
	}
	tests := []struct {
		name     string
		steps    func(step int) stepIn // step counts from 1
		n        int                   // steps fed
		endEpoch float64               // a first-epoch mean loss reported after step 1 (0: none)
		stop     int                   // the step that diverges, 0 for none
		cause    Divergence
		keptStep int
	}{
		{"a sane run keeps its latest checked weights", func(s int) stepIn { return stepIn{1 / float64(s), 1} }, 40, 0, 0, 0, 32},
		{"a NaN loss stops at once", func(s int) stepIn {
			if s == 20 {
				return stepIn{math.NaN(), 1}
			}
			return stepIn{0.5, 1}
		}, 40, 0, 20, LossNotFinite, 16},
		{"a loss spike with sane weights goes on", func(s int) stepIn {
			if s == 2 {
				return stepIn{1e4, 1}
			}
			return stepIn{0.5, 1}
		}, 40, 0, 0, 0, 32},
		{"a loss spike with absurd weights stops", func(s int) stepIn {
			if s == 5 {
				return stepIn{1e4, absurd}
			}
			return stepIn{0.5, 1}
		}, 40, 0, 5, LossExploded, 0},
		{"weights that grow over many steps stop at a check, keeping the last sane ones", func(s int) stepIn {
			return stepIn{0.5, math.Pow(absurd, float64(s)/40)} // past MaxWeight after step 40
		}, 60, 0, 48, WeightsExploded, 32},
		{"weights grown while the loss looked bad are not kept", func(s int) stepIn {
			if s > 1 {
				return stepIn{3, float64(s)} // worse than the first batch's 1
			}
			return stepIn{1, 1}
		}, 40, 0, 0, 0, 0},
		{"after the first epoch its mean loss is the reference", func(s int) stepIn {
			if s == 30 {
				return stepIn{2, absurd} // 2 > 1000 × 0.001
			}
			return stepIn{0.001, 1}
		}, 40, 0.001, 30, LossExploded, 16},
	}
	for _, tt := range tests {
		g := newGuard(nn.CrossEntropy, 3, init)
		var d *DivergedError
		var want [][]float32 // the weights the guard should keep
		if tt.keptStep == 0 {
			want = scaled(w0, 1)
		}
		for s := 1; s <= tt.n && d == nil; s++ {
			in := tt.steps(s)
			if s == 1 {
				in.loss = 1 // the reference: the first batch's loss
			}
			w := scaled(w0, in.scale)
			if s == tt.keptStep {
				want = scaled(w, 1)
			}
			d = g.step(w, 1, s, in.loss)
			if s == 1 && tt.endEpoch > 0 {
				g.epochEnded(1, tt.endEpoch)
			}
		}
		switch {
		case tt.stop == 0 && d != nil:
			t.Errorf("%s: stopped at step %d (%v), want no stop", tt.name, d.Step, d)
			continue
		case tt.stop != 0 && d == nil:
			t.Errorf("%s: did not stop, want a stop at step %d", tt.name, tt.stop)
			continue
		case d != nil && (d.Step != tt.stop || d.Cause != tt.cause):
			t.Errorf("%s: stopped at step %d with cause %d, want step %d cause %d (%v)", tt.name, d.Step, d.Cause, tt.stop, tt.cause, d)
		}
		if g.keptStep != tt.keptStep {
			t.Errorf("%s: kept the weights of step %d, want %d", tt.name, g.keptStep, tt.keptStep)
		}
		got := scaled(w0, 0)
		g.restore(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: restored weights are not those of step %d", tt.name, tt.keptStep)
		}
	}
	// The end of a run checks the last update.
	g := newGuard(nn.CrossEntropy, 3, init)
	nan := scaled(w0, 1)
	nan[0][3] = float32(math.NaN())
	if d := g.final(nan, 2, 90); d == nil || d.Cause != WeightsExploded || !math.IsNaN(d.Weight) {
		t.Errorf("final(NaN weights) = %v, want WeightsExploded with a NaN weight", d)
	}
	if d := g.final(scaled(w0, 1), 2, 90); d != nil {
		t.Errorf("final(initial weights) = %v, want nil", d)
	}
}

func TestChanceLoss(t *testing.T) {
	tests := []struct {
		loss    nn.Loss
		classes int
		want    float64
	}{
		{nn.CrossEntropy, 3, math.Log(3)},
		{nn.CrossEntropy, 10, math.Log(10)},
		{nn.MSE, 3, 2.0 / 9},
		{nn.MSE, 2, 0.25},
	}
	for _, tt := range tests {
		if got := ChanceLoss(tt.loss, tt.classes); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("ChanceLoss(%s, %d) = %v, want %v", tt.loss, tt.classes, got, tt.want)
		}
		// The loss of uniform probabilities, as the network computes it.
		c := tt.classes
		p, z, y := make([]float32, c), make([]float32, c), make([]float32, c)
		y[0] = 1
		if got := tt.loss.Mean(p, z, y, c); math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("%s of uniform probabilities over %d classes = %v, ChanceLoss says %v", tt.loss, c, got, tt.want)
		}
	}
}

func TestDivergedErrorSaysWhatHappened(t *testing.T) {
	tests := []struct {
		err  DivergedError
		want []string
	}{
		{DivergedError{Cause: LossNotFinite, Epoch: 1, Step: 27, Loss: math.NaN(), LearningRate: 100, KeptStep: 16, KeptLoss: 0.35},
			[]string{"diverged at epoch 1, step 27", "the loss became NaN", "lower learning rate (now 100), e.g. 10", "weights of step 16 (batch loss 0.35)"}},
		{DivergedError{Cause: LossExploded, Epoch: 1, Step: 4, Loss: 1.4e10, From: 1.48, Weight: 1.27e5, LearningRate: 10},
			[]string{"the loss exploded from 1.48 to 1.4e+10 and the weights to 1.27e+05", "(now 10), e.g. 1;", "keeps its initial weights"}},
		{DivergedError{Cause: WeightsExploded, Epoch: 3, Step: 96, Loss: 0.5, Weight: 3e4, LearningRate: 1},
			[]string{"the weights grew to 3e+04 (the limit is 1e+04)", "(now 1), e.g. 0.1"}},
		{DivergedError{Cause: WeightsExploded, Epoch: 3, Step: 96, Weight: math.Inf(1), LearningRate: 1},
			[]string{"the weights became +Inf"}},
	}
	for _, tt := range tests {
		msg := tt.err.Error()
		for _, want := range tt.want {
			if !strings.Contains(msg, want) {
				t.Errorf("DivergedError.Error() = %q, want it to say %q", msg, want)
			}
		}
	}
}

func TestWarning(t *testing.T) {
	classes := []string{"3", "5", "8"}
	eval := func(confusion [][]int) Evaluation {
		e := Evaluation{Confusion: confusion}
		correct := 0
		for i, row := range confusion {
			for j, n := range row {
				e.N += n
				if i == j {
					correct += n
				}
			}
		}
		e.Accuracy = float64(correct) / float64(e.N)
		return e
	}
	cfg := DefaultConfig()
	cfg.LR = 10
	tiny := DefaultConfig()
	tiny.LR = 1e-5
	tests := []struct {
		name string
		test Evaluation
		cfg  Config
		want string // "" for no warning
	}{
		{"a trained model", eval([][]int{{95, 3, 2}, {2, 96, 2}, {3, 2, 95}}), cfg, ""},
		{"everything predicted as 8", eval([][]int{{0, 0, 1010}, {0, 0, 892}, {0, 0, 974}}), cfg,
			"the network predicts 8 for 100% of the test images (test accuracy 33.9%): the run failed to learn; try a lower learning rate (now 10), e.g. 1"},
		{"97% predicted as 8", eval([][]int{{3, 0, 97}, {0, 5, 95}, {0, 0, 100}}), cfg, "predicts 8 for 97% of the test images"},
		{"at chance without collapse", eval([][]int{{40, 30, 30}, {30, 40, 30}, {35, 30, 35}}), cfg,
			"test accuracy 38.3% is close to chance (33.3%, always answering the most common class): the run failed to learn; try a lower learning rate"},
		{"halfway from chance is learning", eval([][]int{{67, 17, 16}, {17, 67, 16}, {16, 17, 67}}), cfg, ""},
		{"a dominant class predicted everywhere is chance, not collapse", eval([][]int{{0, 0, 30}, {0, 0, 10}, {0, 0, 160}}), cfg,
			"test accuracy 80.0% is close to chance (80.0%"},
		{"a tiny learning rate", eval([][]int{{0, 0, 100}, {0, 0, 100}, {0, 0, 100}}), tiny, "try a higher learning rate (now 1e-05), e.g. 0.0001, or more epochs"},
		{"no test set", Evaluation{}, cfg, ""},
	}
	for _, tt := range tests {
		got := Warning(tt.test, classes, tt.cfg)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("Warning(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
