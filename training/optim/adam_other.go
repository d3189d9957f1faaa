//go:build !amd64

package optim

type adamConsts struct {
	decay, l2, beta1, oneMinusBeta1, beta2, oneMinusBeta2, invBC2, eps, step float32
}

// adamVector has no vector kernel on this architecture.
func adamVector(p, g, m, v []float32, k *adamConsts) int { return 0 }
