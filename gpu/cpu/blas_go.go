//go:build !cgo || purego

package cpu

// blasName names the matrix-product path in Backend.Name.
const blasName = "purego"

// sgemm is the pure-Go fallback used when cgo is off (or with -tags purego):
// correct, cache-friendly loop orders, and about 10x slower than OpenBLAS.
// The real path is blas_openblas.go.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
		} else if beta != 1 {
			for j := range ci {
				ci[j] *= beta
			}
		}
		if !transB {
			// c_i += alpha * sum_p a_ip * b_p (rows of B are contiguous).
			for p := 0; p < k; p++ {
				var aip float32
				if transA {
					aip = a[p*lda+i]
				} else {
					aip = a[i*lda+p]
				}
				aip *= alpha
				if aip == 0 {
					continue
				}
				bp := b[p*ldb : p*ldb+n]
				for j, bv := range bp {
					ci[j] += aip * bv
				}
			}
			continue
		}
		// transB: c_ij = alpha * dot(op(A) row i, B row j).
		var ai []float32
		if !transA {
			ai = a[i*lda : i*lda+k]
		} else {
			ai = make([]float32, k)
			for p := range ai {
				ai[p] = a[p*lda+i]
			}
		}
		for j := 0; j < n; j++ {
			bj := b[j*ldb : j*ldb+k]
			var s float32
			for p, av := range ai {
				s += av * bj[p]
			}
			ci[j] += alpha * s
		}
	}
}

// sgemv is row-major y = alpha*op(A)*x + beta*y for A (m,n), pure Go.
func sgemv(trans bool, m, n int, alpha float32, a []float32, lda int, x []float32, beta float32, y []float32) {
	if !trans {
		for i := 0; i < m; i++ {
			var s float32
			for j, av := range a[i*lda : i*lda+n] {
				s += av * x[j]
			}
			if beta == 0 {
				y[i] = alpha * s
			} else {
				y[i] = alpha*s + beta*y[i]
			}
		}
		return
	}
	yy := y[:n]
	if beta == 0 {
		clear(yy)
	} else if beta != 1 {
		for j := range yy {
			yy[j] *= beta
		}
	}
	for i := 0; i < m; i++ {
		xi := alpha * x[i]
		for j, av := range a[i*lda : i*lda+n] {
			yy[j] += xi * av
		}
	}
}

// BLASCore names the BLAS kernel set in use: none without OpenBLAS.
func BLASCore() string { return "none (pure Go)" }
