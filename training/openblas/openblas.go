// Package openblas makes gorgonia and our own kernels use OpenBLAS for
// single-precision matrix products when the shared library is installed,
// and falls back to gonum's pure-Go BLAS when it is not.
//
// The library is opened at run time with dlopen rather than linked with
// -lopenblas, for two reasons. First, the binary then starts (more slowly)
// on a machine without OpenBLAS instead of failing to load. Second,
// OpenBLAS picks its compute kernels from the CPU model in a constructor
// that runs when the library is loaded, and the build Debian ships (0.3.21)
// does not know recent Xeons: on the 2-core machines we develop on it
// chose its SSE3 "Prescott" kernels and ran sgemm 2.5 times slower than
// with its AVX-512 kernels. Setting OPENBLAS_CORETYPE from the CPU's
// features before the library is opened fixes that, and is only possible
// if we open it ourselves.
package openblas

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
)

// Info describes the BLAS in use.
type Info struct {
	// Name is "OpenBLAS" or "gonum" (pure Go).
	Name string
	// Core is the kernel family OpenBLAS chose, such as "SkylakeX".
	Core string
	// Threads is the number of threads OpenBLAS may use for one call.
	Threads int
	// Reason says why OpenBLAS is not used, when Name is "gonum".
	Reason string
}

func (i Info) String() string {
	if i.Name != "OpenBLAS" {
		return "gonum pure-Go BLAS (" + i.Reason + ")"
	}
	return "OpenBLAS " + i.Core + " kernels"
}

var (
	once sync.Once
	info Info
	// impl is what gorgonia uses once OpenBLAS is open; nil until then.
	impl G.BLAS
	// sgemm is OpenBLAS's product once it is open, gonum's otherwise.
	// Like info and impl, it is written only inside once.Do, and read
	// only after Load has returned.
	sgemm = gonumSgemm
)

// Load opens OpenBLAS once, makes gorgonia use it, and reports what is in
// use. With the environment variable NW_BLAS=gonum it keeps gonum's BLAS.
// It is safe to call from several goroutines.
func Load() Info {
	once.Do(func() {
		info = load()
		if impl != nil {
			G.Use(impl)
		}
	})
	return info
}

// Sgemm is the single-precision matrix product used by the network's
// kernels: C = alpha·op(A)·op(B) + beta·C, row-major, where op transposes
// when the matching flag is set. It calls Load first, so it uses OpenBLAS
// when the library is installed and gonum otherwise, from its first call
// on; Load is also what orders its reading of the product's function
// after the goroutine that opened the library wrote it.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Load()
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func gonumSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gonum.Implementation{}.Sgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// checkSizes panics, as gonum does, when a slice is too short for the
// product: C code would read or write past its end instead.
func checkSizes(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	ra, ca := m, k
	if transA {
		ra, ca = k, m
	}
	rb, cb := k, n
	if transB {
		rb, cb = n, k
	}
	switch {
	case lda < max(1, ca) || ldb < max(1, cb) || ldc < max(1, n):
		panic(fmt.Sprintf("openblas: bad leading dimension (lda %d ldb %d ldc %d)", lda, ldb, ldc))
	case k > 0 && la < (ra-1)*lda+ca, k > 0 && lb < (rb-1)*ldb+cb, lc < (m-1)*ldc+n:
		panic(fmt.Sprintf("openblas: slice too short for %dx%dx%d product", m, n, k))
	}
}
