package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/neuralworkbench/workbench/training/regular"
	"github.com/neuralworkbench/workbench/training/runs"
	"math"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/openblas"
	"github.com/neuralworkbench/workbench/training/optim"
	"github.com/neuralworkbench/workbench/training/schedule"
)

// trainFlags are the train command's flags, as strings where the form is
// the command line's own (lists), so that errors can name the field.
type trainFlags struct {
	dataset, classes, hidden, activation, loss, optimizer, augment string
	schedule, earlyStop, keep, arch, layers                        string
	lr, momentum, weightDecay, valSplit                            float64
	batch, epochs, limit                                           int
	seed                                                           uint64
	config, out, name, note                                        string
	json                                                           bool
}

// register defines the flags that set an experiment (those of train,
// sweep and lr-find), with the defaults' values.
func (f *trainFlags) register(fs *flag.FlagSet) {
	d := training.DefaultConfig()
	fs.StringVar(&f.dataset, "dataset", d.Dataset, "data: mnist (built in), idx:DIR (MNIST-format IDX files) or folder:DIR (DIR/<class>/*.png…)")
	fs.StringVar(&f.classes, "classes", strings.Join(d.Classes, ","), "classes to train on: digits for mnist/idx, folder names for folders, or all (datasets other than mnist default to all)")
	fs.StringVar(&f.hidden, "hidden", "128,64", "hidden layer widths, comma-separated (empty for softmax regression)")
	fs.StringVar(&f.arch, "arch", "", "a preset network: mlp (the hidden layers above), lenet (LeNet-5) or resnet[:N[:W]] (N residual blocks of width W; 3 and 16)")
	fs.StringVar(&f.layers, "layers", "", "the network as a list of layers, instead of --hidden: "+layerGrammarHelp)
	fs.StringVar(&f.activation, "activation", "relu", "activation for every hidden layer, or a comma list with one per layer: "+activationNames())
	fs.StringVar(&f.loss, "loss", string(d.Loss), "loss: ce (cross-entropy) or mse (squared error on the softmax)")
	fs.StringVar(&f.optimizer, "optimizer", string(d.Optimizer), "optimizer: "+optimizerNames())
	fs.Float64Var(&f.lr, "lr", d.LR, "learning rate")
	fs.StringVar(&f.schedule, "schedule", "constant", "learning-rate schedule: "+schedule.Grammar+" (N, K and P in epochs)")
	fs.StringVar(&f.earlyStop, "early-stop", "off", "stop when the validation metric has not improved for PATIENCE epochs: PATIENCE[:val_loss|val_acc], or off")
	fs.StringVar(&f.keep, "keep", "best", "which weights the run's model is, best (the best validation epoch's) or last; the record keeps both")
	fs.Float64Var(&f.momentum, "momentum", d.Momentum, "momentum for the momentum and nesterov optimizers")
	fs.IntVar(&f.batch, "batch", d.Batch, "batch size")
	fs.IntVar(&f.epochs, "epochs", d.Epochs, "epochs")
	fs.Float64Var(&f.weightDecay, "weight-decay", d.WeightDecay, "weight decay (L2; decoupled for adamw)")
	fs.StringVar(&f.augment, "augment", "none", "training augmentation: none, or a comma list of flip, rotate=DEG, shift=PX, pen=PX, noise=SIGMA")
	fs.Float64Var(&f.valSplit, "val-split", d.ValSplit, "fraction of the training data held out for validation")
	fs.Uint64Var(&f.seed, "seed", d.Seed, "random seed: the same seed and settings give the same run, bit for bit")
	fs.IntVar(&f.limit, "limit", 0, "use at most N training samples (0: all)")
	fs.StringVar(&f.config, "config", "", "JSON file with the same keys (weight_decay, val_split…); flags given override it")
}

func runTrain(env Env, args []string) int {
	var f trainFlags
	fs := newFlagSet(env, "train", "[flags]")
	f.register(fs)
	fs.StringVar(&f.out, "out", "", "write the run's record (config.json, metrics.csv, model.safetensors, summary.json) here instead of the run store")
	fs.StringVar(&f.name, "name", "", "the run's name in the run store (default: its architecture, optimizer and learning rate)")
	fs.StringVar(&f.note, "note", "", "a note kept with the run")
	fs.BoolVar(&f.json, "json", false, "print JSON lines on stdout: one per epoch, then a summary")
	rest, status, ok := parse(env, fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		return fail(env, "train", ExitUsage, "unexpected argument %q (train takes only flags)", rest[0])
	}
	cfg, err := trainConfig(fs, f)
	if err != nil {
		return fail(env, "train", ExitUsage, "%v", err)
	}
	if err := cfg.Validate(); err != nil {
		return fail(env, "train", ExitUsage, "%v", err)
	}
	data, err := training.Prepare(cfg)
	if err != nil {
		return fail(env, "train", ExitUsage, "%v", err)
	}
	for _, s := range data.Skipped {
		fmt.Fprintf(env.Stderr, "workbench train: skipped %s\n", escaped(s))
	}
	// The record is started before the run: an unwritable or busy folder
	// is found now, not after the run, and a killed run leaves its
	// finished epochs behind (see package runs).
	dir, id := f.out, ""
	if dir == "" {
		store, err := defaultStore()
		if err != nil {
			return fail(env, "train", ExitFailure, "the run store: %v", err)
		}
		if dir, id, err = store.NewRun(); err != nil {
			return fail(env, "train", ExitFailure, "the run store: %v", err)
		}
	}
	record, err := runs.Create(dir, cfg, data, f.name, f.note)
	switch {
	case err != nil && f.out != "":
		return fail(env, "train", ExitUsage, "--out: %v", err)
	case err != nil:
		return fail(env, "train", ExitFailure, "saving the run in %s: %v", dir, err)
	}
	defer record.Close()

	// Ctrl-C and SIGTERM stop the run as the window's Stop does: the
	// epochs so far are evaluated, reported and saved.
	ctx, stopped, cancel := interruptible()
	defer cancel()
	run, err := training.Start(ctx, cfg, data, training.Checkpoints())
	if err != nil {
		return fail(env, "train", ExitUsage, "%v", err)
	}
	rep := newReporter(env, f.json, cfg, data)
	rep.run, rep.dir = id, dir
	rep.start()
	last, writeErr := runs.Record(record, run, rep.event)
	if writeErr != nil {
		return fail(env, "train", ExitFailure, "writing %s: %v (the run was stopped)", dir, writeErr)
	}

	var model *training.Model
	switch e := last.(type) {
	case *training.DoneEvent:
		model, status = e.Model, ExitOK
		switch {
		case e.Stopped && stopped() == syscall.SIGTERM:
			status = ExitTerminated
		case e.Stopped:
			status = ExitInterrupted
		case e.Warning != "":
			status = ExitDiverged
		}
	case *training.ErrorEvent:
		model, status = e.Model, ExitFailure
		if errors.As(e.Err, new(*training.DivergedError)) {
			status = ExitDiverged
		}
	default: // the engine always ends with one of the above
		return fail(env, "train", ExitFailure, "the run ended without a result (last event %T)", last)
	}
	if err := record.Finish(last); err != nil {
		return fail(env, "train", ExitFailure, "writing %s: %v", dir, err)
	}
	if !f.json && model != nil {
		if id != "" {
			fmt.Fprintf(env.Stdout, "saved as run %s in %s\n", id, escaped(dir))
		} else {
			fmt.Fprintf(env.Stdout, "saved the model and metrics in %s\n", escaped(dir))
		}
	}
	return status
}

// kept says which weights a run's model is, "best" or "last".
func kept(e *training.DoneEvent) string {
	if e.Model != nil && e.Model.Best {
		return "best"
	}
	return "last"
}

// layerGrammarHelp is --layers's grammar for its help text.
const layerGrammarHelp = "dense(WIDTH[,ACT]), conv(FILTERS,KERNEL[,STRIDE[,PAD[,ACT]]]), maxpool(SIZE), avgpool(SIZE), " +
	"batchnorm[(ACT)], dropout(P), flatten, residual(WIDTH), globalavgpool, comma-separated: \"conv(16,3,1,1,relu),maxpool(2),dense(64,relu)\""

// interruptible returns a context that Ctrl-C (SIGINT) and SIGTERM
// cancel, a function saying which of them did (nil if neither), and a
// function that cancels the context and stops listening.
func interruptible() (ctx context.Context, stoppedBy func() os.Signal, cancel func()) {
	ctx, stop := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	var stopped atomic.Value
	go func() {
		select {
		case sig := <-signals:
			stopped.Store(sig)
			stop()
		case <-ctx.Done():
		}
	}()
	stoppedBy = func() os.Signal {
		sig, _ := stopped.Load().(os.Signal)
		return sig
	}
	return ctx, stoppedBy, func() { signal.Stop(signals); stop() }
}

// trainConfig builds the config: defaults, then the --config file, then
// the flags the user gave. The default classes (3, 5, 8) are MNIST's; any
// other dataset defaults to all its classes.
func trainConfig(fs *flag.FlagSet, f trainFlags) (training.Config, error) {
	cfg := training.DefaultConfig()
	classesGiven := false
	if f.config != "" {
		b, err := regular.ReadFile(f.config, training.MaxConfigFile)
		if err != nil {
			return cfg, fmt.Errorf("--config: %w", err)
		}
		keys, err := training.DecodeConfig(b, &cfg)
		if err != nil {
			return cfg, fmt.Errorf("--config %s: %w", f.config, err)
		}
		classesGiven = slices.Contains(keys, "classes")
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	var err error
	if given["dataset"] {
		cfg.Dataset = f.dataset
	}
	if given["classes"] {
		classesGiven = true
		if cfg.Classes, err = training.ParseClasses(f.classes); err != nil {
			return cfg, err
		}
	}
	if !classesGiven && cfg.Dataset != "mnist" {
		cfg.Classes = nil
	}
	if given["arch"] || given["layers"] {
		if given["arch"] && given["layers"] {
			return cfg, errors.New("--arch and --layers both choose the network: give one")
		}
		var layers []nn.LayerSpec
		if given["layers"] {
			if layers, err = nn.ParseLayerList(f.layers); err != nil {
				return cfg, fmt.Errorf("--layers: %w", err)
			}
		} else {
			a, err := nn.Preset(f.arch, 2)
			if err != nil {
				return cfg, fmt.Errorf("--arch: %w", err)
			}
			if !a.IsMLP() {
				layers = a.Layers
			} else if !given["hidden"] {
				cfg.Hidden = training.DefaultConfig().Hidden
			}
		}
		if len(layers) > 0 && (given["hidden"] || given["activation"]) {
			return cfg, errors.New("--hidden and --activation describe a multilayer perceptron: with --arch or --layers, put the layers in --layers")
		}
		cfg.Layers = layers
		if len(layers) > 0 {
			cfg.Hidden = nil
		}
	}
	if given["hidden"] || given["activation"] {
		widths, acts := training.LayerStrings(cfg.Hidden)
		if given["hidden"] {
			widths = f.hidden
		}
		if given["activation"] {
			acts = f.activation
		}
		if cfg.Hidden, err = training.ParseLayers(widths, acts); err != nil {
			return cfg, err
		}
	}
	if given["loss"] {
		l, err := nn.ParseLoss(f.loss)
		if err != nil {
			return cfg, err
		}
		cfg.Loss = l
	}
	if given["optimizer"] {
		k, err := optim.ParseKind(f.optimizer)
		if err != nil {
			return cfg, err
		}
		cfg.Optimizer = k
	}
	if given["schedule"] {
		sch, err := schedule.Parse(f.schedule) // its errors name the schedule
		if err != nil {
			return cfg, fmt.Errorf("--schedule: %w", err)
		}
		cfg.Schedule = sch
	}
	if given["early-stop"] {
		e, err := training.ParseEarlyStop(f.earlyStop)
		if err != nil {
			return cfg, fmt.Errorf("--early-stop: %s", strings.TrimPrefix(err.Error(), "early stop: "))
		}
		cfg.EarlyStop = e
	}
	if given["keep"] {
		k, err := training.ParseKeep(f.keep)
		if err != nil {
			return cfg, fmt.Errorf("--%w", err)
		}
		cfg.Keep = k
	}
	if given["augment"] {
		a, err := imageproc.ParseAugment(f.augment) // its errors name the augmentation
		if err != nil {
			return cfg, err
		}
		cfg.Augment = a
	}
	for name, apply := range map[string]func(){
		"lr":           func() { cfg.LR = f.lr },
		"momentum":     func() { cfg.Momentum = f.momentum },
		"batch":        func() { cfg.Batch = f.batch },
		"epochs":       func() { cfg.Epochs = f.epochs },
		"weight-decay": func() { cfg.WeightDecay = f.weightDecay },
		"val-split":    func() { cfg.ValSplit = f.valSplit },
		"seed":         func() { cfg.Seed = f.seed },
		"limit":        func() { cfg.Limit = f.limit },
	} {
		if given[name] {
			apply()
		}
	}
	return cfg, nil
}

// reporter prints a run's events, as JSON lines or for a person.
type reporter struct {
	env      Env
	json     bool
	run, dir string // the run's ID in the store ("" for --out) and its record's folder
	cfg      training.Config
	data     *training.Data
	lastBar  time.Time
	barShown bool
}

func newReporter(env Env, asJSON bool, cfg training.Config, data *training.Data) *reporter {
	return &reporter{env: env, json: asJSON, cfg: cfg, data: data}
}

func (r *reporter) start() {
	if r.json {
		return
	}
	spec := r.cfg.Spec(len(r.data.Classes))
	acts := "softmax regression"
	switch {
	case !spec.IsMLP():
		acts = nn.LayersString(spec.Layers)
	case len(spec.Hidden) > 0:
		_, acts = training.LayerStrings(spec.Hidden)
	}
	w := r.env.Stdout
	lr := strconv.FormatFloat(r.cfg.LR, 'g', -1, 64)
	if k := r.cfg.Schedule.Kind; k != "" && k != schedule.Constant {
		lr += " (" + r.cfg.Schedule.String() + ")"
	}
	fmt.Fprintf(w, "network   %s (%s), %d parameters, %s loss, %s lr %s, batch %d\n",
		spec, acts, spec.ParamCount(), r.cfg.Loss, r.cfg.Optimizer, lr, r.cfg.Batch)
	fmt.Fprintf(w, "data      %s, classes %s: %d train, %d validation, %d test images\n",
		escaped(r.data.Source), escaped(strings.Join(r.data.Classes, ",")), r.data.Train.Len(), r.data.Val.Len(), r.data.Test.Len())
	fmt.Fprintf(w, "compute   %s\n\n", openblas.Load())
	fmt.Fprintf(w, "%5s  %10s  %9s  %9s  %8s  %9s  %7s\n", "epoch", "train loss", "train acc", "val loss", "val acc", "samples/s", "time")
}

func (r *reporter) event(ev training.Event) {
	switch e := ev.(type) {
	case *training.BatchEvent:
		r.progress(e.Progress, e.Loss)
	case *training.ChangeEvent:
		r.clearBar()
		r.change(e)
	case *training.EpochEvent:
		r.clearBar()
		r.epoch(e)
	case *training.DoneEvent:
		r.clearBar()
		r.done(e)
	case *training.ErrorEvent:
		r.clearBar()
		r.failed(e)
	}
}

// progress redraws the progress bar at most ten times a second, on a
// terminal only.
func (r *reporter) progress(p training.Progress, loss float64) {
	if r.json || !r.env.Interactive || time.Since(r.lastBar) < 100*time.Millisecond {
		return
	}
	r.lastBar = time.Now()
	const width = 30
	filled := int(p.Fraction() * width)
	fmt.Fprintf(r.env.Stderr, "\r[%s%s] %3.0f%%  epoch %d/%d  batch %d/%d  loss %.4f  %s samples/s  ETA %s ",
		strings.Repeat("█", filled), strings.Repeat("·", width-filled), 100*p.Fraction(),
		p.Epoch, p.Epochs, p.Batch, p.Batches, loss, thousands(p.SamplesPerSec), p.ETA.Round(time.Second))
	r.barShown = true
}

func (r *reporter) clearBar() {
	if r.barShown {
		fmt.Fprintf(r.env.Stderr, "\r%s\r", strings.Repeat(" ", 110))
		r.barShown = false
	}
}

func (r *reporter) epoch(e *training.EpochEvent) {
	s := e.Summary
	if r.json {
		r.line(map[string]any{
			"event": "epoch", "epoch": s.Epoch,
			"train_loss": s.TrainLoss, "train_acc": s.TrainAcc,
			"val_loss": orNull(s.Val.Loss, s.Val.N), "val_acc": orNull(s.Val.Accuracy, s.Val.N),
			"samples_per_s": math.Round(s.SamplesPerSec), "elapsed_s": seconds(e.Elapsed),
			"lr": s.LR, "best": s.Best,
		})
		return
	}
	val, valAcc := "—", "—"
	if s.Val.N > 0 {
		val, valAcc = fmt.Sprintf("%.4f", s.Val.Loss), fmt.Sprintf("%.2f%%", 100*s.Val.Accuracy)
	}
	best := ""
	if s.Best {
		best = "  best"
	}
	fmt.Fprintf(r.env.Stdout, "%5d  %10.4f  %8.2f%%  %9s  %8s  %9s  %6.1fs%s\n",
		s.Epoch, s.TrainLoss, 100*s.TrainAcc, val, valAcc, thousands(s.SamplesPerSec), s.Duration.Seconds(), best)
}

// change reports a live change made again from the config's record.
func (r *reporter) change(e *training.ChangeEvent) {
	c := e.Change
	if r.json {
		r.line(map[string]any{"event": "change", "step": c.Step, "epoch": e.Epoch, "setting": c.Setting, "from": c.From, "value": c.Value})
		return
	}
	fmt.Fprintf(r.env.Stdout, "change    %s\n", c)
}

func (r *reporter) done(e *training.DoneEvent) {
	t := e.Test
	if r.json {
		perClass := map[string]any{}
		for i, a := range t.PerClass {
			perClass[r.data.Classes[i]] = orNull(a, 1)
		}
		m := map[string]any{
			"event": "done", "test_loss": t.Loss, "test_acc": t.Accuracy,
			"train_samples": r.data.Train.Len(), "epochs": len(e.History),
			"samples_per_s": math.Round(e.SamplesPerSec), "elapsed_s": seconds(e.Elapsed),
			"confusion": t.Confusion, "classes": r.data.Classes, "per_class_acc": perClass,
			"stopped": e.Stopped, "dir": r.dir,
			"best_epoch": e.BestEpoch, "early_stopped": e.EarlyStopped, "kept": kept(e),
		}
		if r.run != "" {
			m["run"] = r.run
		}
		if e.Warning != "" {
			m["warning"] = e.Warning
		}
		r.line(m)
		return
	}
	w := r.env.Stdout
	if e.Stopped {
		fmt.Fprintf(w, "\nstopped after %d of %d steps\n", e.Step, e.Steps)
	}
	if e.EarlyStopped {
		fmt.Fprintf(w, "\nearly stopped after epoch %d of %d: %s did not improve for %d epochs\n",
			len(e.History), e.Epochs, r.cfg.EarlyStop.Watched(), r.cfg.EarlyStop.Patience)
	}
	switch {
	case e.BestEpoch == 0:
	case kept(e) == "best":
		fmt.Fprintf(w, "\nmodel     the best epoch's weights, epoch %d's (--keep last for the last)\n", e.BestEpoch)
	default:
		fmt.Fprintf(w, "\nmodel     the last weights (the best epoch, %d, is kept as best.safetensors)\n", e.BestEpoch)
	}
	fmt.Fprintf(w, "\ntest      loss %.4f, accuracy %.2f%% on %d images (%s samples/s, %.1fs)\n",
		t.Loss, 100*t.Accuracy, t.N, thousands(e.SamplesPerSec), e.Elapsed.Seconds())
	fmt.Fprint(w, "per class")
	for i, a := range t.PerClass {
		fmt.Fprintf(w, "  %s %.1f%%", escaped(r.data.Classes[i]), 100*a)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "\nconfusion (rows: true class, columns: predicted)")
	width := 6
	for _, c := range r.data.Classes {
		width = max(width, len(escaped(c))+1)
	}
	fmt.Fprintf(w, "%*s", width, "")
	for _, c := range r.data.Classes {
		fmt.Fprintf(w, "%*s", width, escaped(c))
	}
	fmt.Fprintln(w)
	for i, row := range t.Confusion {
		fmt.Fprintf(w, "%*s", width, escaped(r.data.Classes[i]))
		for _, n := range row {
			fmt.Fprintf(w, "%*d", width, n)
		}
		fmt.Fprintln(w)
	}
	if e.Warning != "" {
		fmt.Fprintf(w, "\nwarning   %s\n", e.Warning)
	}
}

func (r *reporter) failed(e *training.ErrorEvent) {
	if r.json {
		m := map[string]any{"event": "error", "message": e.Err.Error(), "epoch": e.Epoch, "step": e.Step}
		r.line(m)
	}
	fmt.Fprintf(r.env.Stderr, "workbench train: %s\n", escaped(e.Err.Error()))
}

func (r *reporter) line(v map[string]any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"event": "error", "message": err.Error()})
	}
	r.env.Stdout.Write(append(b, '\n'))
}

// orNull is v, or nil (JSON null) when n is 0 or v is not finite.
func orNull(v float64, n int) any {
	if n == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

// thousands formats a rate with thousands separators: 45,123.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func activationNames() string {
	names := make([]string, len(nn.Activations))
	for i, a := range nn.Activations {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

func optimizerNames() string {
	names := make([]string, len(optim.Kinds))
	for i, k := range optim.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
