package openblas

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naive computes C = alpha·op(A)·op(B) + beta·C by the definition.
func naive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	at := func(i, p int) float32 {
		if transA {
			return a[p*lda+i]
		}
		return a[i*lda+p]
	}
	bt := func(p, j int) float32 {
		if transB {
			return b[j*ldb+p]
		}
		return b[p*ldb+j]
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += float64(at(i, p)) * float64(bt(p, j))
			}
			c[i*ldc+j] = float32(float64(alpha)*s + float64(beta)*float64(c[i*ldc+j]))
		}
	}
}

func TestSgemm(t *testing.T) {
	t.Log(Load())
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	const m, n, k = 13, 7, 29
	for _, impl := range []struct {
		name string
		fn   func(bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int)
	}{{"active", Sgemm}, {"gonum", gonumSgemm}} {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				lda, ldb := k, n
				if ta {
					lda = m
				}
				if tb {
					ldb = k
				}
				a, b, c := fill(m*k), fill(k*n), fill(m*n)
				want := append([]float32(nil), c...)
				naive(ta, tb, m, n, k, 0.5, a, lda, b, ldb, 2, want, n)
				impl.fn(ta, tb, m, n, k, 0.5, a, lda, b, ldb, 2, c, n)
				for i := range c {
					if math.Abs(float64(c[i]-want[i])) > 1e-4 {
						t.Fatalf("%s Sgemm(transA=%v, transB=%v)[%d] = %g, want %g", impl.name, ta, tb, i, c[i], want[i])
					}
				}
			}
		}
	}
}

func TestSgemmRejectsShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Sgemm with a too-short A did not panic")
		}
	}()
	checkSizes(false, false, 4, 4, 4, 15, 4, 16, 4, 16, 4)
}
