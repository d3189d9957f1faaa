package training

import (
	"math"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/training/nn"
)

// Evaluation is a model's performance on a set of samples.
type Evaluation struct {
	// N is the number of samples; the other fields are zero when it is 0.
	N        int
	Loss     float64
	Accuracy float64
	// PerClass is each class's accuracy (recall); NaN for a class with no
	// samples.
	PerClass []float64
	// Confusion[i][j] counts samples of class i predicted as class j.
	Confusion [][]int
}

// evalBatch is the batch size used for evaluation: large enough that the
// matrix products are efficient, small enough to stay in cache.
const evalBatch = 256

// evaluator computes evaluations with forward-only networks that share
// the model's weights. It belongs to one goroutine.
type evaluator struct {
	model *nn.Model
	loss  nn.Loss
	stats imageproc.Stats
	nets  nn.Nets
}

func newEvaluator(m *nn.Model, loss nn.Loss, stats imageproc.Stats) *evaluator {
	return &evaluator{model: m, loss: loss, stats: stats, nets: nn.Nets{Model: m, Mode: nn.Evaluate, Loss: loss}}
}

func (e *evaluator) close() { e.nets.Close() }

// evaluate runs the model over every sample of s.
func (e *evaluator) evaluate(s *dataset.Split) (Evaluation, error) {
	classes := e.model.Spec.Classes
	ev := Evaluation{N: s.Len(), Confusion: make([][]int, classes), PerClass: make([]float64, classes)}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, classes)
	}
	if ev.N == 0 {
		return ev, nil
	}
	var lossSum float64
	for start := 0; start < ev.N; start += evalBatch {
		n := min(evalBatch, ev.N-start)
		net, err := e.nets.Get(n)
		if err != nil {
			return ev, err
		}
		clear(net.Y)
		for i := 0; i < n; i++ {
			e.stats.Normalize(net.X[i*imageproc.Pixels:(i+1)*imageproc.Pixels], s.Image(start+i))
			net.Y[i*classes+int(s.Labels[start+i])] = 1
		}
		if err := net.Run(); err != nil {
			return ev, err
		}
		lossSum += net.Loss() * float64(n)
		probs := net.Probs()
		for i := 0; i < n; i++ {
			pred := nn.Argmax(probs[i*classes : (i+1)*classes])
			ev.Confusion[s.Labels[start+i]][pred]++
		}
	}
	ev.Loss = lossSum / float64(ev.N)
	correct := 0
	for i, row := range ev.Confusion {
		total := 0
		for _, c := range row {
			total += c
		}
		correct += row[i]
		ev.PerClass[i] = math.NaN()
		if total > 0 {
			ev.PerClass[i] = float64(row[i]) / float64(total)
		}
	}
	ev.Accuracy = float64(correct) / float64(ev.N)
	return ev, nil
}
