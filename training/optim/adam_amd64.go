package optim

import "golang.org/x/sys/cpu"

// adamConsts are the scalars of one Adam step, laid out for adamAVX2.
type adamConsts struct {
	decay, l2, beta1, oneMinusBeta1, beta2, oneMinusBeta2, invBC2, eps, step float32
}

//go:noescape
func adamAVX2(p, grad, m, v *float32, n int, k *adamConsts)

// hasAVX2 selects the vector kernel. The scalar loop spends ~11 cycles an
// element in the square root and the division (about 400 µs a step for
// the default network's 109k weights); eight lanes at a time take a tenth
// of that. Denormals are flushed to zero inside the kernel: Adam's second
// moments decay towards them in long runs, and each denormal operand costs
// a microcode assist (a 1.45 ms step fell to 1.0 ms when they were
// flushed).
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// adamVector updates the longest prefix of the slices whose length is a
// multiple of 8 and returns its length.
func adamVector(p, g, m, v []float32, k *adamConsts) int {
	n := len(p) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _, _ = g[n-1], m[n-1], v[n-1]
	adamAVX2(&p[0], &g[0], &m[0], &v[0], n, k)
	return n
}
