package nn

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseLayerList(t *testing.T) {
	layers, err := ParseLayerList(" conv(16, 3, 1, 1, relu), maxpool(2),batchnorm(relu), dropout(0.25), flatten, residual(32), globalavgpool, dense(64)")
	if err != nil {
		t.Fatal(err)
	}
	want := []LayerSpec{
		{Kind: Conv, Width: 16, Kernel: 3, Stride: 1, Pad: 1, Activation: ReLU},
		{Kind: MaxPool, Size: 2},
		{Kind: BatchNorm, Activation: ReLU},
		{Kind: Dropout, P: 0.25},
		{Kind: Flatten},
		{Kind: Residual, Width: 32},
		{Kind: GlobalAvgPool},
		{Kind: Dense, Width: 64, Activation: ReLU},
	}
	if !reflect.DeepEqual(layers, want) {
		t.Fatalf("parsed\n%+v\nwant\n%+v", layers, want)
	}
	text := LayersString(layers)
	if text != "conv(16,3,1,1,relu),maxpool(2),batchnorm(relu),dropout(0.25),flatten,residual(32),globalavgpool,dense(64,relu)" {
		t.Errorf("written back as %q", text)
	}
	again, err := ParseLayerList(text)
	if err != nil || !reflect.DeepEqual(again, layers) {
		t.Errorf("the written form reads back as %+v, %v", again, err)
	}
	if l, _ := ParseLayerList("conv(8,5)"); len(l) != 1 || l[0].Stride != 1 || l[0].Pad != 0 || l[0].Activation != ReLU {
		t.Errorf("conv(8,5)'s defaults: %+v", l)
	}
	if l, err := ParseLayerList(""); err != nil || len(l) != 0 {
		t.Errorf("no layers: %v, %v", l, err)
	}
}

func TestParseLayerListErrors(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"conv(16)", "layer 1 conv(16): conv takes 2 to 5 arguments (got 1)"},
		{"dense(64),pool(2)", `layer 2 pool(2): unknown layer "pool" (allowed: dense, conv, maxpool`},
		{"conv(16,3,0)", "layer 1 conv(16,3,0): stride must be a whole number from 1 to 8"},
		{"dense(0)", "width must be a whole number from 1 to 8192"},
		{"dropout(1)", "p must be a number in [0, 1)"},
		{"dense(64,swish)", `unknown activation "swish"`},
		{"maxpool(2", "has no closing parenthesis"},
		{"dense(8),", "layer 2: missing after the last comma"},
		{"flatten(2)", "flatten takes 0 arguments (got 1)"},
		{"dense(8) dense(8)", "expected a comma"},
	} {
		if _, err := ParseLayerList(tt.text); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseLayerList(%q) = %v, want %q", tt.text, err, tt.want)
		}
	}
}

func TestShapes(t *testing.T) {
	shapes, err := LeNet5(10).Shapes()
	if err != nil {
		t.Fatal(err)
	}
	want := []Shape{{6, 28, 28}, {6, 14, 14}, {16, 10, 10}, {16, 5, 5}, {120, 1, 1}, {84, 1, 1}, {10, 1, 1}}
	if !reflect.DeepEqual(shapes, want) {
		t.Errorf("LeNet-5's shapes %v, want %v", shapes, want)
	}
	for _, tt := range []struct{ layers, want string }{
		{"dense(64),maxpool(2)", "layer 2 maxpool(2): input 1×1 is smaller than the 2×2 window"},
		{"conv(8,5),maxpool(2),conv(8,5),maxpool(2),conv(8,5)", "layer 5 conv(8,5,1,0,relu): input 4×4 is smaller than the 5×5 kernel"},
		{"maxpool(16),conv(4,7,1,2)", "layer 2 conv(4,7,1,2,relu): input 1×1 (5×5 padded) is smaller than the 7×7 kernel"},
		{"conv(1024,1),conv(1024,1)", "has 802816 values a sample"},
	} {
		layers, err := ParseLayerList(tt.layers)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Arch{Input: Shape{1, 28, 28}, Layers: layers, Classes: 3}.Shapes()
		if tt.want == "has 802816 values a sample" {
			if err != nil {
				t.Errorf("%s: %v", tt.layers, err) // 1024×28×28 fits
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.layers, err, tt.want)
		}
	}
	big := Arch{Input: Shape{1, 28, 28}, Layers: []LayerSpec{{Kind: Conv, Width: 1024, Kernel: 1, Stride: 1, Activation: ReLU}, {Kind: Conv, Width: 1024, Kernel: 1, Stride: 1, Activation: ReLU}}, Classes: 3}
	big.Input = Shape{1, 100, 100}
	if _, err := big.Shapes(); err == nil || !strings.Contains(err.Error(), "values a sample (at most 4194304)") {
		t.Errorf("a layer of 10M values a sample: %v", err)
	}
}

// TestParamCounts checks the presets' sizes against PyTorch's count of the
// same modules (torch 1.13: sum(p.numel() for p in model.parameters())):
// LeNet-5 on 10 classes has the classic 61,706; the ResNet preset 14,378;
// and the multilayer perceptron's description names and sizes its tensors
// as the MLP always has.
func TestParamCounts(t *testing.T) {
	for _, tt := range []struct {
		arch Arch
		want int
	}{
		{LeNet5(10), 61706},
		{ResNet(3, 16, 10), 14378},
		{MLP([]Layer{{128, ReLU}, {64, ReLU}}, 3), 108931},
	} {
		if got, err := tt.arch.ParamCount(); err != nil || got != tt.want {
			t.Errorf("%s: %d parameters, %v; want %d", LayersString(tt.arch.Layers), got, err, tt.want)
		}
	}
	spec := Spec{Inputs: 784, Hidden: []Layer{{128, ReLU}, {64, Tanh}}, Classes: 3}
	ts, err := MLP(spec.Hidden, 3).Tensors()
	if err != nil {
		t.Fatal(err)
	}
	shapes := spec.Shapes()
	if len(ts) != len(shapes) {
		t.Fatalf("%d tensors, the MLP has %d", len(ts), len(shapes))
	}
	for i, p := range shapes {
		if ts[i].Name != p.Name || !reflect.DeepEqual(ts[i].Shape, p.Shape) {
			t.Errorf("tensor %d: %s %v, the MLP's %s %v", i, ts[i].Name, ts[i].Shape, p.Name, p.Shape)
		}
	}
	// A block that changes the channels has a projection shortcut.
	a := Arch{Input: Shape{1, 28, 28}, Layers: []LayerSpec{{Kind: Residual, Width: 8}}, Classes: 2}
	ts, _ = a.Tensors()
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
	}
	if joined := strings.Join(names, " "); !strings.Contains(joined, "layers.0.shortcut.0.weight layers.0.shortcut.1.weight") || !strings.Contains(joined, "layers.0.bn2.num_batches_tracked") {
		t.Errorf("a residual block's tensors: %s", joined)
	}
}

func TestPreset(t *testing.T) {
	for _, tt := range []struct{ name, layers string }{
		{"mlp", "dense(128,relu),dense(64,relu)"},
		{"lenet", "conv(6,5,1,2,relu),maxpool(2),conv(16,5,1,0,relu),maxpool(2),dense(120,relu),dense(84,relu)"},
		{"resnet", "conv(16,3,1,1,linear),batchnorm(relu),residual(16),residual(16),residual(16),globalavgpool"},
		{"ResNet:2:8", "conv(8,3,1,1,linear),batchnorm(relu),residual(8),residual(8),globalavgpool"},
	} {
		a, err := Preset(tt.name, 3)
		if err != nil || LayersString(a.Layers) != tt.layers {
			t.Errorf("Preset(%q) = %s, %v; want %s", tt.name, LayersString(a.Layers), err, tt.layers)
		}
	}
	for _, tt := range []struct{ name, want string }{
		{"vgg", `unknown architecture "vgg" (allowed: mlp, lenet, resnet[:N[:W]])`},
		{"resnet:0", "N, the residual blocks, must be a whole number from 1 to 28"},
		{"resnet:2:x", "W, the blocks' width"},
		{"lenet:3", "lenet takes no parameters"},
	} {
		if _, err := Preset(tt.name, 3); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Preset(%q) = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestLayerSpecText(t *testing.T) {
	for _, bad := range []string{"(", ")(", "conv(8,3", "conv(8,3))", "dense((8)"} {
		var l LayerSpec
		if err := l.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q) = %+v, want an error", bad, l)
		}
	}
	var l LayerSpec
	if err := l.UnmarshalText([]byte("conv(6,5,1,2,relu)")); err != nil || l.String() != "conv(6,5,1,2,relu)" {
		t.Errorf("UnmarshalText: %+v, %v", l, err)
	}
}

// TestNewArch: a network of layers starts with tensors named and shaped
// as its architecture says, convolution weights within their He bound,
// batch normalisation at identity, and the same seed gives the same
// weights; Clone copies the buffers too.
func TestNewArch(t *testing.T) {
	spec := Spec{Inputs: 784, Classes: 3, Layers: ResNet(1, 4, 3).Layers}
	spec.Layers = append([]LayerSpec{{Kind: Conv, Width: 2, Kernel: 3, Stride: 1, Pad: 1, Activation: ReLU}}, spec.Layers...)
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	m, err := New(spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.checkParams(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range m.Params {
		n += len(p.Data)
	}
	if n != spec.ParamCount() {
		t.Errorf("%d values in the parameters, ParamCount says %d", n, spec.ParamCount())
	}
	byName := map[string]Param{}
	for _, p := range append(append([]Param(nil), m.Params...), m.Buffers...) {
		byName[p.Name] = p
	}
	bound := float32(1 / math.Sqrt(1*3*3)) // PyTorch's default for nn.Conv2d
	inside := 0
	for _, v := range byName["layers.0.weight"].Data {
		if v < -bound || v > bound {
			t.Fatalf("a first-layer weight %g outside ±%g", v, bound)
		}
		if v < -bound/2 || v > bound/2 {
			inside++
		}
	}
	if inside == 0 {
		t.Errorf("no first-layer weight beyond ±%g: the bound is narrower than PyTorch's", bound/2)
	}
	for name, want := range map[string]float32{"layers.2.weight": 1, "layers.2.bias": 0, "layers.2.running_var": 1, "layers.2.running_mean": 0, "layers.3.bn1.weight": 1} {
		for _, v := range byName[name].Data {
			if v != want {
				t.Fatalf("%s starts at %g, want %g", name, v, want)
			}
		}
	}
	again, _ := New(spec, 7)
	c := m.Clone()
	for i := range m.Params {
		if !slices.Equal(m.Params[i].Data, again.Params[i].Data) || !slices.Equal(m.Params[i].Data, c.Params[i].Data) {
			t.Fatalf("%s differs between two models of seed 7 or in a clone", m.Params[i].Name)
		}
	}
	if len(c.Buffers) != len(m.Buffers) || len(m.Buffers) != 9 {
		t.Errorf("%d buffers, the clone %d; want 9 (three for each batch norm: two in the block, one after the stem)", len(m.Buffers), len(c.Buffers))
	}
	if got := spec.String(); got != "conv(2,3,1,1,relu),conv(4,3,1,1,linear),batchnorm(relu),residual(4),globalavgpool-3" {
		t.Errorf("String() = %q", got)
	}
	if got := (Spec{Inputs: 784, Classes: 3, Layers: LeNet5(3).Layers}).String(); got != "lenet-3" {
		t.Errorf("LeNet's String() = %q", got)
	}
	if got := (Spec{Inputs: 784, Classes: 10, Layers: ResNet(3, 16, 10).Layers}).String(); got != "resnet:3:16-10" {
		t.Errorf("ResNet's String() = %q", got)
	}
	if err := (Spec{Inputs: 100, Classes: 3, Layers: LeNet5(3).Layers}).Validate(); err == nil || !strings.Contains(err.Error(), "takes the 1×28×28 image") {
		t.Errorf("a network of layers on 100 inputs: %v", err)
	}
}
