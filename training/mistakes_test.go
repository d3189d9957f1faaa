package training

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/openblas"
)

// handMade are six images of three classes with the probabilities given.
func handMade() *Predictions {
	rows := [][]float32{
		{0.10, 0.85, 0.05}, // 0: a 0 taken for a 1, confidently
		{0.40, 0.55, 0.05}, // 1: a 0 taken for a 1, hesitantly
		{0.90, 0.05, 0.05}, // 2: a 0, right and sure
		{0.50, 0.30, 0.20}, // 3: a 0, right and unsure
		{0.20, 0.70, 0.10}, // 4: a 1, right
		{0.05, 0.85, 0.10}, // 5: a 2 taken for a 1, as confidently as image 0
	}
	p := &Predictions{Classes: 3, True: []int{0, 0, 0, 0, 1, 2}}
	for _, r := range rows {
		p.Probs = append(p.Probs, r...)
		p.Predicted = append(p.Predicted, nn.Argmax(r))
	}
	return p
}

func TestMistakeCellOrder(t *testing.T) {
	p := handMade()
	tests := []struct {
		truth, predicted int
		want             []int
	}{
		{0, 1, []int{0, 1}}, // most confident mistake first
		{0, 0, []int{3, 2}}, // least confident correct first
		{1, 1, []int{4}},
		{2, 1, []int{5}},
		{1, 0, nil},
		{0, 3, nil}, // no such class
		{-1, 0, nil},
	}
	for _, tt := range tests {
		if got := p.Cell(tt.truth, tt.predicted); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Cell(%d, %d) = %v, want %v", tt.truth, tt.predicted, got, tt.want)
		}
	}
}

func TestMistakeCellTiesKeepOrder(t *testing.T) {
	p := &Predictions{Classes: 2, Probs: []float32{0.2, 0.8, 0.2, 0.8, 0.1, 0.9}, True: []int{0, 0, 0}, Predicted: []int{1, 1, 1}}
	if got, want := p.Cell(0, 1), []int{2, 0, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("Cell(0, 1) = %v, want %v", got, want)
	}
}

func TestMistakeConfusionCounts(t *testing.T) {
	want := [][]int{{2, 2, 0}, {0, 1, 0}, {0, 1, 0}}
	if got := handMade().Confusion(); !reflect.DeepEqual(got, want) {
		t.Errorf("Confusion() = %v, want %v", got, want)
	}
}

func TestMostConfusedOrder(t *testing.T) {
	counts := [][]int{
		{90, 5, 5}, // 0→1 and 0→2 tie on count and share
		{5, 40, 0}, // 1→0 has the same count in a smaller class
		{7, 0, 0},  // the most images
	}
	want := []ConfusedPair{
		{True: 2, Predicted: 0, Count: 7, Share: 1},
		{True: 1, Predicted: 0, Count: 5, Share: 5.0 / 45},
		{True: 0, Predicted: 1, Count: 5, Share: 0.05},
		{True: 0, Predicted: 2, Count: 5, Share: 0.05},
	}
	if got := MostConfused(counts); !reflect.DeepEqual(got, want) {
		t.Errorf("MostConfused(%v) = %v, want %v", counts, got, want)
	}
	if got := MostConfused([][]int{{3, 0}, {0, 4}}); len(got) != 0 {
		t.Errorf("MostConfused of a diagonal matrix = %v, want none", got)
	}
}

func ExampleMostConfused() {
	classes := []string{"3", "5", "8"}
	counts := [][]int{{980, 12, 18}, {20, 860, 12}, {9, 14, 951}}
	for _, p := range MostConfused(counts) {
		fmt.Printf("%s → %s: %d (%.1f%% of the %ss)\n", classes[p.True], classes[p.Predicted], p.Count, 100*p.Share, classes[p.True])
	}
	// Output:
	// 5 → 3: 20 (2.2% of the 5s)
	// 3 → 8: 18 (1.8% of the 3s)
	// 8 → 5: 14 (1.4% of the 8s)
	// 5 → 8: 12 (1.3% of the 5s)
	// 3 → 5: 12 (1.2% of the 3s)
	// 8 → 3: 9 (0.9% of the 8s)
}

// TestMistakesMatchTheRunsConfusion: the gallery's cells hold exactly the
// images the run's confusion matrix counts.
func TestMistakesMatchTheRunsConfusion(t *testing.T) {
	data := smallMNIST(t)
	cfg := DefaultConfig()
	cfg.Epochs = 1
	done := lastEvent[*DoneEvent](t, collect(t, context.Background(), cfg, data))
	p, err := done.Model.PredictSplit(data.Test)
	if err != nil {
		t.Fatal(err)
	}
	if p.Len() != data.Test.Len() {
		t.Fatalf("PredictSplit gave %d predictions for %d images", p.Len(), data.Test.Len())
	}
	if got := p.Confusion(); !reflect.DeepEqual(got, done.Test.Confusion) {
		t.Errorf("PredictSplit counts %v, the run's confusion matrix %v", got, done.Test.Confusion)
	}
	for i, row := range done.Test.Confusion {
		for j, c := range row {
			if got := len(p.Cell(i, j)); got != c {
				t.Errorf("Cell(%d, %d) has %d images, the confusion matrix %d", i, j, got, c)
			}
		}
	}
	// The probabilities are the model's own, as Predict gives them.
	for _, i := range []int{0, p.Len() / 2, p.Len() - 1} {
		probs, err := done.Model.Predict(data.Test.Image(i))
		if err != nil {
			t.Fatal(err)
		}
		for c, want := range probs {
			if got := p.Prob(i, c); got-want > 1e-5 || want-got > 1e-5 {
				t.Errorf("image %d class %d: PredictSplit %v, Predict %v", i, c, got, want)
			}
		}
	}
}

// benchModel is the default network, untrained, with the default test
// set (digits 3, 5 and 8: 2,876 images).
func benchModel(b *testing.B) (*Model, *Data) {
	b.Log(openblas.Load())
	cfg := DefaultConfig()
	data, err := Prepare(cfg)
	if err != nil {
		b.Fatal(err)
	}
	net, err := nn.New(cfg.Spec(len(data.Classes)), 1)
	if err != nil {
		b.Fatal(err)
	}
	return &Model{Net: net, Classes: data.Classes, Stats: data.Stats, Config: cfg}, data
}

// BenchmarkMistakesPredictSplit is the gallery's wait: the default
// network over the default test set, batched.
func BenchmarkMistakesPredictSplit(b *testing.B) {
	m, data := benchModel(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.PredictSplit(data.Test); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(data.Test.Len()*b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkMistakesPredictEach is the same work one Predict per image,
// for comparison.
func BenchmarkMistakesPredictEach(b *testing.B) {
	m, data := benchModel(b)
	b.ReportAllocs()
	for b.Loop() {
		for i := range data.Test.Len() {
			if _, err := m.Predict(data.Test.Image(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(data.Test.Len()*b.N)/b.Elapsed().Seconds(), "images/s")
}
