//go:build cgo && (linux || freebsd)

package openblas

/*
#cgo linux LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                         const float *, int, float, float *, int);
typedef void (*set_threads_fn)(int);
typedef char *(*corename_fn)(void);

static sgemm_fn nw_sgemm_p;
static set_threads_fn nw_set_threads_p;
static corename_fn nw_corename_p;

static const char *nw_open(const char *path) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		return dlerror();
	}
	nw_sgemm_p = (sgemm_fn)dlsym(h, "cblas_sgemm");
	nw_set_threads_p = (set_threads_fn)dlsym(h, "openblas_set_num_threads");
	nw_corename_p = (corename_fn)dlsym(h, "openblas_get_corename");
	if (nw_sgemm_p == NULL) {
		return "the library has no cblas_sgemm";
	}
	return NULL;
}

static void nw_set_threads(int n) {
	if (nw_set_threads_p != NULL) nw_set_threads_p(n);
}

static const char *nw_corename(void) {
	return nw_corename_p != NULL ? nw_corename_p() : "unknown";
}

static void nw_sgemm(int ta, int tb, int m, int n, int k, float alpha,
                     const float *a, int lda, const float *b, int ldb,
                     float beta, float *c, int ldc) {
	// 101 = CblasRowMajor, 111 = CblasNoTrans, 112 = CblasTrans.
	nw_sgemm_p(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
*/
import "C"

import (
	"os"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation satisfies gorgonia's BLAS interface: gonum's pure-Go
// routines for everything but Sgemm, which dominates a network's time.
type Implementation struct {
	gonum.Implementation
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C with OpenBLAS.
func (Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	cSgemm(tA != blas.NoTrans, tB != blas.NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

var libraries = []string{"libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.so"}

func load() Info {
	if os.Getenv("NW_BLAS") == "gonum" {
		return Info{Name: "gonum", Reason: "NW_BLAS=gonum"}
	}
	if os.Getenv("OPENBLAS_CORETYPE") == "" {
		if core := coreFor(); core != "" {
			os.Setenv("OPENBLAS_CORETYPE", core)
		}
	}
	var last string
	for _, name := range libraries {
		cname := C.CString(name)
		msg := C.nw_open(cname)
		C.free(unsafe.Pointer(cname))
		if msg == nil {
			threads := threadCount()
			C.nw_set_threads(C.int(threads))
			impl = &Implementation{}
			sgemm = cSgemm
			return Info{Name: "OpenBLAS", Core: C.GoString(C.nw_corename()), Threads: threads}
		}
		last = C.GoString(msg)
	}
	return Info{Name: "gonum", Reason: "OpenBLAS not found: " + last + "; install libopenblas0 (Debian/Ubuntu: apt-get install libopenblas0-pthread)"}
}

// coreFor names the best OpenBLAS kernel family this CPU supports, or ""
// to let OpenBLAS decide.
func coreFor() string {
	switch {
	case runtime.GOARCH != "amd64":
		return ""
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512CD:
		return "SkylakeX"
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return "Haswell"
	}
	return ""
}

// threadCount is OPENBLAS_NUM_THREADS when set, else 1: the network's
// products are small, and the trainer keeps the other core busy itself.
func threadCount() int {
	if s := strings.TrimSpace(os.Getenv("OPENBLAS_NUM_THREADS")); s != "" {
		n := 0
		for _, r := range s {
			if r < '0' || r > '9' {
				return 1
			}
			n = n*10 + int(r-'0')
		}
		if n > 0 {
			return n
		}
	}
	return 1
}

func cSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkSizes(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	var pa, pb *C.float
	if len(a) > 0 {
		pa = (*C.float)(unsafe.Pointer(&a[0]))
	}
	if len(b) > 0 {
		pb = (*C.float)(unsafe.Pointer(&b[0]))
	}
	C.nw_sgemm(cbool(transA), cbool(transB), C.int(m), C.int(n), C.int(k), C.float(alpha),
		pa, C.int(lda), pb, C.int(ldb), C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int(ldc))
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
