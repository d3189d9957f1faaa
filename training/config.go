// Package training runs Neural Workbench's experiments: it prepares the
// data, trains a network in a goroutine that reports through a typed
// event stream, evaluates it, and saves and loads trained models. It knows
// nothing of the GUI; the command line and the window both drive it.
package training

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/optim"
	"github.com/neuralworkbench/workbench/training/schedule"
)

// Config is everything that defines an experiment. Its JSON form uses the
// command line's flag names (with underscores) as keys.
type Config struct {
	// Dataset is "mnist" (built in), "idx:DIR" or "folder:DIR".
	Dataset string
	// Classes selects classes by name: digits for MNIST and IDX sets,
	// folder names for image folders. Empty selects all.
	Classes []string
	// Hidden lists the hidden layers, input side first; empty is softmax
	// regression.
	Hidden []nn.Layer
	// Layers, when not empty, is the network instead of Hidden: a list of
	// layers over the 28×28 image, such as a convolutional network
	// (nn.ParseLayerList's grammar; nn.Preset's presets).
	Layers    []nn.LayerSpec
	Loss      nn.Loss
	Optimizer optim.Kind
	LR        float64
	// Schedule changes the learning rate as the run goes (the zero value
	// is constant: LR throughout).
	Schedule    schedule.Schedule
	Momentum    float64
	Batch       int
	Epochs      int
	WeightDecay float64
	Augment     imageproc.Augment
	// ValSplit is the fraction of the training data held out for
	// validation.
	ValSplit float64
	Seed     uint64
	// Limit caps the number of training samples (0: no cap).
	Limit int
	// Changes are the learning rate, momentum and weight decay changes
	// made while the run trained, in step order: a run of this config
	// makes them again at the same steps (see Change).
	Changes []Change
	// EarlyStop ends the run when its validation metric stops improving.
	EarlyStop EarlyStop
	// Keep says which weights are the run's model: the best epoch's (by
	// EarlyStop's metric, else validation loss; the default) or the last.
	// The run keeps both.
	Keep Keep
}

// DefaultConfig is the experiment the app starts with: a 784-128-64-3
// ReLU network on MNIST digits 3, 5 and 8 (the seed's network has three
// outputs, and these three digits are the most easily confused, so the
// effect of a hyperparameter shows), trained with Adam.
func DefaultConfig() Config {
	return Config{
		Dataset:   "mnist",
		Classes:   []string{"3", "5", "8"},
		Hidden:    []nn.Layer{{Width: 128, Activation: nn.ReLU}, {Width: 64, Activation: nn.ReLU}},
		Loss:      nn.CrossEntropy,
		Optimizer: optim.Adam,
		LR:        0.001,
		Momentum:  0.9,
		Batch:     64,
		Epochs:    5,
		ValSplit:  0.1,
		Seed:      1,
	}
}

// MaxConfigFile bounds a config file (--config, a model's config.json):
// a real one is a few hundred bytes.
const MaxConfigFile = 1 << 20

// Limits on the settings, beyond which a run makes no sense on a desktop.
const (
	MaxBatch  = 65536
	MaxEpochs = 10000
)

// Learning rates Validate accepts: above MinLR, and at most MaxLR (the
// optimizers' own rule, which a test holds these to). Hints that state the
// range take it from here.
const (
	MinLR = 0 // exclusive
	MaxLR = 100
)

// Validate reports the first impossible setting, naming the field and what
// is allowed.
func (c Config) Validate() error {
	if err := validateDataset(c.Dataset); err != nil {
		return err
	}
	for _, cl := range c.Classes {
		if strings.TrimSpace(cl) == "" {
			return errors.New("classes: empty class name")
		}
	}
	if len(c.Classes) == 1 {
		return fmt.Errorf("a classifier needs at least 2 classes (got only %q)", c.Classes[0])
	}
	for i, l := range c.Hidden {
		if err := ValidateLayer(l); err != nil {
			return fmt.Errorf("hidden layer %d: %w", i+1, err)
		}
	}
	if len(c.Layers) > 0 && len(c.Hidden) > 0 {
		return errors.New("hidden and layers both describe the network: give one (layers for a network of any layers, hidden for a multilayer perceptron)")
	}
	if err := c.Spec(2).Validate(); err != nil {
		return err
	}
	if _, err := nn.ParseLoss(string(c.Loss)); err != nil {
		return err
	}
	oc := c.optimizer()
	if err := oc.Validate(); err != nil {
		return err
	}
	switch {
	case c.Batch < 1 || c.Batch > MaxBatch:
		return fmt.Errorf("batch size must be between 1 and %d (got %d)", MaxBatch, c.Batch)
	case c.Epochs < 1 || c.Epochs > MaxEpochs:
		return fmt.Errorf("epochs must be between 1 and %d (got %d)", MaxEpochs, c.Epochs)
	case !(c.ValSplit >= 0 && c.ValSplit <= 0.5):
		return fmt.Errorf("validation split must be between 0 and 0.5 (got %g)", c.ValSplit)
	case c.Limit < 0:
		return fmt.Errorf("limit must be ≥ 0, 0 meaning no limit (got %d)", c.Limit)
	}
	if err := c.checkMemory(); err != nil {
		return err
	}
	if err := c.Augment.Validate(); err != nil {
		return fmt.Errorf("augmentation: %w", err)
	}
	if err := c.Schedule.Validate(c.LR, c.Epochs); err != nil {
		return fmt.Errorf("learning-rate schedule %w", err)
	}
	if c.Schedule.Kind == schedule.Plateau && c.ValSplit == 0 {
		return errors.New("learning-rate schedule plateau watches the validation loss: it needs a validation split above 0")
	}
	if c.EarlyStop.Patience < 0 || c.EarlyStop.Patience > MaxPatience {
		return fmt.Errorf("early stop: patience must be from 1 to %d epochs, or 0 for off (got %d)", MaxPatience, c.EarlyStop.Patience)
	}
	if m := c.EarlyStop.Metric; m != "" && m != ValLoss && m != ValAcc {
		return fmt.Errorf("early stop: unknown metric %q (allowed: val_loss, val_acc)", m)
	}
	if c.EarlyStop.Patience > 0 && c.ValSplit == 0 {
		return errors.New("early stop watches the validation set: it needs a validation split above 0")
	}
	if _, err := ParseKeep(string(c.Keep)); err != nil {
		return err
	}
	return c.validateChanges()
}

func validateDataset(spec string) error {
	switch {
	case spec == "mnist":
		return nil
	case strings.HasPrefix(spec, "idx:") && len(spec) > 4, strings.HasPrefix(spec, "folder:") && len(spec) > 7:
		return nil
	}
	return fmt.Errorf("dataset must be mnist, idx:DIR or folder:DIR (got %q)", spec)
}

func (c Config) optimizer() optim.Config {
	return optim.Config{Kind: c.Optimizer, LearningRate: c.LR, Momentum: c.Momentum, WeightDecay: c.WeightDecay}
}

// Spec is the network architecture for a dataset of the given number of
// classes.
func (c Config) Spec(classes int) nn.Spec {
	if len(c.Layers) > 0 {
		return nn.Spec{Inputs: imageproc.Pixels, Layers: c.Layers, Classes: classes}
	}
	return nn.Spec{Inputs: imageproc.Pixels, Hidden: c.Hidden, Classes: classes}
}

// configJSON is Config's JSON form: the command line's flags as keys.
type configJSON struct {
	Dataset     string   `json:"dataset"`
	Classes     any      `json:"classes"`
	Hidden      any      `json:"hidden"`
	Layers      string   `json:"layers,omitempty"`
	Activation  any      `json:"activation"`
	Loss        string   `json:"loss"`
	Optimizer   string   `json:"optimizer"`
	LR          float64  `json:"lr"`
	Schedule    string   `json:"schedule,omitempty"`
	Momentum    float64  `json:"momentum"`
	Batch       int      `json:"batch"`
	Epochs      int      `json:"epochs"`
	WeightDecay float64  `json:"weight_decay"`
	Augment     string   `json:"augment"`
	ValSplit    float64  `json:"val_split"`
	Seed        uint64   `json:"seed"`
	Limit       int      `json:"limit"`
	Changes     []Change `json:"changes,omitempty"`
	EarlyStop   string   `json:"early_stop,omitempty"`
	Keep        string   `json:"keep,omitempty"`
}

// MarshalJSON writes the config with the flags' names and forms:
// {"hidden": [128, 64], "activation": ["relu", "relu"], "augment": "none", ...}.
func (c Config) MarshalJSON() ([]byte, error) {
	widths, acts := []int{}, []string{}
	for _, l := range c.Hidden {
		widths = append(widths, l.Width)
		acts = append(acts, string(l.Activation))
	}
	var classes any = "all"
	if len(c.Classes) > 0 {
		classes = c.Classes
	}
	return json.Marshal(configJSON{
		Dataset: c.Dataset, Classes: classes, Hidden: widths, Activation: acts, Layers: nn.LayersString(c.Layers),
		Loss: string(c.Loss), Optimizer: string(c.Optimizer), LR: c.LR, Schedule: scheduleText(c.Schedule), Momentum: c.Momentum,
		Batch: c.Batch, Epochs: c.Epochs, WeightDecay: c.WeightDecay, Augment: c.Augment.String(),
		ValSplit: c.ValSplit, Seed: c.Seed, Limit: c.Limit,
		Changes: c.Changes, EarlyStop: earlyStopText(c.EarlyStop), Keep: keepText(c.Keep),
	})
}

// scheduleText is a schedule as config files write it: "" (no key) for
// constant, so that the configs of runs without one stay as they were.
func scheduleText(s schedule.Schedule) string {
	if s.Kind == "" || s.Kind == schedule.Constant {
		return ""
	}
	return s.String()
}

// earlyStopText and keepText leave out the defaults, as scheduleText
// does.
func earlyStopText(e EarlyStop) string {
	if e.Patience == 0 {
		return ""
	}
	return e.String()
}

func keepText(k Keep) string {
	if k == KeepLast {
		return string(k)
	}
	return ""
}

// configFile is what a config file may hold: every key optional, lists as
// JSON arrays or as the command line's comma-separated strings.
type configFile struct {
	Dataset     *string         `json:"dataset"`
	Classes     json.RawMessage `json:"classes"`
	Hidden      json.RawMessage `json:"hidden"`
	Layers      *string         `json:"layers"`
	Activation  json.RawMessage `json:"activation"`
	Loss        *string         `json:"loss"`
	Optimizer   *string         `json:"optimizer"`
	LR          *float64        `json:"lr"`
	Schedule    *string         `json:"schedule"`
	Momentum    *float64        `json:"momentum"`
	Batch       *int            `json:"batch"`
	Epochs      *int            `json:"epochs"`
	WeightDecay *float64        `json:"weight_decay"`
	Augment     *string         `json:"augment"`
	ValSplit    *float64        `json:"val_split"`
	Seed        *uint64         `json:"seed"`
	Limit       *int            `json:"limit"`
	Changes     []Change        `json:"changes"`
	EarlyStop   *string         `json:"early_stop"`
	Keep        *string         `json:"keep"`
}

// UnmarshalJSON reads a config file over the values already in c, so that
// keys missing from the file keep their values. Unknown keys are errors,
// so that a misspelt setting is not silently ignored.
func (c *Config) UnmarshalJSON(b []byte) error {
	var f configFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return err
	}
	set(&c.Dataset, f.Dataset)
	set(&c.LR, f.LR)
	set(&c.Momentum, f.Momentum)
	set(&c.Batch, f.Batch)
	set(&c.Epochs, f.Epochs)
	set(&c.WeightDecay, f.WeightDecay)
	set(&c.ValSplit, f.ValSplit)
	set(&c.Seed, f.Seed)
	set(&c.Limit, f.Limit)
	if f.Loss != nil {
		c.Loss = nn.Loss(*f.Loss)
	}
	if f.Optimizer != nil {
		c.Optimizer = optim.Kind(*f.Optimizer)
	}
	if f.Schedule != nil {
		sch, err := schedule.Parse(*f.Schedule) // its errors name the schedule
		if err != nil {
			return err
		}
		c.Schedule = sch
	}
	if f.Changes != nil {
		c.Changes = f.Changes
	}
	if f.Layers != nil {
		layers, err := nn.ParseLayerList(*f.Layers)
		if err != nil {
			return fmt.Errorf("layers: %w", err)
		}
		c.Layers = layers
		if len(layers) > 0 && f.Hidden == nil {
			c.Hidden = nil // the layers are the network
		}
	}
	if f.EarlyStop != nil {
		e, err := ParseEarlyStop(*f.EarlyStop)
		if err != nil {
			return err
		}
		c.EarlyStop = e
	}
	if f.Keep != nil {
		k, err := ParseKeep(*f.Keep)
		if err != nil {
			return err
		}
		c.Keep = k
	}
	if f.Augment != nil {
		aug, err := imageproc.ParseAugment(*f.Augment) // its errors name the augmentation
		if err != nil {
			return err
		}
		c.Augment = aug
	}
	if f.Classes != nil {
		list, err := stringList(f.Classes)
		if err != nil {
			return fmt.Errorf("classes: %w", err)
		}
		if c.Classes, err = ParseClasses(strings.Join(list, ",")); err != nil {
			return err
		}
	}
	if f.Hidden == nil && f.Activation == nil {
		return nil
	}
	// Widths and activations go together: a file may change either.
	widths := make([]string, len(c.Hidden))
	acts := make([]string, len(c.Hidden))
	uniform := true
	for i, l := range c.Hidden {
		widths[i], acts[i] = strconv.Itoa(l.Width), string(l.Activation)
		uniform = uniform && l.Activation == c.Hidden[0].Activation
	}
	if uniform && len(acts) > 0 {
		acts = acts[:1] // one activation for any number of layers
	}
	var err error
	if f.Hidden != nil {
		if widths, err = stringList(f.Hidden); err != nil {
			return fmt.Errorf("hidden: %w", err)
		}
	}
	if f.Activation != nil {
		if acts, err = stringList(f.Activation); err != nil {
			return fmt.Errorf("activation: %w", err)
		}
	}
	c.Hidden, err = ParseLayers(strings.Join(widths, ","), strings.Join(acts, ","))
	return err
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// stringList accepts a JSON array of strings or numbers, a number, or a
// comma-separated string.
func stringList(m json.RawMessage) ([]string, error) {
	var v any
	if err := json.Unmarshal(m, &v); err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case string:
		if strings.TrimSpace(t) == "" {
			return []string{}, nil
		}
		return strings.Split(t, ","), nil
	case float64:
		return []string{strconv.FormatFloat(t, 'f', -1, 64)}, nil
	case []any:
		out := make([]string, len(t))
		for i, e := range t {
			switch x := e.(type) {
			case string:
				out[i] = x
			case float64:
				out[i] = strconv.FormatFloat(x, 'f', -1, 64)
			default:
				return nil, fmt.Errorf("element %d must be a string or a number", i+1)
			}
		}
		return out, nil
	}
	return nil, errors.New("must be a list or a comma-separated string")
}

// ValidateLayer reports what is wrong with one hidden layer, without
// naming it: callers that know its position say "hidden layer N: " once.
func ValidateLayer(l nn.Layer) error {
	if l.Width < 1 || l.Width > nn.MaxWidth {
		return fmt.Errorf("width must be between 1 and %d (got %d)", nn.MaxWidth, l.Width)
	}
	_, err := nn.ParseActivation(string(l.Activation))
	return err
}

// ParseLayers builds the hidden layers from the command line's forms: a
// comma-separated list of widths ("" for none) and either one activation
// for every layer or a comma-separated list with one per layer. Errors
// about one layer start "hidden layer N: ", as Validate's do.
func ParseLayers(widths, activations string) ([]nn.Layer, error) {
	widths = strings.TrimSpace(widths)
	if widths == "" {
		return []nn.Layer{}, nil
	}
	ws := strings.Split(widths, ",")
	acts := strings.Split(activations, ",")
	if strings.TrimSpace(activations) == "" {
		acts = []string{string(nn.ReLU)}
	}
	if len(acts) != 1 && len(acts) != len(ws) {
		return nil, fmt.Errorf("give one activation for all layers or one per layer (%d layers, %d activations)", len(ws), len(acts))
	}
	if len(acts) == 1 { // one for all: its error is not one layer's
		if _, err := nn.ParseActivation(acts[0]); err != nil {
			return nil, err
		}
	}
	layers := make([]nn.Layer, len(ws))
	for i, w := range ws {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil {
			return nil, fmt.Errorf("hidden layer %d: width %q is not a whole number", i+1, strings.TrimSpace(w))
		}
		l := nn.Layer{Width: n, Activation: nn.Activation(acts[min(i, len(acts)-1)])}
		if err := ValidateLayer(l); err != nil {
			return nil, fmt.Errorf("hidden layer %d: %w", i+1, err)
		}
		l.Activation, _ = nn.ParseActivation(string(l.Activation)) // the canonical name
		layers[i] = l
	}
	return layers, nil
}

// LayerStrings is the inverse of ParseLayers. When every layer has the
// same activation it is given once, so that a new list of widths of any
// length keeps it.
func LayerStrings(layers []nn.Layer) (widths, acts string) {
	w := make([]string, len(layers))
	a := make([]string, len(layers))
	uniform := true
	for i, l := range layers {
		w[i], a[i] = strconv.Itoa(l.Width), string(l.Activation)
		uniform = uniform && l.Activation == layers[0].Activation
	}
	if uniform && len(a) > 0 {
		a = a[:1]
	}
	return strings.Join(w, ","), strings.Join(a, ",")
}

// ParseClasses reads the command line's class list: "all" (or empty) for
// every class, otherwise comma-separated names such as "3,5,8". Duplicates
// are errors.
func ParseClasses(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "all") {
		return nil, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("classes: empty entry in %q (use names separated by commas, or all)", s)
		}
		if seen[p] {
			return nil, fmt.Errorf("classes: %q listed twice", p)
		}
		seen[p] = true
		out = append(out, p)
	}
	if len(out) == 1 {
		return nil, fmt.Errorf("a classifier needs at least 2 classes (got only %q)", out[0])
	}
	return out, nil
}

// isFinite reports whether v is neither NaN nor infinite.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// DecodeConfig reads a config file's bytes over the values already in c
// (see UnmarshalJSON) and returns the keys it set. A UTF-8 byte order mark
// is skipped. The file must be one JSON object whose keys each appear
// once and none of whose values is null (a duplicate would silently win
// over the first; leave a key out for its default). Errors are cut to 200
// bytes: a megabyte-long number in the file gives a line, not a megabyte.
func DecodeConfig(b []byte, c *Config) (keys []string, err error) {
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	keys, err = objectKeys(b)
	if err == nil {
		err = json.Unmarshal(b, c)
	}
	if err != nil {
		return nil, errors.New(shorten(err.Error()))
	}
	return keys, nil
}

// objectKeys checks that b is one JSON object without duplicate keys or
// null values, at any depth, and returns its keys.
func objectKeys(b []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("a config file holds one JSON object of settings, like {\"lr\": 0.01}; this one starts with %v", tok)
	}
	var keys []string
	var walk func(path string, open json.Delim) error
	walk = func(path string, open json.Delim) error {
		seen := map[string]bool{}
		for i := 0; dec.More(); i++ {
			name := fmt.Sprintf("%s[%d]", strings.TrimSuffix(path, "."), i)
			if open == '{' {
				tok, err := dec.Token()
				if err != nil {
					return err
				}
				key := tok.(string)
				if seen[key] {
					return fmt.Errorf("%s%q is given twice; each setting may appear once", where(path), key)
				}
				seen[key] = true
				if path == "" {
					keys = append(keys, key)
				}
				name = path + key
			}
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			switch tok {
			case nil:
				return fmt.Errorf("%s is null; leave the key out to keep its default", name)
			case json.Delim('{'), json.Delim('['):
				if err := walk(name+".", tok.(json.Delim)); err != nil {
					return err
				}
				if _, err := dec.Token(); err != nil { // the closing delimiter
					return err
				}
			}
		}
		return nil
	}
	if err := walk("", '{'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("a config file holds one JSON object; there is more after it")
	}
	return keys, nil
}

func where(path string) string {
	if path == "" {
		return "key "
	}
	return "key " + path
}

// shorten cuts a message to 200 bytes (on a character's boundary).
func shorten(msg string) string {
	const keep = 200
	if len(msg) <= keep {
		return msg
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}
