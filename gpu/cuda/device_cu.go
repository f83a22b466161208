//go:build cuda

package cuda

import (
	"fmt"
	"runtime"
	"unsafe"

	gblas "gonum.org/v1/gonum/blas"
	"gorgonia.org/cu"
	cublas "gorgonia.org/cu/blas"

	"github.com/rlvrworld/rlvrworld/gpu"
	"github.com/rlvrworld/rlvrworld/gpu/cuda/kernels"
)

func init() {
	gpu.Register("cuda", func() (gpu.Backend, error) { return New(0) })
}

// device is the real GPU: the CUDA driver API and cuBLAS through
// gorgonia.org/cu. Addresses are device (or managed) virtual addresses.
// Every method runs with the context current (Backend.enter).
type device struct {
	ctx  cu.CUContext
	blas *cublas.Standard
	fns  map[string]cu.Function
	argp []unsafe.Pointer
}

// New opens CUDA device ordinal, compiles the kernels for it and creates
// the cuBLAS handle. It fails (so gpu.Default falls back to the CPU) when
// there is no such device, its compute capability is below 6.0, or it
// lacks concurrent managed memory access.
func New(ordinal int) (*Backend, error) {
	n, err := cu.NumDevices()
	if err != nil {
		return nil, fmt.Errorf("cuda: count devices: %w", err)
	}
	if ordinal < 0 || ordinal >= n {
		return nil, fmt.Errorf("cuda: device %d requested, %d present", ordinal, n)
	}
	dev, err := cu.GetDevice(ordinal)
	if err != nil {
		return nil, fmt.Errorf("cuda: get device %d: %w", ordinal, err)
	}
	major, minor, err := dev.ComputeCapability()
	if err != nil {
		return nil, fmt.Errorf("cuda: compute capability: %w", err)
	}
	devArch := 10*major + minor
	if devArch < kernels.PTXArch {
		return nil, fmt.Errorf("cuda: device %d has compute capability %d.%d; the backend needs %d.%d or newer", ordinal, major, minor, kernels.PTXArch/10, kernels.PTXArch%10)
	}
	if ok, err := dev.Attribute(cu.ConcurrentManagedAccess); err != nil || ok == 0 {
		return nil, fmt.Errorf("cuda: device %d lacks concurrent managed memory access (needs Linux and compute capability 6.0+): %v", ordinal, err)
	}
	sms, err := dev.Attribute(cu.MultiprocessorCount)
	if err != nil {
		return nil, fmt.Errorf("cuda: multiprocessor count: %w", err)
	}
	devName, err := dev.Name()
	if err != nil {
		return nil, fmt.Errorf("cuda: device name: %w", err)
	}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx, err := dev.RetainPrimaryCtx()
	if err != nil {
		return nil, fmt.Errorf("cuda: retain primary context: %w", err)
	}
	if err := cu.SetCurrentContext(ctx); err != nil {
		return nil, fmt.Errorf("cuda: set context: %w", err)
	}
	d := &device{ctx: ctx, fns: map[string]cu.Function{}}
	// The driver JIT-compiles the compute_60 PTX for this GPU and caches
	// the result (~/.nv/ComputeCache).
	mod, err := cu.LoadData(kernels.PTX)
	if err != nil {
		return nil, fmt.Errorf("cuda: load the kernels' PTX (compute_%d) on sm_%d: %w", kernels.PTXArch, devArch, err)
	}
	for _, name := range kernels.Names {
		fn, err := mod.Function(name)
		if err != nil {
			return nil, fmt.Errorf("cuda: kernel %s: %w", name, err)
		}
		d.fns[name] = fn
	}
	if d.blas, err = newBLAS(); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("cuda/%s (sm_%d, cuBLAS)", devName, devArch)
	return newBackend(d, name, sms)
}

// newBLAS creates the cuBLAS handle; cublas.New panics on failure.
func newBLAS() (b *cublas.Standard, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cuda: create cuBLAS handle: %v", r)
		}
	}()
	return cublas.New(), nil
}

// bind makes the context current on the calling (locked) thread.
func (d *device) bind() error { return cu.SetCurrentContext(d.ctx) }

func (d *device) allocManaged(bytes int64) (uintptr, error) {
	p, err := cu.MemAllocManaged(bytes, cu.AttachGlobal)
	return uintptr(p), err
}

func (d *device) alloc(bytes int64) (uintptr, error) {
	p, err := cu.MemAlloc(bytes)
	return uintptr(p), err
}

func (d *device) free(p uintptr) error { return cu.MemFree(cu.DevicePtr(p)) }

// zero clears n 32-bit words at p, in stream order.
func (d *device) zero(p uintptr, n int64) error {
	return cu.MemsetD32Async(cu.DevicePtr(p), 0, n, cu.NoStream)
}

// htod copies host memory to the device; from pageable memory the driver
// first waits for the stream, so the copy is ordered after earlier work.
func (d *device) htod(dst uintptr, src unsafe.Pointer, bytes int64) error {
	return cu.MemcpyHtoD(cu.DevicePtr(dst), src, bytes)
}

// dtoh copies device memory to the host once earlier work is done.
func (d *device) dtoh(dst unsafe.Pointer, src uintptr, bytes int64) error {
	return cu.MemcpyDtoH(dst, cu.DevicePtr(src), bytes)
}

func (d *device) sync() error { return cu.Synchronize() }

// launch runs a kernel on the legacy default stream; args are the 64-bit
// parameter slots (gorgonia's Launch copies 8 bytes per parameter).
func (d *device) launch(name string, gx, gy, bx, by, shmem int, args []uint64) error {
	fn, ok := d.fns[name]
	if !ok {
		return fmt.Errorf("unknown kernel %s", name)
	}
	d.argp = d.argp[:0]
	for i := range args {
		d.argp = append(d.argp, unsafe.Pointer(&args[i]))
	}
	return fn.Launch(gx, gy, 1, bx, by, 1, shmem, cu.NoStream, d.argp)
}

// sgemm is cublasSgemm: column-major C = alpha*op(A)*op(B) + beta*C.
func (d *device) sgemm(transA, transB bool, m, n, k int, alpha float32, a uintptr, lda int, b uintptr, ldb int, beta float32, c uintptr, ldc int) error {
	d.blas.Sgemm(trans(transA), trans(transB), m, n, k, alpha, hostView(a, 1), lda, hostView(b, 1), ldb, beta, hostView(c, 1), ldc)
	return d.blas.Err()
}

func trans(t bool) gblas.Transpose {
	if t {
		return gblas.Trans
	}
	return gblas.NoTrans
}

// emulated is false on the real GPU: the tests use their full shapes.
const emulated = false
