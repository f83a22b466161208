//go:build cgo && !purego

package cpu

// The matrix products go to OpenBLAS through a four-line cgo binding of
// cblas_sgemm instead of gonum.org/v1/netlib: it is the only BLAS routine we
// need, it avoids a dependency and an extra layer of argument checks per
// call (attention issues thousands of small products per step), and it lets
// us pin OpenBLAS to one thread (openblas_set_num_threads), so that all
// parallelism is ours: two goroutines each run a single-threaded sgemm on
// half of the output, with no OpenBLAS worker threads spinning against the
// Go scheduler between calls.

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import "unsafe"

// blasName names the matrix-product path in Backend.Name.
const blasName = "openblas"

func init() {
	C.openblas_set_num_threads(1)
}

// sgemm is row-major C = alpha*op(A)*op(B) + beta*C on one thread.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	var pa, pb *float32
	if k > 0 {
		pa, pb = &a[0], &b[0]
	} else {
		// k == 0: C = beta*C; OpenBLAS still wants valid pointers.
		pa, pb = &c[0], &c[0]
		lda, ldb = max(lda, 1), max(ldb, 1)
	}
	C.cblas_sgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(unsafe.Pointer(pa)), C.blasint(lda),
		(*C.float)(unsafe.Pointer(pb)), C.blasint(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}

// sgemv is row-major y = alpha*op(A)*x + beta*y for A (m,n) with row
// stride lda, on one thread: the decode-time attention over a KV cache,
// where a matrix product with one row would pay for packing the cache.
func sgemv(trans bool, m, n int, alpha float32, a []float32, lda int, x []float32, beta float32, y []float32) {
	if m == 0 || n == 0 {
		return
	}
	t := uint32(C.CblasNoTrans)
	if trans {
		t = C.CblasTrans
	}
	C.cblas_sgemv(C.CblasRowMajor, t, C.blasint(m), C.blasint(n), C.float(alpha),
		(*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda), (*C.float)(unsafe.Pointer(&x[0])), 1,
		C.float(beta), (*C.float)(unsafe.Pointer(&y[0])), 1)
}
