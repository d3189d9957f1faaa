package training

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/training/nn"
)

// Predictions are a model's outputs for every image of a set, in the
// set's order: what the mistakes gallery shows behind each cell of the
// confusion matrix.
type Predictions struct {
	// Classes is the number of classes.
	Classes int
	// Probs holds each image's class probabilities, Classes a row.
	Probs []float32
	// Predicted and True are each image's predicted class (the most
	// probable, the first on ties, as an Evaluation counts it) and label.
	Predicted, True []int
}

// Len is the number of images.
func (p *Predictions) Len() int { return len(p.True) }

// Accuracy is the fraction of images predicted right (0 for none).
func (p *Predictions) Accuracy() float64 {
	right := 0
	for i, t := range p.True {
		if p.Predicted[i] == t {
			right++
		}
	}
	return float64(right) / float64(max(1, len(p.True)))
}

// Prob is the probability the model gives image i of being of class c.
func (p *Predictions) Prob(i, c int) float64 { return float64(p.Probs[i*p.Classes+c]) }

// PredictSplit runs the model over every image of s in batches, through
// the same networks and batch sizes as the run's test evaluation, so that
// the predictions count up to its confusion matrix exactly. It returns
// ErrNotFinite when a probability is not a number.
func (m *Model) PredictSplit(s *dataset.Split) (*Predictions, error) {
	classes := m.Net.Spec.Classes
	n := s.Len()
	p := &Predictions{Classes: classes, Probs: make([]float32, n*classes), Predicted: make([]int, n), True: make([]int, n)}
	nets := nn.Nets{Model: m.Net, Mode: nn.Infer, Loss: nn.CrossEntropy}
	defer nets.Close()
	for start := 0; start < n; start += evalBatch {
		size := min(evalBatch, n-start)
		net, err := nets.Get(size)
		if err != nil {
			return nil, err
		}
		for i := range size {
			m.Stats.Normalize(net.X[i*imageproc.Pixels:(i+1)*imageproc.Pixels], s.Image(start+i))
		}
		if err := net.Run(); err != nil {
			return nil, err
		}
		probs := net.Probs()[:size*classes]
		for _, v := range probs {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, ErrNotFinite
			}
		}
		copy(p.Probs[start*classes:], probs)
		for i := range size {
			label := int(s.Labels[start+i])
			if label < 0 || label >= classes {
				return nil, fmt.Errorf("test image %d has label %d; the model has classes 0 to %d", start+i, label, classes-1)
			}
			p.True[start+i] = label
			p.Predicted[start+i] = nn.Argmax(probs[i*classes : (i+1)*classes])
		}
	}
	return p, nil
}

// Confusion counts the images of each class (rows) predicted as each class
// (columns), as Evaluation.Confusion does.
func (p *Predictions) Confusion() [][]int {
	c := make([][]int, p.Classes)
	for i := range c {
		c[i] = make([]int, p.Classes)
	}
	for i, t := range p.True {
		c[t][p.Predicted[i]]++
	}
	return c
}

// Cell returns the indices of the images of class truth predicted as
// class predicted, in the order worth looking at them. For a mistake
// (truth ≠ predicted) that is the most confident first: by the predicted
// class's probability, highest first, since a mistake made with
// confidence is the surprising one (often a mislabelled or ambiguous
// image). For a correct cell (truth = predicted) it is the least
// confident first: the correct images nearest the decision boundary are
// the ones to learn from, while the confident ones all look alike. Ties
// keep the set's order. Out-of-range classes give none.
func (p *Predictions) Cell(truth, predicted int) []int {
	if truth < 0 || predicted < 0 || truth >= p.Classes || predicted >= p.Classes {
		return nil
	}
	var idx []int
	for i, t := range p.True {
		if t == truth && p.Predicted[i] == predicted {
			idx = append(idx, i)
		}
	}
	sign := -1 // highest first
	if truth == predicted {
		sign = 1
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return sign * cmp.Compare(p.Prob(a, predicted), p.Prob(b, predicted))
	})
	return idx
}

// ConfusedPair is an off-diagonal cell of a confusion matrix: Count images
// of class True predicted as class Predicted, Share of all the images of
// class True.
type ConfusedPair struct {
	True, Predicted int
	Count           int
	Share           float64
}

// MostConfused lists the off-diagonal cells of a confusion matrix
// (counts[true][predicted]) that hold images, worst first: by count, then
// by share of the true class (the same count hurts a smaller class more),
// then by true and predicted class, so that ties always come out in the
// same order.
func MostConfused(counts [][]int) []ConfusedPair {
	var pairs []ConfusedPair
	for i, row := range counts {
		total := 0
		for _, c := range row {
			total += c
		}
		for j, c := range row {
			if i != j && c > 0 {
				pairs = append(pairs, ConfusedPair{True: i, Predicted: j, Count: c, Share: float64(c) / float64(total)})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b ConfusedPair) int {
		return cmp.Or(
			cmp.Compare(b.Count, a.Count),
			cmp.Compare(b.Share, a.Share),
			cmp.Compare(a.True, b.True),
			cmp.Compare(a.Predicted, b.Predicted))
	})
	return pairs
}
