package openblas

import (
	"os"
	"os/exec"
	"sync"
	"testing"
)

// TestLoadWhileMultiplying opens the library on one goroutine while
// another multiplies, as when the window classifies with a loaded model
// while a run starts. Under -race it fails if Sgemm reads the product's
// function unsynchronised. Load's work happens once per process, so the
// test runs itself in a fresh process to find Load not yet done.
func TestLoadWhileMultiplying(t *testing.T) {
	if os.Getenv("NW_OPENBLAS_FRESH") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLoadWhileMultiplying$", "-test.count=1")
		cmd.Env = append(os.Environ(), "NW_OPENBLAS_FRESH=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("in a fresh process: %v\n%s", err, out)
		}
		return
	}
	const m, n, k = 8, 8, 8
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i], b[i] = 1, 2
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Go(func() {
		<-start
		Load()
	})
	wg.Go(func() {
		<-start
		for range 100 {
			c := make([]float32, m*n)
			Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
			if c[0] != 2*k {
				t.Errorf("Sgemm gave %v, want %v", c[0], 2*k)
				return
			}
		}
	})
	close(start)
	wg.Wait()
}
