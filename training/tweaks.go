package training

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/neuralworkbench/workbench/training/schedule"
)

// Setting names a hyperparameter that can change while a run trains.
type Setting string

// The settings a run lets change mid-run (Run.Change). The others
// (network, data, batch size, loss, optimizer) shape the network, its
// buffers or the optimizer's state, and apply to the next run.
const (
	SettingLR          Setting = "lr"
	SettingMomentum    Setting = "momentum"
	SettingWeightDecay Setting = "weight_decay"
)

// Settings lists the settings that can change mid-run.
var Settings = []Setting{SettingLR, SettingMomentum, SettingWeightDecay}

// Label is the setting as charts and tables name it.
func (s Setting) Label() string {
	switch s {
	case SettingLR:
		return "lr"
	case SettingMomentum:
		return "momentum"
	case SettingWeightDecay:
		return "weight decay"
	}
	return string(s)
}

// A Change is a hyperparameter changed while a run trained. A run's
// config keeps the starting values and its changes, in order, so that
// training that config again makes the same changes at the same steps and
// reproduces the run bit for bit.
type Change struct {
	// Step is the first step (counted from 1 over the whole run, as
	// Progress.Step) whose update uses Value.
	Step    int     `json:"step"`
	Setting Setting `json:"setting"`
	Value   float64 `json:"value"`
	// From is the value in force before the change, for labels; a replay
	// fills it in again.
	From float64 `json:"from"`
}

// String is the change as a chart's marker names it:
// "lr 0.001 → 0.0003 at step 1,240".
func (c Change) String() string {
	return fmt.Sprintf("%s %s → %s at step %s", c.Setting.Label(), ShortNumber(c.From), ShortNumber(c.Value), Thousands(c.Step))
}

// ShortNumber writes v in at most 3 significant figures, in the shorter
// of plain and exponent notation (plain on a tie, and from 1 up):
// 0.001 → "1e-3", 0.0003 → "3e-4", 0.9 → "0.9", 0.05 → "0.05".
func ShortNumber(v float64) string {
	plain := strconv.FormatFloat(v, 'g', 3, 64)
	if v == 0 || math.Abs(v) >= 1 || math.IsNaN(v) || math.IsInf(v, 0) {
		return plain
	}
	mant, e, _ := strings.Cut(strconv.FormatFloat(v, 'e', 2, 64), "e")
	mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	n, _ := strconv.Atoi(e)
	if exp := mant + "e" + strconv.Itoa(n); len(exp) < len(plain) {
		return exp
	}
	return plain
}

// Thousands writes n with commas between groups of three digits.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// checkChange reports why a change of setting to v cannot be made in a
// run of c, naming what is allowed.
func (c Config) checkChange(s Setting, v float64) error {
	switch s {
	case SettingLR:
		if !(v > MinLR && v <= MaxLR) {
			return fmt.Errorf("learning rate must be > %d and ≤ %d (got %g)", MinLR, MaxLR, v)
		}
	case SettingMomentum:
		if !c.Optimizer.UsesMomentum() {
			return fmt.Errorf("the %s optimizer has no momentum to change (momentum and nesterov have)", c.Optimizer)
		}
		if c.Schedule.Kind == schedule.OneCycle {
			return errors.New("the onecycle schedule sets the momentum at every step: it cannot be changed by hand")
		}
		if !(v >= 0 && v < 1) {
			return fmt.Errorf("momentum must be in [0, 1) (got %g)", v)
		}
	case SettingWeightDecay:
		if !(v >= 0 && v < 1) {
			return fmt.Errorf("weight decay must be in [0, 1) (got %g)", v)
		}
	default:
		return fmt.Errorf("%q cannot change during a run (allowed: lr, momentum, weight_decay)", s)
	}
	return nil
}

// validateChanges checks a config's recorded changes: known settings,
// possible values and steps from 1 in order.
func (c Config) validateChanges() error {
	last := 1
	for i, ch := range c.Changes {
		what := fmt.Sprintf("changes: change %d (%s at step %d)", i+1, ch.Setting, ch.Step)
		if ch.Step < last {
			if ch.Step < 1 {
				return fmt.Errorf("%s: steps count from 1", what)
			}
			return fmt.Errorf("%s: changes must be in step order (the one before is at step %d)", what, last)
		}
		last = ch.Step
		if err := c.checkChange(ch.Setting, ch.Value); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}

// Metric is what early stopping and the best checkpoint watch.
type Metric string

// The metrics.
const (
	ValLoss Metric = "val_loss" // lower is better
	ValAcc  Metric = "val_acc"  // higher is better
)

// EarlyStop ends a run when its validation metric has not improved for
// Patience epochs in a row (Keras's EarlyStopping with min_delta 0).
// Patience 0 is off.
type EarlyStop struct {
	Patience int
	Metric   Metric // ValLoss when empty
}

// MaxPatience bounds the patience: more epochs than a run may have.
const MaxPatience = MaxEpochs

// ParseEarlyStop reads "PATIENCE[:val_loss|val_acc]", or "" or "off".
func ParseEarlyStop(text string) (EarlyStop, error) {
	text = strings.TrimSpace(text)
	if text == "" || text == "off" || text == "0" {
		return EarlyStop{}, nil
	}
	p, m, _ := strings.Cut(text, ":")
	n, err := strconv.Atoi(strings.TrimSpace(p))
	if err != nil || n < 1 || n > MaxPatience {
		return EarlyStop{}, fmt.Errorf("early stop: patience must be a whole number of epochs from 1 to %d (got %q); write PATIENCE[:val_loss|val_acc]", MaxPatience, p)
	}
	e := EarlyStop{Patience: n, Metric: ValLoss}
	switch m = strings.TrimSpace(m); Metric(m) {
	case "", ValLoss:
	case ValAcc:
		e.Metric = ValAcc
	default:
		return EarlyStop{}, fmt.Errorf("early stop: unknown metric %q (allowed: val_loss, val_acc)", m)
	}
	return e, nil
}

// String is e as ParseEarlyStop reads it ("off" when off).
func (e EarlyStop) String() string {
	if e.Patience == 0 {
		return "off"
	}
	return fmt.Sprintf("%d:%s", e.Patience, e.Watched())
}

// Watched is the metric early stopping watches (ValLoss by default).
func (e EarlyStop) Watched() Metric {
	if e.Metric == "" {
		return ValLoss
	}
	return e.Metric
}

// Set makes EarlyStop a flag.Value.
func (e *EarlyStop) Set(text string) error {
	v, err := ParseEarlyStop(text)
	if err == nil {
		*e = v
	}
	return err
}

// Keep says which weights a run's model is: the best epoch's or the last.
type Keep string

// The choices; the zero value is KeepBest.
const (
	KeepBest Keep = "best"
	KeepLast Keep = "last"
)

// ParseKeep reads "best" or "last".
func ParseKeep(text string) (Keep, error) {
	switch k := Keep(strings.TrimSpace(text)); k {
	case KeepBest, KeepLast:
		return k, nil
	case "":
		return KeepBest, nil
	}
	return "", fmt.Errorf("keep: unknown choice %q (allowed: best, last)", text)
}

// String is "best" or "last".
func (k Keep) String() string {
	if k == "" {
		return string(KeepBest)
	}
	return string(k)
}

// Set makes Keep a flag.Value.
func (k *Keep) Set(text string) error {
	v, err := ParseKeep(text)
	if err == nil {
		*k = v
	}
	return err
}

// tracker follows the best epoch by a validation metric, for the best
// checkpoint and early stopping.
type tracker struct {
	metric Metric
	best   float64
	epoch  int // the best epoch so far, 0 before any
	since  int // epochs since it
}

// better records an epoch's validation metrics and reports whether the
// epoch is the best so far (strictly better; a NaN is never better).
func (t *tracker) better(epoch int, val Evaluation) bool {
	v := val.Loss
	if t.metric == ValAcc {
		v = -val.Accuracy
	}
	if math.IsNaN(v) || (t.epoch > 0 && !(v < t.best)) {
		t.since++
		return false
	}
	t.best, t.epoch, t.since = v, epoch, 0
	return true
}
