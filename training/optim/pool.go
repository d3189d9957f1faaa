package optim

import "sync"

// minChunk is the smallest slice worth handing to another goroutine: below
// it the hand-off costs more than the arithmetic.
const minChunk = 16384

// pool runs parts of an update on long-lived worker goroutines, so that a
// step does not start goroutines.
type pool struct {
	workers int
	jobs    chan job
	wg      sync.WaitGroup // counts the parts of the current split
	done    sync.WaitGroup // counts running workers
}

type job struct {
	run    func(lo, hi int)
	lo, hi int
}

func newPool(workers int) *pool {
	p := &pool{workers: workers, jobs: make(chan job)}
	p.done.Add(workers)
	for range workers {
		go func() {
			defer p.done.Done()
			for j := range p.jobs {
				j.run(j.lo, j.hi)
				p.wg.Done()
			}
		}()
	}
	return p
}

// split calls run over [0, n) in contiguous parts, one on the caller's
// goroutine and one on each worker, and returns when all are done. Each
// element is handled by exactly one part, so the result does not depend on
// the split.
func (p *pool) split(n int, run func(lo, hi int)) {
	parts := min(n/minChunk, 1+p.workers)
	if parts < 2 {
		run(0, n)
		return
	}
	// Parts start at multiples of 64 elements, so that the vector
	// kernels see the same elements whatever the split.
	size := ((n+parts-1)/parts + 63) &^ 63
	p.wg.Add(parts - 1)
	for i := 1; i < parts; i++ {
		p.jobs <- job{run, min(n, i*size), min(n, (i+1)*size)}
	}
	run(0, size)
	p.wg.Wait()
}

func (p *pool) close() {
	close(p.jobs)
	p.done.Wait()
}
