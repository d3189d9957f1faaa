package export

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
)

// python is the interpreter with PyTorch: Debian's python3-torch, which
// make test installs.
const python = "/usr/bin/python3"

// requireTorch skips a test when PyTorch cannot be imported, saying why;
// make test installs it, so there the tests run.
func requireTorch(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(python, "-c", "import torch").CombinedOutput(); err != nil {
		t.Skipf("%s cannot import torch (install python3-torch; make test does): %v: %s", python, err, out)
	}
}

var (
	dataOnce sync.Once
	data     *training.Data
	dataErr  error
)

func smallData(t *testing.T) *training.Data {
	t.Helper()
	dataOnce.Do(func() {
		cfg := training.DefaultConfig()
		cfg.Limit = 2000
		data, dataErr = training.Prepare(cfg)
	})
	if dataErr != nil {
		t.Fatal(dataErr)
	}
	return data
}

// train runs cfg on data to its end and returns its DoneEvent.
func train(t *testing.T, cfg training.Config, data *training.Data) *training.DoneEvent {
	t.Helper()
	run, err := training.Start(context.Background(), cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	var done *training.DoneEvent
	for ev := range run.Events() {
		if d, ok := ev.(*training.DoneEvent); ok {
			done = d
		}
	}
	run.Wait()
	if done == nil {
		t.Fatal("the run ended without a result")
	}
	return done
}

// evalScript loads an export with its own load_model and scores the test
// images (raw pixels, normalised by the export's MEAN and STD) as the
// workbench does: accuracy, and the mean cross-entropy in float64.
const evalScript = `
import json, sys
import numpy as np
import torch
import torch.nn.functional as F
sys.path.insert(0, sys.argv[1])
import model
net = model.load_model(sys.argv[1])
pixels = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(-1, 784)
labels = torch.tensor(np.fromfile(sys.argv[3], dtype=np.int32).astype(np.int64))
x = torch.tensor((pixels / 255.0 - model.MEAN) / model.STD, dtype=torch.float32)
with torch.no_grad():
    logits = net(x)
loss = F.cross_entropy(logits.double(), labels).item()
acc = (logits.argmax(1) == labels).double().mean().item()
print(json.dumps({"loss": loss, "acc": acc, "training": net.training}))
`

// TestExportMatchesTheRun trains a multilayer perceptron, LeNet-5 and a
// residual network (batch normalisation's running statistics and a
// projection shortcut), exports each, and checks in PyTorch that the
// export's test accuracy and loss are the run's.
func TestExportMatchesTheRun(t *testing.T) {
	requireTorch(t)
	data := smallData(t)
	dir := t.TempDir()
	pixels, labels := filepath.Join(dir, "pixels"), filepath.Join(dir, "labels")
	var raw []byte
	var ys []byte
	for i := 0; i < data.Test.Len(); i++ {
		raw = append(raw, data.Test.Image(i)...)
		l := data.Test.Labels[i]
		ys = append(ys, byte(l), byte(l>>8), byte(l>>16), byte(l>>24))
	}
	if err := os.WriteFile(pixels, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(labels, ys, 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "eval.py")
	if err := os.WriteFile(script, []byte(evalScript), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"mlp", "lenet", "resnet:1:4"} {
		t.Run(arch, func(t *testing.T) {
			cfg := training.DefaultConfig()
			if a, _ := nn.Preset(arch, 3); !a.IsMLP() {
				cfg.Hidden, cfg.Layers = nil, a.Layers
			}
			cfg.Epochs = 1
			done := train(t, cfg, data)
			out := filepath.Join(dir, arch)
			if err := PyTorch(done.Model, out); err != nil {
				t.Fatal(err)
			}
			res, err := exec.Command(python, script, out, pixels, labels).CombinedOutput()
			if err != nil {
				t.Fatalf("PyTorch on the export: %v\n%s", err, res)
			}
			var got struct {
				Loss, Acc float64
				Training  bool
			}
			if err := json.Unmarshal(res, &got); err != nil {
				t.Fatalf("%v: %s", err, res)
			}
			if got.Training {
				t.Error("load_model returned the network in training mode")
			}
			if got.Acc != done.Test.Accuracy {
				t.Errorf("PyTorch scores the export %.6f, the run %.6f", got.Acc, done.Test.Accuracy)
			}
			if d := got.Loss - done.Test.Loss; d > 1e-5*done.Test.Loss || -d > 1e-5*done.Test.Loss {
				t.Errorf("PyTorch's test loss %.8g, the run's %.8g", got.Loss, done.Test.Loss)
			}
		})
	}
}

// TestTrainPyDistributed exports a trained network and continues training
// it for an epoch under torchrun with two processes on the CPU
// (DistributedDataParallel over gloo): it starts from the run's test loss
// and lowers it, and writes a model load_model reads.
func TestTrainPyDistributed(t *testing.T) {
	requireTorch(t)
	torchrun, err := exec.LookPath("torchrun")
	if err != nil {
		t.Skipf("no torchrun on PATH (python3-torch provides it): %v", err)
	}
	data := smallData(t)
	cfg := training.DefaultConfig()
	cfg.Epochs = 1
	done := train(t, cfg, data)
	dir := t.TempDir()
	if err := PyTorch(done.Model, dir); err != nil {
		t.Fatal(err)
	}
	mnist, err := filepath.Abs(filepath.Join("..", "..", "assets", "mnist"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "trained")
	cmd := exec.Command(torchrun, "--redirects", "2", "--tee", "2", "--nproc_per_node=2",
		filepath.Join(dir, TrainFile), "--data", "idx:"+mnist, "--epochs", "1", "--out", out, "--cpu")
	stdout, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("torchrun: %v\n%s\n%s", err, stdout, msg)
	}
	lines := jsonLines(t, stdout)
	if len(lines) != 2 || lines[0]["processes"] != 2 {
		t.Fatalf("train.py printed %v, want the start and one epoch from 2 processes", lines)
	}
	start, end := lines[0]["test_loss"], lines[1]["test_loss"]
	// The export starts where the run ended (the full test set here:
	// every class 3, 5 and 8 image of MNIST's, as the run's was).
	if math.Abs(start-done.Test.Loss) > 1e-5*done.Test.Loss {
		t.Errorf("train.py starts at test loss %.7g, the run ended at %.7g", start, done.Test.Loss)
	}
	if !(end < start) || lines[1]["train_loss"] <= 0 {
		t.Errorf("an epoch under torchrun took the test loss from %.5g to %.5g (train loss %g)", start, end, lines[1]["train_loss"])
	}
	for _, f := range []string{"model.safetensors", "model.py"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}
