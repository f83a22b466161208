//go:build !cgo || purego

package cpu

// Without cgo there are no fused kernels: fusedDecode, fusedHalf and
// fusedGelu are false and the functions below decline, so AttentionKV uses
// its matrix-vector path, AttentionKVHalf, AttentionKVInt8 and
// AttentionKVMixed widen the cache in Go first, and GELU runs its scalar
// loop.
const (
	fusedDecode = false
	fusedHalf   = false
)

func attnDecode(q, k, v []float32, T, hs int, scale float32, out, sc []float32, next []float32) bool {
	return false
}

func attnDecodeHalf(q []float32, k, v []uint16, T, hs int, scale float32, out, sc []float32, next []uint16) bool {
	return false
}

func attnDecodeInt8(q []float32, k, v []int8, ks, vs []float32, T, hs int, scale float32, out, sc []float32, next []int8) bool {
	return false
}

func quantizeInt8s(x []float32, xs int, q []int8, qs int, s []float32, ss, n, hs int) bool {
	return false
}

func attnDecodeK8V16(q []float32, k []int8, v []uint16, ks []float32, T, hs int, scale float32, out, sc []float32, next []int8) bool {
	return false
}

func storeHalf(x []float32, c []uint16, NH, hs, stride int) bool { return false }

func widenHalf(dst []float32, src []uint16) bool { return false }

const fusedGelu = false

func geluForward8(out, inp []float32) int { return 0 }

func geluBackward8(dinp, inp, dout []float32) int { return 0 }

func geluBackwardInPlace8(d, inp []float32) int { return 0 }

const fusedSoftmax = false

func rowMax8(z []float32) float32 { panic("cpu: no softmax kernels in this build") }

func expSum8(z []float32, mx float32) float32 { panic("cpu: no softmax kernels in this build") }

func expSumEnt8(z []float32, mx float32) (float32, float64) {
	panic("cpu: no softmax kernels in this build")
}

func scaleRow8(z []float32, s float32) { panic("cpu: no softmax kernels in this build") }

const fusedElem = false

func addTo8(d, s []float32) { panic("cpu: no element kernels in this build") }

func add8(o, a, b []float32) { panic("cpu: no element kernels in this build") }

func biasRows8(out, bias []float32, oc int) { panic("cpu: no element kernels in this build") }

func colSums8(acc, d []float32, rows, stride int) { panic("cpu: no element kernels in this build") }

func lnNormRow8(o, x, w, b []float32, m, s float32) { panic("cpu: no element kernels in this build") }

func lnForwardRows8(out, mean, rstd, inp, w, b []float32, c int) int {
	panic("cpu: no element kernels in this build")
}

func lnBackwardRows8(di, dw, db, g, x, w, mean, rstd []float32, c int) int {
	panic("cpu: no element kernels in this build")
}

func lnBwdRow8(di, dw, db, g, x, w []float32, m, s float32) {
	panic("cpu: no element kernels in this build")
}

func adamW8(p, g, m, v []float32, gs, lr, b1, b2, eps, wd, ic1, ic2 float32) int {
	panic("cpu: no element kernels in this build")
}

func softmaxRows8(a []float32, w, k, r0, r1 int) int { panic("cpu: no softmax kernels in this build") }

func softmaxBackwardRows8(da, a []float32, w, k, r0, r1 int) int {
	panic("cpu: no softmax kernels in this build")
}

func sumSquares8(x []float32) (float64, int) { panic("cpu: no element kernels in this build") }

func embedBackward8(dwte, dwpe, dout []float32, tokens, pos []int32, n, t, c, lo, hi int) {
	panic("cpu: no element kernels in this build")
}
