package nn

import (
	"strings"
	"testing"
)

// TestArchSummary: the layer editor's per-row shapes and parameter counts
// are the engine's (they add up to ParamCount, LeNet-5's rows are
// PyTorch's per-module counts), and a layer that does not fit is the one
// that carries the error, with the layers after it unknown.
func TestArchSummary(t *testing.T) {
	lenet := LeNet5(10)
	infos := lenet.Summary()
	// PyTorch: conv 6·1·25+6, pool, conv 16·6·25+16, pool, flatten is the
	// dense layer's input, 120·400+120, 84·120+84, 10·84+10.
	wantParams := []int{156, 0, 2416, 0, 48120, 10164, 850}
	wantShapes := []string{"6×28×28", "6×14×14", "16×10×10", "16×5×5", "120", "84", "10"}
	total := 0
	for i, info := range infos {
		if !info.Known || info.Err != nil || info.Params != wantParams[i] || info.Out.String() != wantShapes[i] {
			t.Errorf("LeNet-5 row %d: %+v, want %s and %d parameters", i+1, info, wantShapes[i], wantParams[i])
		}
		total += info.Params
	}
	if n, _ := lenet.ParamCount(); total != n || n != 61706 {
		t.Errorf("rows add up to %d, ParamCount %d, want 61706", total, n)
	}

	resnet := ResNet(3, 16, 3)
	total = 0
	for _, info := range resnet.Summary() {
		total += info.Params
	}
	if n, _ := resnet.ParamCount(); total != n {
		t.Errorf("ResNet rows add up to %d, ParamCount %d", total, n)
	}

	layers, err := ParseLayerList("conv(8,3),maxpool(2),maxpool(16),dense(10)")
	if err != nil {
		t.Fatal(err)
	}
	infos = Arch{Input: Shape{1, 28, 28}, Layers: layers, Classes: 3}.Summary()
	if !infos[0].Known || !infos[1].Known || infos[1].Out.String() != "8×13×13" {
		t.Errorf("the rows before the misfit: %+v %+v", infos[0], infos[1])
	}
	if infos[2].Err == nil || infos[2].Known || !strings.Contains(infos[2].Err.Error(), "input 13×13 is smaller than the 16×16 window") {
		t.Errorf("the misfit's row: %+v", infos[2])
	}
	if infos[3].Known || infos[3].Err != nil || infos[4].Known {
		t.Errorf("the rows after the misfit should be unknown: %+v %+v", infos[3], infos[4])
	}
}
