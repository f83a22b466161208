// Package gpu defines the compute backend interface for the world model's hot
// operations and selects a backend at start-up. The default is the CPU
// backend in gpu/cpu (OpenBLAS through cgo, with a pure-Go fallback when cgo
// is off); a CUDA backend lives in gpu/cuda behind the build tag `cuda`.
//
// The seam is deliberately narrow: a model (stdlib/nn) allocates every buffer
// through Backend.Alloc once, then runs its forward pass, backward pass and
// optimiser as a sequence of Backend calls on those buffers. A backend whose
// memory is not host memory (CUDA) returns managed or pinned memory from Alloc,
// runs the calls asynchronously, and makes results visible to the host in
// Sync. Host code reads or writes a buffer only after Sync.
//
// Shapes follow llm.c's naming: B batch, T time, C channels, NH heads,
// V vocabulary, N rows (usually B*T). All matrices are row-major float32.
// Optional interfaces add what not every backend has: HalfKV keeps the
// decoding KV cache in float16, Int8KV in scaled 8-bit integers and MixedKV
// with int8 keys and float16 values (the CPU backend has all three, CUDA
// none yet).
//
// Every backend is held to the float64 reference in gpu/gputest:
//
//	func TestConformance(t *testing.T) { gputest.Run(t, mybackend.New()) }
package gpu
