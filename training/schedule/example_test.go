package schedule_test

import (
	"fmt"
	"strings"

	"github.com/neuralworkbench/workbench/training/schedule"
)

// A training loop asks the scheduler for the rate before every batch and
// tells it each epoch's validation loss. Here plateau halves the rate
// after two epochs without improvement, and a person's change to 0.08 at
// step 15, while it trains, scales the rest of the schedule: the next
// reduction halves that.
func Example() {
	s, err := schedule.Parse("plateau:1:0.5")
	if err != nil {
		fmt.Println(err)
		return
	}
	const perEpoch, epochs = 3, 8
	r, err := s.Start(0.1, perEpoch, epochs)
	if err != nil {
		fmt.Println(err)
		return
	}
	losses := []float64{0.9, 0.8, 0.85, 0.81, 0.7, 0.75, 0.72, 0.71}
	step := 0
	for epoch := range epochs {
		for range perEpoch {
			if step == 15 {
				if err := r.SetLR(step, 0.08); err != nil {
					fmt.Println(err)
				}
			}
			_ = r.LR(step) // optimizer.SetLearningRate(r.LR(step)), then train on the batch
			step++
		}
		fmt.Printf("epoch %d: lr %g, validation loss %g\n", epoch+1, r.LR(step-1), losses[epoch])
		if r.EpochEnd(losses[epoch]) && epoch+1 < epochs {
			fmt.Println("  no improvement for 2 epochs: lr × 0.5")
		}
	}
	// Output:
	// epoch 1: lr 0.1, validation loss 0.9
	// epoch 2: lr 0.1, validation loss 0.8
	// epoch 3: lr 0.1, validation loss 0.85
	// epoch 4: lr 0.1, validation loss 0.81
	//   no improvement for 2 epochs: lr × 0.5
	// epoch 5: lr 0.05, validation loss 0.7
	// epoch 6: lr 0.08, validation loss 0.75
	// epoch 7: lr 0.08, validation loss 0.72
	//   no improvement for 2 epochs: lr × 0.5
	// epoch 8: lr 0.04, validation loss 0.71
}

func ExampleParse() {
	for _, text := range []string{"cosine:1e-5,warmup=2", "onecycle:0.01", "Step: 10 : .5", "step:0:0.5", "exp:0.9"} {
		s, err := schedule.Parse(text)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(s)
	}
	// Output:
	// cosine:1e-05,warmup=2
	// onecycle:0.01
	// step:10:0.5
	// step: N must be ≥ 1 epoch (got 0)
	// unknown schedule "exp" (allowed: constant, step:N:GAMMA, cosine[:MIN][,warmup=K], onecycle[:MAXLR], plateau:P:GAMMA)
}

// The form's preview: onecycle over 2 epochs of 5 batches rises from
// MAXLR/25 to MAXLR (the base rate when MAXLR is left out) and anneals to
// MAXLR/25/1e4 at the last step.
func ExampleSchedule_Preview() {
	s, _ := schedule.Parse("onecycle")
	lrs, err := s.Preview(0.01, 5, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	for epoch := range 2 {
		line := make([]string, 5)
		for i, lr := range lrs[epoch*5 : epoch*5+5] {
			line[i] = fmt.Sprintf("%.2e", lr)
		}
		fmt.Println(strings.Join(line, " "))
	}
	// Output:
	// 4.00e-04 5.20e-03 1.00e-02 9.50e-03 8.12e-03
	// 6.11e-03 3.89e-03 1.88e-03 4.95e-04 4.00e-08
}
