// Package export carries a trained model out to PyTorch: its weights as
// safetensors under PyTorch's names, and a model.py that rebuilds exactly
// the network, loads them, and knows the input normalisation, for a user
// whose experiment has outgrown the desktop.
package export

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
)

// Files an export writes.
const (
	WeightsFile = "model.safetensors"
	ModelFile   = "model.py"
	ReadmeFile  = "README.md"
)

// PyTorch writes m into dir (created if needed): model.safetensors (every
// tensor under its PyTorch name, batch normalisation's running statistics
// included), model.py (a torch.nn.Module rebuilding the network, with
// load_model(directory) returning it in evaluation mode and the
// normalisation constants MEAN and STD), train.py (see TrainPy) and a
// README with the commands.
func PyTorch(m *training.Model, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	src, err := ModelPy(m)
	if err != nil {
		return err
	}
	if err := m.SaveTrained(dir); err != nil {
		return err
	}
	if err := training.WriteFileAtomic(filepath.Join(dir, ModelFile), []byte(src)); err != nil {
		return err
	}
	train, err := TrainPy(m)
	if err != nil {
		return err
	}
	if err := training.WriteFileAtomic(filepath.Join(dir, TrainFile), []byte(train)); err != nil {
		return err
	}
	return training.WriteFileAtomic(filepath.Join(dir, ReadmeFile), []byte(readme(m)))
}

// ModelPy is model.py for m: the network's layers as PyTorch modules
// whose state dict has the workbench's tensor names.
func ModelPy(m *training.Model) (string, error) {
	spec := m.Net.Spec
	a := spec.Arch()
	shapes, err := a.Shapes()
	if err != nil {
		return "", err
	}
	var layers []string
	in := a.Input
	for i, l := range a.Layers {
		out := shapes[i]
		var code string
		switch l.Kind {
		case nn.Dense:
			code = fmt.Sprintf("Dense(%d, %d, %q)", in.Size(), l.Width, l.Activation)
		case nn.Conv:
			code = fmt.Sprintf("Conv(%d, %d, %d, %d, %d, %q)", in.C, l.Width, l.Kernel, l.Stride, l.Pad, l.Activation)
		case nn.MaxPool:
			code = fmt.Sprintf("nn.MaxPool2d(%d)", l.Size)
		case nn.AvgPool:
			code = fmt.Sprintf("nn.AvgPool2d(%d)", l.Size)
		case nn.BatchNorm:
			code = fmt.Sprintf("Norm(%d, %q)", in.C, orLinear(l.Activation))
		case nn.Dropout:
			code = fmt.Sprintf("nn.Dropout(%s)", strconv.FormatFloat(l.P, 'g', -1, 64))
		case nn.Flatten:
			code = "nn.Flatten()"
		case nn.Residual:
			code = fmt.Sprintf("Block(%d, %d)", in.C, l.Width)
		case nn.GlobalAvgPool:
			code = "GlobalAvgPool()"
		default:
			return "", fmt.Errorf("layer %d: no PyTorch module for %q", i+1, l.Kind)
		}
		layers = append(layers, code)
		in = out
	}
	layers = append(layers, fmt.Sprintf("Dense(%d, %d, \"linear\")", in.Size(), a.Classes))
	var b bytes.Buffer
	err = modelTemplate.Execute(&b, map[string]any{
		"Arch":    spec.String(),
		"Layers":  layers,
		"Mean":    strconv.FormatFloat(m.Stats.Mean, 'g', -1, 64),
		"Std":     strconv.FormatFloat(m.Stats.Std, 'g', -1, 64),
		"Classes": pyStrings(m.Classes),
		"Image":   !spec.IsMLP(),
	})
	return b.String(), err
}

func orLinear(a nn.Activation) nn.Activation {
	if a == "" {
		return nn.Linear
	}
	return a
}

// pyStrings writes a list of Python string literals.
func pyStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s) // Go's quoting is valid Python for these
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func readme(m *training.Model) string {
	return fmt.Sprintf(`# %s, exported from Neural Workbench

Classes: %s. Inputs are batches of 28×28 grayscale images, ink bright, as
N×1×28×28 (or N×784) floats (pixel/255 − MEAN)/STD with MEAN = %g and
STD = %g (model.py has them).

    import model
    net = model.load_model(".")          # evaluation mode
    probs = net(x).softmax(1)

model.safetensors holds every tensor under the name the module's
state_dict uses.

To go on training with the run's loss, optimizer, hyperparameters and
augmentation (pen-width augmentation excepted), on CPU or GPU, in one
process or several:

    python3 train.py --data idx:MNIST_DIR --epochs 3 --out trained
    torchrun --nproc_per_node=2 train.py --data idx:MNIST_DIR --epochs 3 --out trained

(With Debian 12's torch 1.13 and Python 3.11, torchrun needs
--redirects 2 --tee 2 before --nproc_per_node, or it fails in to_map.)
--data is a folder of MNIST-format IDX files or folder:DIR, an image folder
as the workbench reads it (one subfolder of images per class, or train
and test folders of them; needs Pillow, Debian's python3-pil), with the
workbench's test split. Images that already are 28×28 frames, light ink
on black (MNIST's digits, frames the workbench saved), are read exactly
as the workbench reads them. Other images are made grayscale as the
workbench does, inverted by its rule when the ink is dark, cropped to
the ink, scaled with bicubic (Catmull-Rom) into 20×20 and centred by
centre of mass, but without its photo steps (evening out the light,
choosing a colour channel, removing ruled lines and specks, thickening
fine strokes), so for photos and scans the frames differ, and even clean
digits that need framing differ by a few levels a pixel (about 6 of 255
for MNIST digits scaled up, dark on white); JPEG and WebP decoders can
also differ by a level here and there. To train on exactly the
workbench's frames, give train.py folders of 28×28 frames. It prints a JSON line an epoch (epoch, train_loss,
test_loss, test_acc) and writes the trained model.safetensors and model.py
into --out.
`, m.Net.Spec, strings.Join(m.Classes, ", "), m.Stats.Mean, m.Stats.Std)
}

var modelTemplate = template.Must(template.New("model.py").Parse(`"""{{.Arch}}, exported from Neural Workbench.

load_model(directory) returns the network with its trained weights, in
evaluation mode. Its inputs are batches of 28x28 grayscale images, ink
bright, as N x 1 x 28 x 28 (or N x 784) floats (pixel / 255 - MEAN) / STD;
its outputs are the logits of CLASSES (softmax gives the probabilities).
"""
import json
import os
import struct

import torch
import torch.nn.functional as F
from torch import nn

MEAN = {{.Mean}}
STD = {{.Std}}
CLASSES = {{.Classes}}

_ACTIVATIONS = {
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01),
    "elu": F.elu,
    "gelu": F.gelu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "linear": lambda x: x,
}


class Dense(nn.Linear):
    """A linear layer on its input flattened, then its activation."""

    def __init__(self, inputs, outputs, activation):
        super().__init__(inputs, outputs)
        self.activation = activation

    def forward(self, x):
        return _ACTIVATIONS[self.activation](super().forward(x.flatten(1)))


class Conv(nn.Conv2d):
    """A convolution (square kernel, zero padding), then its activation."""

    def __init__(self, channels, filters, kernel, stride, padding, activation):
        super().__init__(channels, filters, kernel, stride, padding)
        self.activation = activation

    def forward(self, x):
        return _ACTIVATIONS[self.activation](super().forward(x))


class Norm(nn.modules.batchnorm._BatchNorm):
    """Batch normalisation over channels (images) or features, then its activation."""

    def __init__(self, channels, activation):
        super().__init__(channels)
        self.activation = activation

    def _check_input_dim(self, x):
        pass

    def forward(self, x):
        return _ACTIVATIONS[self.activation](super().forward(x))


class Block(nn.Module):
    """A basic residual block (He et al. 2016): two 3x3 convolutions with
    batch normalisation, and the input or a 1x1 projection added."""

    def __init__(self, channels, width):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.shortcut = None
        if channels != width:
            self.shortcut = nn.Sequential(nn.Conv2d(channels, width, 1, bias=False), nn.BatchNorm2d(width))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (x if self.shortcut is None else self.shortcut(x)))


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean((2, 3))


class Net(nn.Module):
    """{{.Arch}}"""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
{{- range .Layers}}
            {{.}},
{{- end}}
        )

    def forward(self, x):
{{- if .Image}}
        return self.layers(x.reshape(-1, 1, 28, 28))
{{- else}}
        return self.layers(x.reshape(x.shape[0], -1))
{{- end}}


def read_safetensors(path):
    """The tensors of a safetensors file (float32, float64, float16)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = memoryview(data)[8 + n:]
    types = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16}
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(body[start:end]), dtype=types[entry["dtype"]])
        tensors[name] = t.reshape(entry["shape"]).float()
    return tensors


def load_model(directory="."):
    """The network with the weights of directory/model.safetensors, in evaluation mode."""
    net = Net()
    state = read_safetensors(os.path.join(directory, "model.safetensors"))
    own = net.state_dict()
    for name, t in state.items():
        state[name] = t.to(own[name].dtype) if name in own else t
    net.load_state_dict(state, strict=True)
    return net.eval()
`))
