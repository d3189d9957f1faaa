// Package schedule gives the learning rate in force at every step of a run:
// constant, step decay, cosine annealing with an optional warmup,
// one-cycle, and reduce-on-plateau. Each follows the equations of PyTorch's
// torch.optim.lr_scheduler (version 1.13) step for step, so that a schedule
// carries over between the two; the tests compare every step of whole runs
// with rates PyTorch produced (testdata/gen.py).
//
// A Schedule is the setting, written as the command line's --schedule and a
// config file's "schedule" key take it:
//
//	constant                 the base learning rate throughout (the default)
//	step:N:GAMMA             × GAMMA every N epochs (StepLR, stepped per epoch)
//	cosine[:MIN][,warmup=K]  K epochs of linear warmup, then cosine down to MIN (default 0) by the end of the run, per batch
//	onecycle[:MAXLR]         OneCycleLR with its defaults, peaking at MAXLR (default: the base rate), per batch
//	plateau:P:GAMMA          × GAMMA when the validation loss has not improved for P epochs (ReduceLROnPlateau)
//
// A Scheduler follows one run: the training loop asks it for LR(step)
// before each batch, tells it EpochEnd(validation loss) after each epoch,
// and hands it a live change with SetLR. Steps are batches, counted from 0
// across epochs.
//
// Parse, Validate and Start return an error, naming the field and what is
// allowed, for a value that is out of range, NaN or infinite; the
// functions that take a Scheduler's results then never see such a value,
// and the rates a Scheduler gives are always > 0 and finite.
package schedule

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind names a schedule.
type Kind string

// The schedules.
const (
	Constant Kind = "constant" // the base learning rate throughout
	Step     Kind = "step"     // multiply by Gamma every Every epochs
	Cosine   Kind = "cosine"   // optional warmup, then cosine annealing to Min
	OneCycle Kind = "onecycle" // Smith & Topin's one cycle, peaking at MaxLR
	Plateau  Kind = "plateau"  // multiply by Gamma when validation loss stalls
)

// Kinds lists every schedule in the order the UI offers them.
var Kinds = []Kind{Constant, Step, Cosine, OneCycle, Plateau}

// Grammar is the form Parse reads, for help texts and hints.
const Grammar = "constant|step:N:GAMMA|cosine[:MIN][,warmup=K]|onecycle[:MAXLR]|plateau:P:GAMMA"

// maxLR is the highest learning rate the optimizers accept
// (training.MaxLR; a test holds the two together).
const maxLR = 100

// Schedule is a learning-rate schedule's setting. The zero value is
// constant. Fields another kind uses are ignored.
type Schedule struct {
	Kind Kind
	// Every is step's N: the epochs between reductions, ≥ 1.
	Every int
	// Gamma is the factor step and plateau multiply the rate by: in (0, 1]
	// for step, (0, 1) for plateau.
	Gamma float64
	// Min is the rate cosine anneals to, ≥ 0 and below the base rate.
	Min float64
	// Warmup is cosine's warmup in epochs, shorter than the run; 0 for
	// none. The rate rises per batch.
	Warmup int
	// MaxLR is onecycle's peak, at least the base rate; 0 for the base
	// rate. As OneCycleLR ignores the optimizer's rate, the run starts at
	// MaxLR/25 and ends at MaxLR/25/1e4 whatever the base rate.
	MaxLR float64
	// Patience is plateau's P: the epochs without improvement it waits
	// before reducing, ≥ 0.
	Patience int
}

// Parse reads a schedule in the grammar of the package doc ("" is
// constant). The name is case-insensitive. Rules that involve the base
// learning rate or the run's length are Validate's.
func Parse(text string) (Schedule, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return Schedule{Kind: Constant}, nil
	}
	head, options, hasOptions := strings.Cut(t, ",")
	fields := strings.Split(head, ":")
	name := Kind(strings.ToLower(strings.TrimSpace(fields[0])))
	args := fields[1:]
	for i := range args {
		args[i] = strings.TrimSpace(args[i])
	}
	s := Schedule{Kind: name}
	if hasOptions && name != Cosine && known(name) {
		return Schedule{}, fmt.Errorf("%s takes no options after a comma (got %q)", name, t)
	}
	var err error
	switch name {
	case Constant:
		if len(args) > 0 {
			return Schedule{}, fmt.Errorf("constant takes no arguments (got %q)", t)
		}
	case Step, Plateau:
		first, example := "N", "step:10:0.5"
		if name == Plateau {
			first, example = "P", "plateau:3:0.1"
		}
		if len(args) != 2 {
			return Schedule{}, fmt.Errorf("%s needs %s and GAMMA, as %s (got %q)", name, first, example, t)
		}
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return Schedule{}, fmt.Errorf("%s: %s must be a whole number of epochs (got %q)", name, first, args[0])
		}
		if name == Step {
			s.Every = n
		} else {
			s.Patience = n
		}
		if s.Gamma, err = number(name, "GAMMA", args[1]); err != nil {
			return Schedule{}, err
		}
	case Cosine:
		if len(args) > 1 {
			return Schedule{}, fmt.Errorf("cosine takes at most MIN, as cosine:1e-5,warmup=1 (got %q)", t)
		}
		if len(args) == 1 {
			if s.Min, err = number(name, "MIN", args[0]); err != nil {
				return Schedule{}, err
			}
		}
		if hasOptions { // one option: warmup=K
			key, value, _ := strings.Cut(options, "=")
			if strings.TrimSpace(key) != "warmup" {
				return Schedule{}, fmt.Errorf("cosine: unknown option %q (allowed: warmup=K, K epochs)", strings.TrimSpace(options))
			}
			value = strings.TrimSpace(value)
			if s.Warmup, err = strconv.Atoi(value); err != nil {
				return Schedule{}, fmt.Errorf("cosine: warmup must be a whole number of epochs (got %q)", value)
			}
		}
	case OneCycle:
		if len(args) > 1 {
			return Schedule{}, fmt.Errorf("onecycle takes at most MAXLR, as onecycle:0.01 (got %q)", t)
		}
		if len(args) == 1 {
			if s.MaxLR, err = number(name, "MAXLR", args[0]); err != nil {
				return Schedule{}, err
			}
			if s.MaxLR <= 0 { // check takes 0 for the base rate; written, it is a mistake
				return Schedule{}, fmt.Errorf("onecycle: MAXLR must be > 0 and ≤ %d (got %g)", maxLR, s.MaxLR)
			}
		}
	default:
		return Schedule{}, unknown(fields[0])
	}
	if err := s.check(); err != nil {
		return Schedule{}, err
	}
	return s, nil
}

func number(k Kind, field, text string) (float64, error) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s: %s must be a number (got %q)", k, field, text)
	}
	return f, nil
}

func known(k Kind) bool {
	for _, c := range Kinds {
		if c == k {
			return true
		}
	}
	return false
}

func unknown(name string) error {
	return fmt.Errorf("unknown schedule %q (allowed: %s)", strings.TrimSpace(name), strings.ReplaceAll(Grammar, "|", ", "))
}

// check reports the first rule s breaks on its own.
func (s Schedule) check() error {
	switch s.Kind {
	case "", Constant:
	case Step:
		if s.Every < 1 {
			return fmt.Errorf("step: N must be ≥ 1 epoch (got %d)", s.Every)
		}
		if !(s.Gamma > 0 && s.Gamma <= 1) {
			return fmt.Errorf("step: GAMMA must be in (0, 1] (got %g)", s.Gamma)
		}
	case Cosine:
		if !(s.Min >= 0) || math.IsInf(s.Min, 0) {
			return fmt.Errorf("cosine: MIN must be ≥ 0 and below the base learning rate (got %g)", s.Min)
		}
		if s.Warmup < 0 {
			return fmt.Errorf("cosine: warmup must be ≥ 0 epochs (got %d)", s.Warmup)
		}
	case OneCycle:
		if s.MaxLR != 0 && !(s.MaxLR > 0 && s.MaxLR <= maxLR) {
			return fmt.Errorf("onecycle: MAXLR must be > 0 and ≤ %d (got %g)", maxLR, s.MaxLR)
		}
	case Plateau:
		if s.Patience < 0 {
			return fmt.Errorf("plateau: P must be ≥ 0 epochs (got %d)", s.Patience)
		}
		// ReduceLROnPlateau refuses a factor of 1, which would never reduce.
		if !(s.Gamma > 0 && s.Gamma < 1) {
			return fmt.Errorf("plateau: GAMMA must be in (0, 1) (got %g)", s.Gamma)
		}
	default:
		return unknown(string(s.Kind))
	}
	return nil
}

// Validate reports the first rule s breaks for a run of the given number
// of epochs from the given base learning rate, naming the field and what
// is allowed: Parse's rules, and cosine's MIN below the base rate and
// warmup shorter than the run, onecycle's MAXLR at least the base rate,
// and a step schedule whose rate stays above 0 in float64.
func (s Schedule) Validate(baseLR float64, epochs int) error {
	if err := s.check(); err != nil {
		return err
	}
	if !(baseLR > 0 && baseLR <= maxLR) {
		return fmt.Errorf("the base learning rate must be > 0 and ≤ %d (got %g)", maxLR, baseLR)
	}
	if epochs < 1 {
		return fmt.Errorf("a schedule needs a run of at least 1 epoch (got %d)", epochs)
	}
	switch s.Kind {
	case Step:
		lr := baseLR
		for e := s.Every; e < epochs && s.Gamma < 1; e += s.Every {
			if lr *= s.Gamma; lr == 0 {
				return fmt.Errorf("step: GAMMA %g every %d epochs takes the learning rate to 0 by epoch %d of %d (allowed: a schedule whose rate stays above 0)", s.Gamma, s.Every, e+1, epochs)
			}
		}
	case Cosine:
		if s.Min >= baseLR {
			return fmt.Errorf("cosine: MIN must be below the base learning rate %g (got %g)", baseLR, s.Min)
		}
		if s.Warmup >= epochs {
			return fmt.Errorf("cosine: warmup must be shorter than the run's %d epochs (got %d)", epochs, s.Warmup)
		}
	case OneCycle:
		if s.MaxLR != 0 && s.MaxLR < baseLR {
			return fmt.Errorf("onecycle: MAXLR must be at least the base learning rate %g (got %g)", baseLR, s.MaxLR)
		}
	}
	return nil
}

// String writes s in the grammar Parse reads, so that Parse(s.String())
// gives s back (its fields that s's kind uses).
func (s Schedule) String() string {
	g := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	switch s.Kind {
	case "", Constant:
		return string(Constant)
	case Step:
		return fmt.Sprintf("step:%d:%s", s.Every, g(s.Gamma))
	case Plateau:
		return fmt.Sprintf("plateau:%d:%s", s.Patience, g(s.Gamma))
	case Cosine:
		out := "cosine"
		if s.Min != 0 {
			out += ":" + g(s.Min)
		}
		if s.Warmup != 0 {
			out += ",warmup=" + strconv.Itoa(s.Warmup)
		}
		return out
	case OneCycle:
		if s.MaxLR != 0 {
			return "onecycle:" + g(s.MaxLR)
		}
		return "onecycle"
	}
	return string(s.Kind)
}

// MarshalText writes s as String does, so that a schedule is a string in
// JSON ("schedule": "step:10:0.5").
func (s Schedule) MarshalText() ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads s as Parse does.
func (s *Schedule) UnmarshalText(text []byte) error {
	v, err := Parse(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Set reads s as Parse does, so that a *Schedule is a flag.Value.
func (s *Schedule) Set(text string) error { return s.UnmarshalText([]byte(text)) }
