//go:build cuda || cudaemu

// Package cuda is the GPU compute backend: cuBLAS (through gorgonia.org/cu)
// for the matrix products and CUDA kernels for every other hot operation of
// gpu.Backend. It is built only with the build tag `cuda` and registers
// itself as "cuda" with package gpu, which then prefers it over the CPU
// (RLVR_BACKEND=cpu forces the CPU). With the build tag `cudaemu` instead,
// the same backend runs on a CPU emulator of the device (device_emu.go,
// emu.cc), for testing without a GPU.
//
// Memory. Alloc returns CUDA managed (unified) memory as an ordinary
// []float32, so the model's host code (initialisation, checkpoints, reading
// logits after Sync) works on the same slices, and every sub-slice of an
// Alloc'd buffer is also a valid device address. The backend keeps the
// address ranges of its allocations: a slice inside one is used in place;
// any other slice (Go memory such as token ids or the caller's dLogp) is
// copied into a grow-only device staging pool for the call, and copied back
// after it if the operation writes it. Scratch space (attention gradients,
// decode scores) is grow-only as well, so once a training step has run at a
// shape, further steps allocate nothing on the device.
//
// Ordering. Every kernel and every cuBLAS call goes to the legacy default
// stream, so they run in issue order, asynchronously to the host; Sync waits
// for them. Managed memory with concurrent host access is required (Linux,
// compute capability 6.0 or newer), so host code may touch buffers the GPU
// is not using without faults; per the gpu contract it touches them only
// after Sync.
//
// Threads. A CUDA context is current per OS thread while goroutines move
// between threads, so every method locks its goroutine to its thread and
// makes the context current for the duration of the call. A mutex makes the
// backend safe for concurrent use (calls are serialised, as on one stream).
//
// Kernels. The CUDA C source (package kernels) ships compiled to PTX for
// compute capability 6.0, embedded in the binary; the driver JIT-compiles
// it for the GPU present at New and caches the result. So the binary needs
// only the driver and cuBLAS at run time. Package ptxgen regenerates the
// PTX with NVRTC and CI checks that it is current.
//
// Sampling. Top-k/top-p selection stays on the host (stdlib/nn reads the
// next-token logits after Sync): per step it moves one (rows,V) block of
// logits, small next to the forward pass, and keeps one sampler for both
// backends.
//
// A binary linked with gorgonia.org/cu calls cuInit in a package init and
// exits when no driver is present, so this package is never linked into the
// default binary: `make build-cuda` builds bin/rlvrworld-cuda.
package cuda

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"unsafe"

	"github.com/rlvrworld/rlvrworld/gpu"
)

// region is one managed allocation, [base, end) in bytes.
type region struct{ base, end uintptr }

// chunk is one block of the staging pool.
type chunk struct {
	ptr  uintptr
	size int64
}

// copyBack is a staged output to return to host memory after the call.
type copyBack struct {
	host  unsafe.Pointer
	dev   uintptr
	bytes int64
}

// Backend is the CUDA implementation of gpu.Backend. Create it with New.
// The device-specific calls go through dv: the real GPU (device_cu.go,
// build tag cuda) or, for testing the kernels and this file without a GPU,
// the CPU emulator (device_emu.go, build tag cudaemu).
type Backend struct {
	mu   sync.Mutex
	dv   *device
	name string
	sms  int

	regions []region // Alloc'd ranges, sorted by base

	stage    []chunk // staging pool for host slices, reset per call
	stageIdx int
	stageOff int64
	pending  []copyBack

	scratch  uintptr // grow-only scratch (attention backward, decode)
	scratchN int64   // bytes
	ss       uintptr // 8 bytes: SumSquares result

	args []uint64 // launch argument slots, reused

	// deviceAllocs counts device allocations, so tests can check that a
	// training step at a seen shape allocates nothing.
	deviceAllocs int
}

var _ gpu.Backend = (*Backend)(nil)

func newBackend(d *device, name string, sms int) (*Backend, error) {
	be := &Backend{dv: d, name: name, sms: sms}
	var err error
	if be.ss, err = be.memAlloc(8); err != nil {
		return nil, err
	}
	return be, nil
}

// Name reports the device, e.g. "cuda/NVIDIA H100 80GB HBM3 (sm_90, cuBLAS)".
func (be *Backend) Name() string { return be.name }

// enter starts a call: the backend lock, the goroutine locked to its
// thread with the context current, and an empty staging pool.
func (be *Backend) enter() {
	be.mu.Lock()
	runtime.LockOSThread()
	if err := be.dv.bind(); err != nil {
		runtime.UnlockOSThread()
		be.mu.Unlock()
		panic(fmt.Sprintf("cuda: make context current: %v", err))
	}
	be.stageIdx, be.stageOff = 0, 0
}

// leave copies staged outputs back to host memory (a synchronous copy, so
// the call's work is done by then) and releases what enter took.
func (be *Backend) leave() {
	defer func() {
		be.pending = be.pending[:0]
		runtime.UnlockOSThread()
		be.mu.Unlock()
	}()
	for _, c := range be.pending {
		check(be.dv.dtoh(c.host, c.dev, c.bytes), "copy a staged result to host memory")
	}
}

func check(err error, what string) {
	if err != nil {
		panic(fmt.Sprintf("cuda: %s: %v", what, err))
	}
}

func (be *Backend) memAlloc(bytes int64) (uintptr, error) {
	p, err := be.dv.alloc(bytes)
	if err != nil {
		return 0, fmt.Errorf("cuda: allocate %d bytes of device memory: %w", bytes, err)
	}
	be.deviceAllocs++
	return p, nil
}

// hostView reinterprets a managed allocation as a Go slice. Managed memory
// is mapped at the same address on host and device; it is not Go heap
// memory, so the garbage collector ignores it. (Reading the address through
// a pointer-typed view keeps vet's unsafeptr check satisfied: the address
// never was a Go pointer that could move.)
func hostView(p uintptr, n int) []float32 {
	ptr := *(*unsafe.Pointer)(unsafe.Pointer(&p))
	return unsafe.Slice((*float32)(ptr), n)
}

// Alloc returns n zeroed float32s of managed memory. The memory is never
// freed: gpu.Backend has no Free, and models allocate once and live long.
func (be *Backend) Alloc(n int) []float32 {
	if n <= 0 {
		return []float32{}
	}
	be.enter()
	defer be.leave()
	p, err := be.dv.allocManaged(int64(n) * 4)
	check(err, fmt.Sprintf("allocate %d float32s of managed memory", n))
	be.deviceAllocs++
	check(be.dv.zero(p, int64(n)), "zero a new buffer")
	check(be.dv.sync(), "zero a new buffer")
	r := region{uintptr(p), uintptr(p) + uintptr(n)*4}
	i := sort.Search(len(be.regions), func(i int) bool { return be.regions[i].base > r.base })
	be.regions = append(be.regions, region{})
	copy(be.regions[i+1:], be.regions[i:])
	be.regions[i] = r
	return hostView(p, n)
}

// Free releases a buffer returned by Alloc (the whole buffer: x must start
// where Alloc's slice started). gpu.Backend has no Free, so nothing calls
// this yet; a caller that allocates per call (the sampler) can use it
// through interface{ Free([]float32) } to keep device memory from growing.
// It waits for issued work first, since a kernel may still use the buffer.
func (be *Backend) Free(x []float32) {
	if len(x) == 0 {
		return
	}
	be.enter()
	defer be.leave()
	p := uintptr(unsafe.Pointer(&x[0]))
	i := sort.Search(len(be.regions), func(i int) bool { return be.regions[i].base >= p })
	if i == len(be.regions) || be.regions[i].base != p {
		panic("cuda: Free of a slice that is not the start of an Alloc'd buffer")
	}
	check(be.dv.sync(), "wait before freeing a buffer")
	check(be.dv.free(p), "free a buffer")
	be.regions = append(be.regions[:i], be.regions[i+1:]...)
}

// managed reports whether [p, p+bytes) lies in one Alloc'd buffer. A range
// that starts inside one but runs past its end is a caller bug.
func (be *Backend) managed(p, bytes uintptr) bool {
	i := sort.Search(len(be.regions), func(i int) bool { return be.regions[i].base > p }) - 1
	if i < 0 || p >= be.regions[i].end {
		return false
	}
	if p+bytes > be.regions[i].end {
		panic(fmt.Sprintf("cuda: a slice of %d bytes runs %d bytes past the end of its buffer", bytes, p+bytes-be.regions[i].end))
	}
	return true
}

// stageBytes returns bytes of device memory from the staging pool, valid
// until the end of the call. Chunks are kept for later calls; calls reuse
// them in stream order, so reuse is safe without a host sync.
func (be *Backend) stageBytes(bytes int64) uintptr {
	bytes = (bytes + 255) &^ 255
	for be.stageIdx < len(be.stage) {
		c := be.stage[be.stageIdx]
		if be.stageOff+bytes <= c.size {
			p := c.ptr + uintptr(be.stageOff)
			be.stageOff += bytes
			return p
		}
		be.stageIdx++
		be.stageOff = 0
	}
	size := max(bytes, 1<<20)
	if k := len(be.stage); k > 0 {
		size = max(size, 2*be.stage[k-1].size)
	}
	p, err := be.memAlloc(size)
	check(err, "grow the staging pool")
	be.stage = append(be.stage, chunk{p, size})
	be.stageOff = bytes
	return p
}

// devPtr returns the device address of the first n elements (of elemSize
// bytes) starting at host address h, staging them when they are not in
// managed memory. out marks an operation output, copied back at leave.
func (be *Backend) devPtr(h unsafe.Pointer, n int, elemSize int64, out bool) uint64 {
	bytes := int64(n) * elemSize
	if be.managed(uintptr(h), uintptr(bytes)) {
		return uint64(uintptr(h))
	}
	d := be.stageBytes(bytes)
	check(be.dv.htod(d, h, bytes), "stage a host buffer on the device")
	if out {
		be.pending = append(be.pending, copyBack{h, d, bytes})
	}
	return uint64(d)
}

// in and out give the device address of x[:n]; n == 0 gives 0 (null).
func (be *Backend) in(x []float32, n int) uint64  { return be.f32(x, n, false) }
func (be *Backend) out(x []float32, n int) uint64 { return be.f32(x, n, true) }

func (be *Backend) f32(x []float32, n int, out bool) uint64 {
	if n <= 0 {
		return 0
	}
	if len(x) < n {
		panic(fmt.Sprintf("cuda: buffer holds %d float32s, the operation needs %d", len(x), n))
	}
	return be.devPtr(unsafe.Pointer(&x[0]), n, 4, out)
}

func (be *Backend) i32(x []int32, n int) uint64 {
	if n <= 0 {
		return 0
	}
	if len(x) < n {
		panic(fmt.Sprintf("cuda: index buffer holds %d int32s, the operation needs %d", len(x), n))
	}
	return be.devPtr(unsafe.Pointer(&x[0]), n, 4, false)
}

// scratchBytes returns device scratch of at least bytes, valid for the
// current call. Growing waits for in-flight work that may still use the
// old block.
func (be *Backend) scratchBytes(bytes int64) uintptr {
	if bytes <= be.scratchN {
		return be.scratch
	}
	if be.scratch != 0 {
		check(be.dv.sync(), "wait before growing scratch")
		check(be.dv.free(be.scratch), "free old scratch")
	}
	p, err := be.memAlloc(bytes)
	check(err, "grow scratch")
	be.scratch, be.scratchN = p, bytes
	return p
}

// Launch argument encoders: each kernel parameter travels in a 64-bit slot
// (gorgonia's Launch copies 8 bytes per parameter); 32-bit parameters read
// the low half, which is the value on little-endian GPUs and hosts.
func iarg(v int) uint64       { return uint64(int64(v)) }
func farg(v float32) uint64   { return uint64(math.Float32bits(v)) }
func ptrArg(p uintptr) uint64 { return uint64(p) }

// launch runs kernel name on a grid of gx*gy blocks of bx*by threads.
func (be *Backend) launch(name string, gx, gy, bx, by, shmem int, args ...uint64) {
	be.args = append(be.args[:0], args...)
	check(be.dv.launch(name, gx, gy, bx, by, shmem, be.args), "launch "+name)
}

const blockSize = 256

// grid1 sizes a grid-stride launch over n elements: enough blocks to fill
// the GPU, no more.
func (be *Backend) grid1(n int64) int {
	g := (n + blockSize - 1) / blockSize
	return int(min(g, int64(be.sms)*32))
}

func (be *Backend) elementwise(name string, n int, args ...uint64) {
	if n <= 0 {
		return
	}
	be.launch(name, be.grid1(int64(n)), 1, blockSize, 1, 0, append(args, uint64(n))...)
}

// Sync waits for all issued work; an asynchronous kernel fault surfaces
// here.
func (be *Backend) Sync() {
	be.enter()
	defer be.leave()
	check(be.dv.sync(), "synchronize")
}

// Gemm is row-major C = alpha*op(A)*op(B) + beta*C on cuBLAS, which is
// column-major: it computes the transposed product C^T = op(B)^T op(A)^T,
// whose column-major operands are exactly the row-major buffers.
func (be *Backend) Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	be.enter()
	defer be.leave()
	pc := be.out(c, (m-1)*ldc+n)
	if k == 0 {
		if beta != 1 {
			be.launch("scale2d", be.grid1(int64(m)*int64(n)), 1, blockSize, 1, 0, pc, farg(beta), iarg(m), iarg(n), iarg(ldc))
		}
		return
	}
	ra, ca := m, k
	if transA {
		ra, ca = k, m
	}
	rb, cb := k, n
	if transB {
		rb, cb = n, k
	}
	pa := be.in(a, (ra-1)*lda+ca)
	pb := be.in(b, (rb-1)*ldb+cb)
	err := be.dv.sgemm(transB, transA, n, m, k, alpha, uintptr(pb), ldb, uintptr(pa), lda, beta, uintptr(pc), ldc)
	check(err, fmt.Sprintf("sgemm m=%d n=%d k=%d", m, n, k))
}

// Zero sets x to 0.
func (be *Backend) Zero(x []float32) {
	if len(x) == 0 {
		return
	}
	be.enter()
	defer be.leave()
	h := unsafe.Pointer(&x[0])
	if !be.managed(uintptr(h), uintptr(len(x))*4) {
		clear(x) // host memory no kernel writes
		return
	}
	check(be.dv.zero(uintptr(h), int64(len(x))), "zero a buffer")
}

// Accumulate does dst += src.
func (be *Backend) Accumulate(dst, src []float32) {
	n := len(dst)
	be.enter()
	defer be.leave()
	be.elementwise("accumulate", n, be.out(dst, n), be.in(src, n))
}

// Add does out = a + b.
func (be *Backend) Add(out, a, b []float32) {
	n := len(out)
	be.enter()
	defer be.leave()
	be.elementwise("add", n, be.out(out, n), be.in(a, n), be.in(b, n))
}

// Scale does x *= s.
func (be *Backend) Scale(x []float32, s float32) {
	n := len(x)
	be.enter()
	defer be.leave()
	be.elementwise("scale", n, be.out(x, n), farg(s))
}

// SumSquares returns sum x^2, accumulated in double on the device. It
// waits for the result.
func (be *Backend) SumSquares(x []float32) float64 {
	n := len(x)
	if n == 0 {
		return 0
	}
	be.enter()
	defer be.leave()
	check(be.dv.zero(be.ss, 2), "clear the sum")
	be.elementwise("sum_squares", n, ptrArg(be.ss), be.in(x, n))
	var s float64
	check(be.dv.dtoh(unsafe.Pointer(&s), be.ss, 8), "read the sum of squares")
	return s
}

// checkTokens panics on an id outside the table: the kernel would read
// out of bounds where the CPU backend panics.
func checkTokens(tokens []int32, n, rows int, what string) {
	if len(tokens) < n {
		panic(fmt.Sprintf("cuda: %s: %d ids, need %d", what, len(tokens), n))
	}
	for i, t := range tokens[:n] {
		if t < 0 || int(t) >= rows {
			panic(fmt.Sprintf("cuda: %s: id %d at %d outside [0,%d)", what, t, i, rows))
		}
	}
}

// EmbedForward: out (B*T,C) = wte[tok] + wpe[t].
func (be *Backend) EmbedForward(out []float32, tokens []int32, wte, wpe []float32, B, T, C int) {
	BT := B * T
	if BT == 0 || C == 0 {
		return
	}
	checkTokens(tokens, BT, len(wte)/C, "EmbedForward tokens")
	be.enter()
	defer be.leave()
	be.launch("embed_fwd", be.grid1(int64(BT)*int64(C)), 1, blockSize, 1, 0,
		be.out(out, BT*C), be.i32(tokens, BT), be.in(wte, len(wte)), be.in(wpe, T*C), iarg(BT), iarg(T), iarg(C))
}

// EmbedBackward accumulates dwte[tok] += dout and dwpe[t] += dout.
func (be *Backend) EmbedBackward(dwte, dwpe, dout []float32, tokens []int32, B, T, C int) {
	BT := B * T
	if BT == 0 || C == 0 {
		return
	}
	checkTokens(tokens, BT, len(dwte)/C, "EmbedBackward tokens")
	be.enter()
	defer be.leave()
	pd := be.in(dout, BT*C)
	be.launch("embed_bwd_wte", be.grid1(int64(BT)*int64(C)), 1, blockSize, 1, 0,
		be.out(dwte, len(dwte)), pd, be.i32(tokens, BT), iarg(BT), iarg(C))
	be.launch("embed_bwd_wpe", be.grid1(int64(T)*int64(C)), 1, blockSize, 1, 0,
		be.out(dwpe, T*C), pd, iarg(B), iarg(T), iarg(C))
}

// BiasForward does out (N,OC) += bias.
func (be *Backend) BiasForward(out, bias []float32, N, OC int) {
	if N*OC == 0 {
		return
	}
	be.enter()
	defer be.leave()
	be.launch("bias_fwd", be.grid1(int64(N)*int64(OC)), 1, blockSize, 1, 0, be.out(out, N*OC), be.in(bias, OC), iarg(N), iarg(OC))
}

// BiasBackward accumulates dbias += column sums of dout (N,OC).
func (be *Backend) BiasBackward(dbias, dout []float32, N, OC int) {
	if N*OC == 0 {
		return
	}
	be.enter()
	defer be.leave()
	be.launch("bias_bwd", (OC+31)/32, 1, 32, 8, 0, be.out(dbias, OC), be.in(dout, N*OC), iarg(N), iarg(OC))
}

// LayerNormForward normalises each row of inp (N,C), one warp per row.
func (be *Backend) LayerNormForward(out, mean, rstd, inp, weight, bias []float32, N, C int) {
	if N == 0 {
		return
	}
	be.enter()
	defer be.leave()
	be.launch("ln_fwd", (N+7)/8, 1, blockSize, 1, 0, be.out(out, N*C), be.out(mean, N), be.out(rstd, N),
		be.in(inp, N*C), be.in(weight, C), be.in(bias, C), iarg(N), iarg(C))
}

// LayerNormBackward accumulates dinp (warp per row) and dweight, dbias
// (column sums).
func (be *Backend) LayerNormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd []float32, N, C int) {
	if N == 0 {
		return
	}
	be.enter()
	defer be.leave()
	pdo, pin, pm, pr := be.in(dout, N*C), be.in(inp, N*C), be.in(mean, N), be.in(rstd, N)
	be.launch("ln_bwd_inp", (N+7)/8, 1, blockSize, 1, 0, be.out(dinp, N*C), pdo, pin, be.in(weight, C), pm, pr, iarg(N), iarg(C))
	be.launch("ln_bwd_wb", (C+31)/32, 1, 32, 8, 0, be.out(dweight, C), be.out(dbias, C), pdo, pin, pm, pr, iarg(N), iarg(C))
}

// GeluForward: out = gelu(inp), tanh approximation.
func (be *Backend) GeluForward(out, inp []float32) {
	n := len(out)
	be.enter()
	defer be.leave()
	be.elementwise("gelu_fwd", n, be.out(out, n), be.in(inp, n))
}

// GeluBackward: dinp += gelu'(inp) * dout.
func (be *Backend) GeluBackward(dinp, inp, dout []float32) {
	n := len(dinp)
	be.enter()
	defer be.leave()
	be.elementwise("gelu_bwd", n, be.out(dinp, n), be.in(inp, n), be.in(dout, n))
}

// attnThreads is the block size of the attention kernels (one block per
// query row).
const attnThreads = 128

func attnShmem(C, NH int) int { return (C/NH + 32) * 4 }

func checkHeads(C, NH int) {
	if NH <= 0 || C%NH != 0 {
		panic(fmt.Sprintf("cuda: attention with C=%d not divisible into NH=%d heads", C, NH))
	}
}

// AttentionForward is causal multi-head self-attention, one block per
// (batch, head, query) row.
func (be *Backend) AttentionForward(out, att, qkv []float32, B, T, C, NH int) {
	if B*T == 0 {
		return
	}
	checkHeads(C, NH)
	be.enter()
	defer be.leave()
	be.launch("attn_fwd", B*NH*T, 1, attnThreads, 1, attnShmem(C, NH),
		be.out(out, B*T*C), be.out(att, B*NH*T*T), be.in(qkv, B*T*3*C), iarg(B), iarg(T), iarg(C), iarg(NH))
}

// AttentionBackward accumulates dqkv: dq per query row (with the softmax
// backward into scratch), then dk and dv per key row.
func (be *Backend) AttentionBackward(dqkv, dout, qkv, att []float32, B, T, C, NH int) {
	if B*T == 0 {
		return
	}
	checkHeads(C, NH)
	be.enter()
	defer be.leave()
	dpre := be.scratchBytes(int64(B) * int64(NH) * int64(T) * int64(T) * 4)
	pdq, pdo, pq, pa := be.out(dqkv, B*T*3*C), be.in(dout, B*T*C), be.in(qkv, B*T*3*C), be.in(att, B*NH*T*T)
	be.launch("attn_bwd_q", B*NH*T, 1, attnThreads, 1, attnShmem(C, NH),
		pdq, ptrArg(dpre), pdo, pq, pa, iarg(B), iarg(T), iarg(C), iarg(NH))
	be.launch("attn_bwd_kv", B*NH*T, 1, attnThreads, 1, 0,
		pdq, ptrArg(dpre), pdo, pq, pa, iarg(B), iarg(T), iarg(C), iarg(NH))
}

// AttentionKV writes the new tokens' keys and values into the caches, then
// runs one block per (token, head) over its cache row.
func (be *Backend) AttentionKV(out, qkv, kc, vc []float32, rows, pos []int32, N, C, NH, Tc int) {
	if N == 0 {
		return
	}
	checkHeads(C, NH)
	if len(rows) < N || len(pos) < N {
		panic(fmt.Sprintf("cuda: AttentionKV: %d tokens but %d rows and %d positions", N, len(rows), len(pos)))
	}
	R := len(kc) / (Tc * C)
	for i := 0; i < N; i++ {
		if rows[i] < 0 || int(rows[i]) >= R || pos[i] < 0 || int(pos[i]) >= Tc {
			panic(fmt.Sprintf("cuda: AttentionKV: token %d at row %d position %d outside the cache (%d rows of %d)", i, rows[i], pos[i], R, Tc))
		}
	}
	be.enter()
	defer be.leave()
	pq, pr, pp := be.in(qkv, N*3*C), be.i32(rows, N), be.i32(pos, N)
	pk, pv := be.out(kc, R*Tc*C), be.out(vc, R*Tc*C)
	be.launch("kv_write", be.grid1(int64(N)*int64(C)), 1, blockSize, 1, 0,
		pk, pv, pq, pr, pp, iarg(N), iarg(C), iarg(NH), iarg(Tc))
	sc := be.scratchBytes(int64(N) * int64(NH) * int64(Tc) * 4)
	be.launch("kv_attn", N*NH, 1, attnThreads, 1, attnShmem(C, NH),
		be.out(out, N*C), ptrArg(sc), pq, pk, pv, pr, pp, iarg(N), iarg(C), iarg(NH), iarg(Tc))
}

func checkTargets(targets []int32, N, V int) {
	if len(targets) < N {
		panic(fmt.Sprintf("cuda: %d targets for %d rows", len(targets), N))
	}
	for i, t := range targets[:N] {
		if int(t) >= V {
			panic(fmt.Sprintf("cuda: target %d at row %d outside the vocabulary of %d", t, i, V))
		}
	}
}

// LogSoftmaxForward: probabilities in place, log p(target) and entropy;
// one block per row.
func (be *Backend) LogSoftmaxForward(logp, entropy, probs []float32, targets []int32, N, V int) {
	if N == 0 {
		return
	}
	checkTargets(targets, N, V)
	be.enter()
	defer be.leave()
	be.launch("logsoftmax_fwd", N, 1, blockSize, 1, 0,
		be.out(logp, N), be.out(entropy, N), be.out(probs, N*V), be.i32(targets, N), iarg(N), iarg(V))
}

// LogSoftmaxBackward overwrites probs with the gradient; dlogp and
// dentropy may be nil.
func (be *Backend) LogSoftmaxBackward(probs, dlogp, dentropy, entropy []float32, targets []int32, N, V int) {
	if N == 0 {
		return
	}
	checkTargets(targets, N, V)
	be.enter()
	defer be.leave()
	var pl, pe uint64
	if dlogp != nil {
		pl = be.in(dlogp, N)
	}
	if dentropy != nil {
		pe = be.in(dentropy, N)
	}
	be.launch("logsoftmax_bwd", N, 1, blockSize, 1, 0,
		be.out(probs, N*V), pl, pe, be.in(entropy, N), be.i32(targets, N), iarg(N), iarg(V))
}

// AdamW is one fused kernel over params, grads and both moments.
func (be *Backend) AdamW(params, grads, m, v []float32, lr, beta1, beta2, eps, wd float32, t int) {
	n := len(params)
	c1 := float32(1 - math.Pow(float64(beta1), float64(t)))
	c2 := float32(1 - math.Pow(float64(beta2), float64(t)))
	be.enter()
	defer be.leave()
	be.elementwise("adamw", n, be.out(params, n), be.in(grads, n), be.out(m, n), be.out(v, n),
		farg(lr), farg(beta1), farg(beta2), farg(eps), farg(wd), farg(c1), farg(c2))
}
