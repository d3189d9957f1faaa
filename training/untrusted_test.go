package training

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/safetensors"
)

// forgedModel writes a model file whose metadata claims spec, classes and
// the normalisation mean and std, holding the tensors of net (which may
// not match), and returns its path.
func forgedModel(t testing.TB, spec nn.Spec, classes []string, mean, std string, net *nn.Model) string {
	t.Helper()
	specJSON, _ := json.Marshal(spec)
	classJSON, _ := json.Marshal(classes)
	meta := map[string]string{metaFormat: "pt", metaApp: "1", metaSpec: string(specJSON), metaClass: string(classJSON), metaMean: mean, metaStd: std}
	var tensors []safetensors.Tensor
	for _, p := range net.Params {
		tensors = append(tensors, safetensors.Tensor{Name: p.Name, Shape: p.Shape, Data: p.Data})
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, meta); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), WeightsFile)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestLoadModelRefusesForgedModels(t *testing.T) {
	small := nn.Spec{Inputs: 784, Hidden: []nn.Layer{{Width: 4, Activation: nn.ReLU}}, Classes: 3}
	net, err := nn.New(small, 1)
	if err != nil {
		t.Fatal(err)
	}
	three := []string{"3", "5", "8"}
	huge := nn.Spec{Inputs: 784, Classes: 3}
	for range nn.MaxLayers {
		huge.Hidden = append(huge.Hidden, nn.Layer{Width: nn.MaxWidth, Activation: nn.ReLU})
	}
	manyClasses := nn.Spec{Inputs: 784, Hidden: small.Hidden, Classes: 1_000_000}
	names := make([]string, manyClasses.Classes)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	nan := net.Clone()
	nan.Params[2].Data[5] = float32(math.NaN())
	inf := net.Clone()
	inf.Params[1].Data[0] = float32(math.Inf(-1))

	tests := []struct {
		name, path, want string
	}{
		{"32 layers of 8,192 claimed by a small file", forgedModel(t, huge, three, "0.1", "0.3", net),
			"tensor layers.0.weight has shape [4 784], the 784-8192-"},
		{"a million classes claimed", forgedModel(t, manyClasses, names, "0.1", "0.3", net),
			"a classifier needs between 2 and 10000 classes (got 1000000)"},
		{"a NaN weight", forgedModel(t, small, three, "0.1", "0.3", nan), "tensor layers.1.weight holds NaN at element 5: a model's weights must be finite"},
		{"an infinite bias", forgedModel(t, small, three, "0.1", "0.3", inf), "tensor layers.0.bias holds -Inf at element 0"},
		{"a NaN mean", forgedModel(t, small, three, "NaN", "0.3", net), `normalisation mean must be a finite number (got "NaN")`},
		{"an infinite std", forgedModel(t, small, three, "0.1", "+Inf", net), `normalisation std must be a finite number > 0 (got "+Inf")`},
		{"a zero std", forgedModel(t, small, three, "0.1", "0", net), `normalisation std must be a finite number > 0 (got "0")`},
		{"a class named twice", forgedModel(t, small, []string{"3", "5", "3"}, "0.1", "0.3", net), `class "3" is named twice`},
	}
	for _, tt := range tests {
		var err error
		bytes := allocated(func() { _, err = LoadModel(tt.path) })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: LoadModel = %v, want an error containing %q", tt.name, err, tt.want)
		}
		// Memory follows the file, not its claims: the files are under
		// 100 KB but for the million class names (13 MB).
		if bytes > 64<<20 {
			t.Errorf("%s: LoadModel allocated %d MB", tt.name, bytes>>20)
		}
	}
}

func TestDecodeConfig(t *testing.T) {
	huge := `{"lr": 1` + strings.Repeat("0", 1<<20-20) + `}`
	tests := []struct {
		name, file, want string // want: "" for success, else the error
		keys             []string
	}{
		{"two keys", `{"lr": 0.01, "epochs": 3}`, "", []string{"lr", "epochs"}},
		{"a byte order mark", "\uFEFF" + `{"lr": 0.01}`, "", []string{"lr"}},
		{"a key twice", `{"lr": 0.01, "lr": 50}`, `key "lr" is given twice; each setting may appear once`, nil},
		{"null", `{"lr": null}`, "lr is null; leave the key out to keep its default", nil},
		{"null in a list", `{"hidden": [128, null]}`, "hidden[1] is null; leave the key out to keep its default", nil},
		{"the file null", `null`, "a config file holds one JSON object of settings, like {\"lr\": 0.01}; this one starts with <nil>", nil},
		{"a list", `[1, 2]`, "a config file holds one JSON object of settings, like {\"lr\": 0.01}; this one starts with [", nil},
		{"two objects", `{"lr": 0.01} {"lr": 5}`, "a config file holds one JSON object; there is more after it", nil},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		keys, err := DecodeConfig([]byte(tt.file), &cfg)
		switch {
		case tt.want == "" && (err != nil || !slices.Equal(keys, tt.keys) || cfg.LR != 0.01):
			t.Errorf("%s: DecodeConfig = %v, %v (lr %g), want keys %v and lr 0.01", tt.name, keys, err, cfg.LR, tt.keys)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("%s: DecodeConfig = %v, want %q", tt.name, err, tt.want)
		}
	}
	// A megabyte-long number gives a short message.
	cfg := DefaultConfig()
	if _, err := DecodeConfig([]byte(huge), &cfg); err == nil || len(err.Error()) > 210 {
		t.Errorf("DecodeConfig(a 1 MB number) = an error of %d bytes, want at most 210", len(fmt.Sprint(err)))
	}
}

// FuzzReadModel feeds arbitrary bytes to the model reader (safetensors,
// then the architecture and metadata checks): it must never panic, and a
// model it accepts must hold finite weights of its architecture's shapes
// (predicting with it is tested with real models). Run it with
//
//	go test -run '^$' -fuzz FuzzReadModel -fuzztime 60s ./training/
func FuzzReadModel(f *testing.F) {
	small := nn.Spec{Inputs: 784, Hidden: []nn.Layer{{Width: 3, Activation: nn.ReLU}}, Classes: 2}
	net, err := nn.New(small, 1)
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range []string{
		forgedModel(f, small, []string{"a", "b"}, "0.1", "0.3", net),
		forgedModel(f, small, []string{"a", "a"}, "0.1", "0.3", net),
		forgedModel(f, nn.Spec{Inputs: 784, Classes: 2}, []string{"a", "b"}, "0.1", "NaN", net),
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("not a model"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tensors, meta, err := safetensors.Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		m, err := modelFromTensors(tensors, meta)
		if err != nil {
			return
		}
		if len(m.Classes) != m.Net.Spec.Classes {
			t.Fatalf("accepted %d class names for %d outputs", len(m.Classes), m.Net.Spec.Classes)
		}
		for _, p := range m.Net.Params {
			for _, v := range p.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("accepted a model with %v in %s", v, p.Name)
				}
			}
		}
		if len(m.Net.Params) != len(m.Net.Spec.Shapes()) {
			t.Fatalf("accepted %d tensors for the %s architecture", len(m.Net.Params), m.Net.Spec)
		}
	})
}

// FuzzDecodeConfig feeds arbitrary bytes to the config reader: it must
// never panic, and its errors are one short line.
func FuzzDecodeConfig(f *testing.F) {
	for _, s := range []string{`{"lr": 0.01, "hidden": [128, 64], "activation": "relu"}`, `{"lr": 0.01, "lr": 1}`,
		`{"classes": "3,5,8", "augment": "rotate=10,pen=0.5"}`, "\uFEFF{}", `null`, `{"hidden": [null]}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := DefaultConfig()
		if _, err := DecodeConfig(data, &cfg); err != nil && len(err.Error()) > 210 {
			t.Fatalf("an error of %d bytes", len(err.Error()))
		}
	})
}
