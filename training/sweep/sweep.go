// Package sweep runs a grid of experiments: one to three settings, each
// with a list of values, over a base config; every combination is a run,
// trained one after another and kept in the run store, each marked with
// its place in the sweep so that the sweep's table and plots can be
// rebuilt from the store alone.
//
// A setting's values are written as the command line's --vary and the
// window's Sweep dialog take them:
//
//	lr=1e-4,1e-3,1e-2            a list
//	lr=1e-4..1e-1 x7 log         7 values from 1e-4 to 1e-1, evenly spaced in log scale
//	epochs=2..10 x5              5 values, evenly spaced (lin is the default)
//	hidden=none;64;128,64        list settings (hidden, layers, activation, augment, classes, schedule) separate values with ";"
//
// Range values are rounded to three significant figures (integers for
// integer settings), so that the value a run used is the value shown.
package sweep

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/optim"
	"github.com/neuralworkbench/workbench/training/schedule"
)

// Limits of a sweep.
const (
	MaxSettings = 3
	MaxRuns     = 1000
)

// kind is how a setting's values are written.
type kind int

const (
	real    kind = iota // a float: lists and ranges
	integer             // an integer: lists and ranges, rounded
	choice              // one of a set of names: lists only
	list                // a comma list of its own (hidden layers…): ";"-separated values
)

// setting is one setting a sweep can vary.
type setting struct {
	name    string // as --vary and the command line's flags write it
	aliases []string
	label   string // for a person: axis titles, table headers
	kind    kind
	apply   func(c *training.Config, v string) error
}

// settings are the settings a sweep can vary, in the order they are
// applied (hidden before activation, which applies to its layers).
var settings = []setting{
	{"dataset", nil, "dataset", choice, func(c *training.Config, v string) error { c.Dataset = v; return nil }},
	{"classes", nil, "classes", list, func(c *training.Config, v string) (err error) {
		c.Classes, err = training.ParseClasses(v)
		return err
	}},
	{"arch", []string{"architecture"}, "network", choice, func(c *training.Config, v string) error {
		a, err := nn.Preset(v, 2)
		if err != nil {
			return err
		}
		c.Layers = nil
		if a.IsMLP() {
			if len(c.Hidden) == 0 {
				c.Hidden = training.DefaultConfig().Hidden
			}
			return nil
		}
		c.Layers, c.Hidden = a.Layers, nil
		return nil
	}},
	{"layers", nil, "layers", list, func(c *training.Config, v string) (err error) {
		if c.Layers, err = nn.ParseLayerList(v); err != nil {
			return err
		}
		if len(c.Layers) > 0 {
			c.Hidden = nil
		}
		return nil
	}},
	{"hidden", nil, "hidden layers", list, func(c *training.Config, v string) error {
		_, acts := training.LayerStrings(c.Hidden)
		if v == "none" {
			v = ""
		}
		layers, err := training.ParseLayers(v, acts)
		c.Hidden = layers
		return err
	}},
	{"activation", nil, "activation", list, func(c *training.Config, v string) error {
		widths, _ := training.LayerStrings(c.Hidden)
		layers, err := training.ParseLayers(widths, v)
		c.Hidden = layers
		return err
	}},
	{"loss", nil, "loss", choice, func(c *training.Config, v string) (err error) {
		c.Loss, err = nn.ParseLoss(v)
		return err
	}},
	{"optimizer", nil, "optimizer", choice, func(c *training.Config, v string) (err error) {
		c.Optimizer, err = optim.ParseKind(v)
		return err
	}},
	{"lr", []string{"learning-rate", "learning_rate"}, "learning rate", real, floatSetter(func(c *training.Config) *float64 { return &c.LR })},
	{"schedule", nil, "learning-rate schedule", list, func(c *training.Config, v string) (err error) {
		c.Schedule, err = schedule.Parse(v)
		return err
	}},
	{"momentum", nil, "momentum", real, floatSetter(func(c *training.Config) *float64 { return &c.Momentum })},
	{"weight-decay", []string{"weight_decay"}, "weight decay", real, floatSetter(func(c *training.Config) *float64 { return &c.WeightDecay })},
	{"batch", []string{"batch-size", "batch_size"}, "batch size", integer, intSetter(func(c *training.Config) *int { return &c.Batch })},
	{"epochs", nil, "epochs", integer, intSetter(func(c *training.Config) *int { return &c.Epochs })},
	{"augment", []string{"augmentation"}, "augmentation", list, func(c *training.Config, v string) (err error) {
		c.Augment, err = imageproc.ParseAugment(v)
		return err
	}},
	{"val-split", []string{"val_split"}, "validation split", real, floatSetter(func(c *training.Config) *float64 { return &c.ValSplit })},
	{"limit", nil, "training samples", integer, intSetter(func(c *training.Config) *int { return &c.Limit })},
	{"seed", nil, "seed", integer, func(c *training.Config, v string) (err error) {
		c.Seed, err = strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("seed must be a whole number ≥ 0 (got %q)", v)
		}
		return nil
	}},
}

func floatSetter(field func(*training.Config) *float64) func(*training.Config, string) error {
	return func(c *training.Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%q is not a number", v)
		}
		*field(c) = f
		return nil
	}
}

func intSetter(field func(*training.Config) *int) func(*training.Config, string) error {
	return func(c *training.Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*field(c) = n
		return nil
	}
}

func lookup(name string) (*setting, bool) {
	for i := range settings {
		s := &settings[i]
		if s.name == name || slices.Contains(s.aliases, name) {
			return s, true
		}
	}
	return nil, false
}

// Settings lists the names of the settings a sweep can vary.
func Settings() []string {
	names := make([]string, len(settings))
	for i, s := range settings {
		names[i] = s.name
	}
	return names
}

// Label is a setting's name for a person ("learning rate" for "lr").
func Label(name string) string {
	if s, ok := lookup(name); ok {
		return s.label
	}
	return name
}

// Numeric reports whether a setting's values are numbers, which a plot
// spaces by value rather than evenly.
func Numeric(name string) bool {
	s, ok := lookup(name)
	return ok && (s.kind == real || s.kind == integer)
}

// Axis is one varied setting and its values, written as the setting's
// parser reads them.
type Axis struct {
	Setting string
	Values  []string
	// Log is true for a range spaced in log scale, which plots draw on a
	// log axis.
	Log bool
}

// String writes the axis back in the grammar Parse reads.
func (a Axis) String() string {
	sep := ","
	if s, ok := lookup(a.Setting); ok && s.kind == list {
		sep = ";"
	}
	return a.Setting + "=" + strings.Join(a.Values, sep)
}

// Parse reads one varied setting: NAME=VALUES, where VALUES is a list or a
// range LO..HI xN with an optional scale, lin (the default) or log. Every
// value is checked against the setting's own rules on the default config
// (a value the base config makes impossible is found by Plan.Configs).
func Parse(text string) (Axis, error) {
	name, values, ok := strings.Cut(text, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return Axis{}, fmt.Errorf("%q: write a setting and its values, as lr=1e-4,1e-3 or lr=1e-4..1e-1 x7 log", text)
	}
	s, ok := lookup(name)
	if !ok {
		return Axis{}, fmt.Errorf("%q: unknown setting %q (settings: %s)", text, name, strings.Join(Settings(), ", "))
	}
	values = strings.TrimSpace(values)
	if values == "" {
		return Axis{}, fmt.Errorf("%s: no values", s.name)
	}
	a := Axis{Setting: s.name}
	var err error
	if strings.Contains(values, "..") {
		a.Values, a.Log, err = parseRange(s, values)
	} else {
		a.Values, err = parseList(s, values)
	}
	if err != nil {
		return Axis{}, fmt.Errorf("%s: %w", s.name, err)
	}
	for i, v := range a.Values {
		for _, w := range a.Values[:i] {
			if v == w {
				return Axis{}, fmt.Errorf("%s: %s is given twice", s.name, v)
			}
		}
		c := training.DefaultConfig()
		err := s.apply(&c, v)
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			return Axis{}, fmt.Errorf("%s=%s: %w", s.name, v, err)
		}
	}
	return a, nil
}

func parseList(s *setting, text string) ([]string, error) {
	sep := ","
	if s.kind == list {
		sep = ";"
	}
	var values []string
	for _, v := range strings.Split(text, sep) {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, fmt.Errorf("an empty value in %q", text)
		}
		values = append(values, v)
	}
	return values, nil
}

// parseRange reads LO..HI xN [lin|log].
func parseRange(s *setting, text string) (values []string, log bool, err error) {
	if s.kind != real && s.kind != integer {
		return nil, false, fmt.Errorf("a range needs a numeric setting; list the values instead, separated by %q", map[bool]string{true: ";", false: ","}[s.kind == list])
	}
	fields := strings.Fields(text)
	bounds := fields[0]
	lo, hi, _ := strings.Cut(bounds, "..")
	from, err1 := strconv.ParseFloat(lo, 64)
	to, err2 := strconv.ParseFloat(hi, 64)
	if err1 != nil || err2 != nil || !finite(from) || !finite(to) {
		return nil, false, fmt.Errorf("%q: a range is LO..HI xN [lin|log], with numbers for LO and HI", text)
	}
	if len(fields) < 2 || !strings.HasPrefix(fields[1], "x") {
		return nil, false, fmt.Errorf("%q: say how many values, as in %s x5", text, bounds)
	}
	n, err := strconv.Atoi(fields[1][1:])
	if err != nil || n < 2 || n > MaxRuns {
		return nil, false, fmt.Errorf("%q: the count after x must be between 2 and %d", text, MaxRuns)
	}
	switch {
	case len(fields) == 2, len(fields) == 3 && fields[2] == "lin":
	case len(fields) == 3 && fields[2] == "log":
		log = true
	default:
		return nil, false, fmt.Errorf("%q: after the count comes lin or log and nothing else", text)
	}
	if !(from < to) {
		return nil, false, fmt.Errorf("%q: the range must go from low to high", text)
	}
	if log && !(from > 0) {
		return nil, false, fmt.Errorf("%q: a log range must start above 0", text)
	}
	for i := range n {
		t := float64(i) / float64(n-1)
		v := from + t*(to-from)
		if log {
			v = from * math.Pow(to/from, t)
		}
		var text string
		if s.kind == integer {
			text = strconv.FormatInt(int64(math.Round(v)), 10)
		} else {
			text = strconv.FormatFloat(v, 'g', 3, 64)
		}
		if len(values) > 0 && values[len(values)-1] == text {
			return nil, false, fmt.Errorf("%q: %d values do not fit between %s and %s once rounded (%s twice)", text, n, lo, hi, text)
		}
		values = append(values, text)
	}
	return values, log, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Plan is a sweep: the varied settings over a base config.
type Plan struct {
	Base training.Config
	Axes []Axis
}

// Size is the number of runs the plan makes.
func (p Plan) Size() int {
	n := 1
	for _, a := range p.Axes {
		n *= len(a.Values)
		if n > MaxRuns {
			return MaxRuns + 1 // and no overflow
		}
	}
	return n
}

// Point is one run of a sweep: its values of the varied settings, in the
// plan's order, and the config they make.
type Point struct {
	Values []string
	Config training.Config
}

// Name is the point's run name: its values, as setting=value pairs.
func (p Point) Name(axes []Axis) string {
	parts := make([]string, len(axes))
	for i, a := range axes {
		parts[i] = a.Setting + "=" + p.Values[i]
	}
	return strings.Join(parts, " ")
}

// Validate checks the plan's shape: one to MaxSettings distinct settings,
// at most MaxRuns runs.
func (p Plan) Validate() error {
	switch {
	case len(p.Axes) == 0:
		return errors.New("vary at least one setting, as lr=1e-4,1e-3,1e-2")
	case len(p.Axes) > MaxSettings:
		return fmt.Errorf("a sweep varies at most %d settings (got %d)", MaxSettings, len(p.Axes))
	}
	for i, a := range p.Axes {
		if _, ok := lookup(a.Setting); !ok {
			return fmt.Errorf("unknown setting %q", a.Setting)
		}
		if len(a.Values) == 0 {
			return fmt.Errorf("%s: no values", a.Setting)
		}
		for _, b := range p.Axes[:i] {
			if a.Setting == b.Setting {
				return fmt.Errorf("%s is varied twice: give all its values in one list", a.Setting)
			}
		}
	}
	if n := p.Size(); n > MaxRuns {
		return fmt.Errorf("the sweep would make %s runs; at most %d are allowed", productText(p.Axes), MaxRuns)
	}
	return nil
}

// productText writes a sweep's size as "7 × 3 = 21".
func productText(axes []Axis) string {
	counts := make([]string, len(axes))
	total := 1
	for i, a := range axes {
		counts[i] = strconv.Itoa(len(a.Values))
		total *= len(a.Values)
	}
	if len(axes) == 1 {
		return counts[0]
	}
	return strings.Join(counts, " × ") + " = " + strconv.Itoa(total)
}

// Points lists the plan's runs, the first setting varying slowest, each
// config validated: the first impossible one is an error naming its
// values.
func (p Plan) Points() ([]Point, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n := p.Size()
	points := make([]Point, 0, n)
	idx := make([]int, len(p.Axes))
	for range n {
		pt := Point{Values: make([]string, len(p.Axes)), Config: clone(p.Base)}
		for i, a := range p.Axes {
			pt.Values[i] = a.Values[idx[i]]
		}
		// Apply in the settings' own order, whatever the axes' order.
		for _, s := range settings {
			for i, a := range p.Axes {
				if a.Setting == s.name {
					if err := s.apply(&pt.Config, pt.Values[i]); err != nil {
						return nil, fmt.Errorf("%s=%s: %w", a.Setting, pt.Values[i], err)
					}
				}
			}
		}
		if err := pt.Config.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", pt.Name(p.Axes), err)
		}
		points = append(points, pt)
		for i := len(idx) - 1; i >= 0; i-- {
			if idx[i]++; idx[i] < len(p.Axes[i].Values) {
				break
			}
			idx[i] = 0
		}
	}
	return points, nil
}

// clone copies a config's slices, which points must not share.
func clone(c training.Config) training.Config {
	c.Classes = slices.Clone(c.Classes)
	c.Hidden = slices.Clone(c.Hidden)
	return c
}
