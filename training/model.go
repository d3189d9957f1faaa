package training

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/neuralworkbench/workbench/training/regular"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/safetensors"
)

// Model is a trained classifier: the network, the names of its classes and
// the normalisation its inputs need. It is safe for concurrent use.
type Model struct {
	Net *nn.Model
	// Init holds the weights the network started training from, when
	// known (a run's model, or a saved one with init.safetensors); the
	// loss landscape's interpolation runs from them to Net's. Nothing
	// changes it after the run.
	Init    *nn.Model
	Classes []string
	Stats   imageproc.Stats
	// Config is the experiment that trained the model.
	Config Config
	// Source is the dataset it was trained on.
	Source string
	// Epoch is the number of epochs the weights were trained for, when
	// known (0 otherwise), and Best says they are the run's best epoch's
	// rather than its last.
	Epoch int
	Best  bool

	mu    sync.Mutex // guards infer
	infer *nn.Net    // a batch-1 inference network, built on first use
}

// Files a saved model consists of.
const (
	WeightsFile = "model.safetensors"
	InitFile    = "init.safetensors"
	ConfigFile  = "config.json"
	// BestFile holds a run's best epoch's weights (WeightsFile the last).
	BestFile = "best.safetensors"
)

// Predict returns the class probabilities for one 28×28 frame (ink
// bright), as produced by imageproc.Preprocess.
func (m *Model) Predict(frame []uint8) ([]float64, error) {
	if len(frame) != imageproc.Pixels {
		return nil, fmt.Errorf("frame has %d pixels, want %d", len(frame), imageproc.Pixels)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.infer == nil {
		net, err := m.Net.Compile(nn.Infer, 1, nn.CrossEntropy)
		if err != nil {
			return nil, err
		}
		m.infer = net
	}
	m.Stats.Normalize(m.infer.X, frame)
	if err := m.infer.Run(); err != nil {
		return nil, err
	}
	probs := make([]float64, len(m.Classes))
	for i, p := range m.infer.Probs() {
		if math.IsNaN(float64(p)) || math.IsInf(float64(p), 0) {
			return nil, ErrNotFinite
		}
		probs[i] = float64(p)
	}
	return probs, nil
}

// ErrNotFinite is the error of a model whose outputs overflow: weights
// finite but so large that the probabilities are not numbers.
var ErrNotFinite = errors.New("the model's probabilities for this image are not numbers (its weights overflow)")

// Prediction is the classification of one image with every preprocessing
// stage, for display.
type Prediction struct {
	Stages *imageproc.Stages
	Probs  []float64
	// Class is the index of the most probable class.
	Class int
}

// Classify preprocesses an image and predicts its class.
func (m *Model) Classify(stages *imageproc.Stages) (*Prediction, error) {
	probs, err := m.Predict(stages.Frame.Pix)
	if err != nil {
		return nil, err
	}
	best := 0
	for i, p := range probs {
		if p > probs[best] {
			best = i
		}
	}
	return &Prediction{Stages: stages, Probs: probs, Class: best}, nil
}

// metadata keys in the safetensors header.
const (
	metaFormat = "format"
	metaApp    = "neural_workbench"
	metaSpec   = "architecture"
	metaClass  = "classes"
	metaMean   = "normalize_mean"
	metaStd    = "normalize_std"
	metaEpoch  = "epoch"   // the epochs the weights were trained for, when known
	metaBest   = "weights" // "best" for a run's best epoch's weights
)

// Save writes the model into dir (created if needed): the weights as
// model.safetensors, with the architecture, class names and normalisation
// in its metadata so that the file stands alone, and the experiment's
// configuration as config.json beside it.
func (m *Model) Save(dir string) error {
	if err := m.saveWeights(dir, WeightsFile, true); err != nil {
		return err
	}
	return m.SaveConfig(dir)
}

// SaveConfig writes the experiment's configuration as config.json in dir:
// a run's record rewrites it when the run's live changes grow.
func (m *Model) SaveConfig(dir string) error {
	cfg, err := json.MarshalIndent(m.Config, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, ConfigFile), append(cfg, '\n'))
}

// SaveTrained writes model.safetensors alone: for a run's record, whose
// initial weights do not change after its first checkpoint.
func (m *Model) SaveTrained(dir string) error {
	return m.saveWeights(dir, WeightsFile, false)
}

// SaveBest writes the weights as a run's best epoch's, best.safetensors.
func (m *Model) SaveBest(dir string) error {
	return m.saveWeights(dir, BestFile, false)
}

func (m *Model) saveWeights(dir, file string, withInit bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	spec, err := json.Marshal(m.Net.Spec)
	if err != nil {
		return err
	}
	classes, err := json.Marshal(m.Classes)
	if err != nil {
		return err
	}
	meta := map[string]string{
		metaFormat: "pt",
		metaApp:    "1",
		metaSpec:   string(spec),
		metaClass:  string(classes),
		metaMean:   strconv.FormatFloat(m.Stats.Mean, 'g', -1, 64),
		metaStd:    strconv.FormatFloat(m.Stats.Std, 'g', -1, 64),
	}
	if withInit && m.Init != nil {
		if err := writeWeights(filepath.Join(dir, InitFile), m.Init, meta); err != nil {
			return err
		}
	}
	if m.Epoch > 0 {
		meta[metaEpoch] = strconv.Itoa(m.Epoch)
	}
	if file == BestFile {
		meta[metaBest] = "best"
	}
	return writeWeights(filepath.Join(dir, file), m.Net, meta)
}

// writeWeights writes a network's tensors as a safetensors file with the
// given metadata.
func writeWeights(path string, net *nn.Model, meta map[string]string) error {
	tensors := make([]safetensors.Tensor, 0, len(net.Params)+len(net.Buffers))
	for _, p := range append(append([]nn.Param(nil), net.Params...), net.Buffers...) {
		tensors = append(tensors, safetensors.Tensor{Name: p.Name, Shape: p.Shape, Data: p.Data})
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, meta); err != nil {
		return err
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// WriteFileAtomic replaces path with data atomically: the data is written
// to a temporary file beside it (named "."+name+".*"), synced, given the
// permissions os.WriteFile gives (0644 before the umask), and renamed over
// path, so that a crash never leaves half a file behind.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	// CreateTemp makes files 0600; a record's files are all alike.
	if err := tmp.Chmod(os.FileMode(0o644 &^ umask)); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// chooseModel says where saved models come from.
const chooseModel = "choose the folder written by Save model… or `workbench train --out`"

// LoadModel reads a model saved by Save, or a run's record. path is the
// model's directory or one of its .safetensors files; config.json is read
// when present beside it, and so is init.safetensors, the initial
// weights. In a run's record, which keeps the best epoch's weights
// (best.safetensors) as well as the last (model.safetensors), the
// directory gives the ones its config keeps: the best unless it says
// "keep": "last". A path that does not exist, or a folder without
// model.safetensors, gives an error that says so and where models come
// from.
func LoadModel(path string) (*Model, error) {
	return loadModel(path, "")
}

// LoadModelKeeping reads a run's record as LoadModel does, choosing its
// best or last weights (the last when it has no best).
func LoadModelKeeping(dir string, keep Keep) (*Model, error) {
	if keep == "" {
		keep = KeepBest
	}
	return loadModel(dir, keep)
}

func loadModel(path string, keep Keep) (*Model, error) {
	weights := path
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s does not exist: %s", path, chooseModel)
	case err != nil:
		return nil, fmt.Errorf("model %s: %w", path, pathless(err))
	case st.IsDir():
		weights = filepath.Join(path, WeightsFile)
		if _, err := os.Stat(weights); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s has no %s: %s", path, WeightsFile, chooseModel)
		}
	}
	dir := filepath.Dir(weights)
	// The config is read over the defaults with the network's layers, so
	// that a config without them keeps the weights' own.
	cfgPath := filepath.Join(dir, ConfigFile)
	cfgJSON, err := regular.ReadFile(cfgPath, MaxConfigFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("model %s: %w", cfgPath, pathless(err))
	}
	cfg := DefaultConfig()
	if cfgJSON != nil {
		if _, err := DecodeConfig(cfgJSON, &cfg); err != nil {
			return nil, fmt.Errorf("model %s: %s: %w", path, ConfigFile, err)
		}
	}
	if keep == "" {
		keep = cfg.Keep
	}
	if st.IsDir() && keep != KeepLast {
		if best := filepath.Join(dir, BestFile); regularFile(best) {
			weights = best
		}
	}
	m, err := readWeights(weights)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", weights, pathless(err))
	}
	if base := filepath.Base(weights); base == WeightsFile || base == BestFile {
		initPath := filepath.Join(dir, InitFile)
		init, err := readWeights(initPath)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("model %s: %w", initPath, pathless(err))
		case init.Net.Spec.String() != m.Net.Spec.String() || fmt.Sprint(init.Net.Spec) != fmt.Sprint(m.Net.Spec):
			return nil, fmt.Errorf("model %s: the initial weights are of a %s network, the model a %s one", initPath, init.Net.Spec, m.Net.Spec)
		default:
			m.Init = init.Net
		}
	}
	m.Config = DefaultConfig()
	m.Config.Hidden = m.Net.Spec.Hidden
	if cfgJSON != nil {
		if _, err := DecodeConfig(cfgJSON, &m.Config); err != nil {
			return nil, fmt.Errorf("model %s: %s: %w", path, ConfigFile, err)
		}
	}
	m.Source = m.Config.Dataset
	return m, nil
}

// regularFile reports whether path is a regular file.
func regularFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// pathless drops the path from a file system error, for messages that
// name the file already: "model DIR/model.safetensors: permission denied"
// rather than "... open DIR/model.safetensors: permission denied".
func pathless(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// TestSplit returns the test set of the data the model was trained on:
// its dataset and seed (as its config records them), loaded with every
// class by open, then restricted to the model's classes. It is the set
// whose loss the run reported.
func (m *Model) TestSplit(open func(spec string, seed uint64) (*dataset.Dataset, error)) (*dataset.Split, error) {
	all, err := open(m.Config.Dataset, m.Config.Seed)
	if err != nil {
		return nil, err
	}
	ds, err := all.Select(m.Classes)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(ds.Classes, m.Classes) {
		return nil, fmt.Errorf("%s has the classes %s, the model %s", ds.Source, strings.Join(ds.Classes, ","), strings.Join(m.Classes, ","))
	}
	return ds.Test, nil
}

// OpenAll opens a data source with every class, for TestSplit.
func OpenAll(spec string, seed uint64) (*dataset.Dataset, error) {
	return dataset.Open(spec, nil, seed)
}

// readWeights reads one safetensors file written by Save.
func readWeights(path string) (*Model, error) {
	f, err := regular.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	tensors, meta, err := safetensors.Read(f, st.Size())
	if err != nil {
		return nil, err
	}
	return modelFromTensors(tensors, meta)
}

func modelFromTensors(tensors []safetensors.Tensor, meta map[string]string) (*Model, error) {
	if meta[metaSpec] == "" || meta[metaClass] == "" {
		return nil, errors.New("not a Neural Workbench model: the file has no architecture or class names in its metadata")
	}
	m := &Model{Net: &nn.Model{}}
	if err := json.Unmarshal([]byte(meta[metaSpec]), &m.Net.Spec); err != nil {
		return nil, fmt.Errorf("architecture metadata: %w", err)
	}
	if err := m.Net.Spec.Validate(); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(meta[metaClass]), &m.Classes); err != nil {
		return nil, fmt.Errorf("classes metadata: %w", err)
	}
	if m.Net.Spec.Inputs != imageproc.Pixels {
		return nil, fmt.Errorf("the network takes %d inputs; Neural Workbench's images have %d", m.Net.Spec.Inputs, imageproc.Pixels)
	}
	if len(m.Classes) != m.Net.Spec.Classes {
		return nil, fmt.Errorf("%d class names for %d outputs", len(m.Classes), m.Net.Spec.Classes)
	}
	seen := make(map[string]bool, len(m.Classes))
	for _, c := range m.Classes {
		if seen[c] {
			return nil, fmt.Errorf("class %q is named twice: class names must be unique", c)
		}
		seen[c] = true
	}
	var err error
	if m.Stats.Mean, err = strconv.ParseFloat(meta[metaMean], 64); err != nil || math.IsNaN(m.Stats.Mean) || math.IsInf(m.Stats.Mean, 0) {
		return nil, fmt.Errorf("normalisation mean must be a finite number (got %q)", meta[metaMean])
	}
	if m.Stats.Std, err = strconv.ParseFloat(meta[metaStd], 64); err != nil || !(m.Stats.Std > 0) || math.IsInf(m.Stats.Std, 0) {
		return nil, fmt.Errorf("normalisation std must be a finite number > 0 (got %q)", meta[metaStd])
	}
	// The architecture's tensors are checked against the file's, which
	// its size bounds, before anything the architecture's size is built:
	// metadata claiming a huge network in a small file is refused here.
	byName := map[string]safetensors.Tensor{}
	for _, t := range tensors {
		byName[t.Name] = t
	}
	params := m.Net.Spec.Shapes()
	for i, p := range append(params, m.Net.Spec.BufferShapes()...) {
		t, ok := byName[p.Name]
		if !ok {
			return nil, fmt.Errorf("tensor %s, which the %s architecture needs, is missing", p.Name, m.Net.Spec)
		}
		if !slices.Equal(t.Shape, p.Shape) {
			return nil, fmt.Errorf("tensor %s has shape %v, the %s architecture needs %v", p.Name, t.Shape, m.Net.Spec, p.Shape)
		}
		for i, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("tensor %s holds %v at element %d: a model's weights must be finite", p.Name, v, i)
			}
		}
		if i < len(params) {
			m.Net.Params = append(m.Net.Params, nn.Param{Name: p.Name, Shape: p.Shape, Data: t.Data})
		} else {
			m.Net.Buffers = append(m.Net.Buffers, nn.Param{Name: p.Name, Shape: p.Shape, Data: t.Data})
		}
		delete(byName, p.Name)
	}
	if e, err := strconv.Atoi(meta[metaEpoch]); err == nil && e > 0 {
		m.Epoch = e
	}
	m.Best = meta[metaBest] == "best"
	for name := range byName {
		return nil, fmt.Errorf("unexpected tensor %s", name)
	}
	return m, nil
}
