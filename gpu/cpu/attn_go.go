//go:build !cgo || purego

package cpu

// fusedDecode: without cgo there is no fused decode attention.
const fusedDecode = false

// attnDecode is the fused decode attention of attn_avx2.go; without cgo
// there is none, and AttentionKV uses its matrix-vector path.
func attnDecode(q, k, v []float32, T, hs int, scale float32, out, sc []float32) bool { return false }
