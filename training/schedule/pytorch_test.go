package schedule

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// pytorchCase is one run as testdata/gen.py recorded it from PyTorch.
type pytorchCase struct {
	Schedule      string    `json:"schedule"`
	BaseLR        float64   `json:"base_lr"`
	StepsPerEpoch int       `json:"steps_per_epoch"`
	Epochs        int       `json:"epochs"`
	ValLoss       []float64 `json:"val_loss"`
	Changes       []struct {
		Step int     `json:"step"`
		LR   float64 `json:"lr"`
	} `json:"changes"`
	LR       []float64 `json:"lr"`
	Momentum []float64 `json:"momentum"`
}

func (c pytorchCase) String() string {
	return fmt.Sprintf("%s from %g, %d×%d steps", c.Schedule, c.BaseLR, c.Epochs, c.StepsPerEpoch)
}

func readCases(t *testing.T, kind Kind) []pytorchCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", string(kind)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []pytorchCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) == 0 {
		t.Fatalf("testdata/%s.json has no cases", kind)
	}
	return f.Cases
}

// replay runs c's schedule as a training loop would: a live change just
// before the step it applies to, the rate read before each step, the
// epoch's validation loss after each epoch.
func replay(t *testing.T, c pytorchCase) (lrs, momenta []float64) {
	t.Helper()
	s, err := Parse(c.Schedule)
	if err != nil {
		t.Fatalf("Parse(%q): %v", c.Schedule, err)
	}
	r, err := s.Start(c.BaseLR, c.StepsPerEpoch, c.Epochs)
	if err != nil {
		t.Fatalf("%v: Start: %v", c, err)
	}
	step, next := 0, 0
	for e := 0; e < c.Epochs; e++ {
		for b := 0; b < c.StepsPerEpoch; b++ {
			if next < len(c.Changes) && c.Changes[next].Step == step {
				if err := r.SetLR(step, c.Changes[next].LR); err != nil {
					t.Fatalf("%v: SetLR(%d, %g): %v", c, step, c.Changes[next].LR, err)
				}
				next++
			}
			lrs = append(lrs, r.LR(step))
			if m, ok := r.Momentum(step); ok {
				momenta = append(momenta, m)
			}
			step++
		}
		loss := math.NaN()
		if e < len(c.ValLoss) {
			loss = c.ValLoss[e]
		}
		r.EpochEnd(loss)
	}
	return lrs, momenta
}

// Rates agree with PyTorch's to within 1e-12 of the rate, or 1e-15 of the
// run's highest rate where that is larger. Step, plateau and constant
// rates are equal to the last bit. Cosine and onecycle rates are not:
// PyTorch's CosineAnnealingLR and LinearLR step recursive forms of the
// closed forms computed here, whose rounding drifts by about 1e-16 of the
// rate per step (3e-13 over the 3,000-step runs in testdata), and Go's
// math.Cos is not glibc's cos. Near the end of a run the rate is the peak
// times (1 + cos θ)/2 with θ near π, where cos θ ≈ −1 carries an absolute
// rounding error of about 1e-16 in any implementation, and so 1 + cos θ
// does too: that is 2e-10 of a rate 5e-7 of its peak, but never more than
// about 1e-16 of the peak, hence the second bound.
const (
	relTolerance  = 1e-12
	peakTolerance = 1e-15
)

// disagreement is the first step at which got differs from PyTorch's
// rates want by more than the tolerances allow, or -1.
func disagreement(got, want []float64) int {
	peak := 0.0
	for _, w := range want {
		peak = max(peak, w)
	}
	for i, w := range want {
		d := math.Abs(got[i] - w)
		if !(d <= relTolerance*w || d <= peakTolerance*peak) {
			return i
		}
	}
	return -1
}

func TestAgainstPyTorch(t *testing.T) {
	for _, kind := range Kinds {
		t.Run(string(kind), func(t *testing.T) {
			worstRel, worstPeak := 0.0, 0.0
			for _, c := range readCases(t, kind) {
				lrs, momenta := replay(t, c)
				if len(lrs) != len(c.LR) {
					t.Fatalf("%v: %d rates, PyTorch has %d", c, len(lrs), len(c.LR))
				}
				peak := 0.0
				for _, want := range c.LR {
					peak = max(peak, want)
				}
				for i, want := range c.LR {
					d := math.Abs(lrs[i] - want)
					worstRel, worstPeak = max(worstRel, d/want), max(worstPeak, d/peak)
				}
				if i := disagreement(lrs, c.LR); i >= 0 {
					d := math.Abs(lrs[i] - c.LR[i])
					t.Errorf("%v: LR(%d) = %.17g, PyTorch %.17g (differs by %.2g of the rate, %.2g of the peak)", c, i, lrs[i], c.LR[i], d/c.LR[i], d/peak)
				}
				if len(momenta) != len(c.Momentum) {
					t.Fatalf("%v: %d momenta, PyTorch has %d", c, len(momenta), len(c.Momentum))
				}
				for i, want := range c.Momentum {
					if d := math.Abs(momenta[i] - want); !(d <= relTolerance*want) {
						t.Errorf("%v: Momentum(%d) = %.17g, PyTorch %.17g", c, i, momenta[i], want)
					}
				}
			}
			t.Logf("largest difference from PyTorch: %.2g of the rate, %.2g of the peak", worstRel, worstPeak)
		})
	}
}

// TestDisagreementCanFail shows that the comparison with PyTorch catches
// a rate off by 1e-11 mid-run, and one off by 1e-8 at the end of a
// onecycle run, where the rate is 4e-6 of the peak and the tolerance
// loosest.
func TestDisagreementCanFail(t *testing.T) {
	for _, c := range readCases(t, OneCycle) {
		lrs, _ := replay(t, c)
		if len(lrs) < 4 {
			continue // no middle: the second step is the last
		}
		for _, p := range []struct {
			step int
			by   float64
		}{{len(lrs) / 2, 1e-11}, {len(lrs) - 1, 1e-8}} {
			bad := append([]float64(nil), lrs...)
			bad[p.step] *= 1 + p.by
			if got := disagreement(bad, c.LR); got != p.step {
				t.Errorf("%v: a rate off by %g at step %d: disagreement = %d, want %d", c, p.by, p.step, got, p.step)
			}
		}
	}
}
