//go:build cudaemu && !cuda

package cuda

// The CPU emulator device (build tag cudaemu): the kernels of
// kernels/kernels.cu compiled as C++ and run by emu.cc, "device" memory in
// the C heap, and a reference column-major sgemm in place of cuBLAS. It
// runs every line of cuda.go and every kernel without a GPU, so CI can test
// them against the CPU backend; it is slow and only for tests.

/*
#cgo CXXFLAGS: -std=c++17 -O2
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int emu_launch(const char* name, int gx, int gy, int bx, int by, int shmem,
               const uint64_t* args, int nargs, char* err, int errlen);
void emu_sgemm(int ta, int tb, int m, int n, int k, float alpha, uint64_t a, int lda,
               uint64_t b, int ldb, float beta, uint64_t c, int ldc);

static uint64_t emu_alloc(size_t n) { return (uint64_t)(uintptr_t)calloc(1, n); }
static void emu_free(uint64_t p) { free((void*)(uintptr_t)p); }
static void emu_zero(uint64_t p, size_t n) { memset((void*)(uintptr_t)p, 0, n); }
static void emu_htod(uint64_t dst, const void* src, size_t n) { memcpy((void*)(uintptr_t)dst, src, n); }
static void emu_dtoh(void* dst, uint64_t src, size_t n) { memcpy(dst, (const void*)(uintptr_t)src, n); }
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// device is the emulator. Like a GPU stream it is asynchronous: kernels,
// products, clears and host-to-device copies queue up and run only at
// sync, at a device-to-host copy, or at free, in issue order. So host code
// that reads or writes a buffer without the Sync the gpu contract asks for
// sees stale data here as it would on a GPU, and the tests catch it.
type device struct {
	queue []func() error
}

func (d *device) enqueue(f func() error) error {
	d.queue = append(d.queue, f)
	return nil
}

// flush runs the queued work; the first error (an asynchronous fault on
// a GPU) is returned and the rest of the queue dropped.
func (d *device) flush() error {
	q := d.queue
	d.queue = nil
	for _, f := range q {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// New returns a Backend on the CPU emulator; ordinal must be 0. The
// emulator does not register with package gpu: it is for tests only.
func New(ordinal int) (*Backend, error) {
	if ordinal != 0 {
		return nil, fmt.Errorf("cuda: emulator has one device, %d requested", ordinal)
	}
	// One "multiprocessor": grid-stride kernels then launch 32 blocks,
	// which keeps the emulator quick and still runs every loop several
	// times per thread.
	return newBackend(&device{}, "cuda-emulated (kernels on the CPU)", 1)
}

func (d *device) bind() error { return nil }

func (d *device) allocManaged(bytes int64) (uintptr, error) { return d.alloc(bytes) }

func (d *device) alloc(bytes int64) (uintptr, error) {
	p := C.emu_alloc(C.size_t(bytes))
	if p == 0 {
		return 0, fmt.Errorf("out of memory allocating %d bytes", bytes)
	}
	return uintptr(p), nil
}

func (d *device) free(p uintptr) error {
	err := d.flush()
	C.emu_free(C.uint64_t(p))
	return err
}

func (d *device) zero(p uintptr, n int64) error {
	return d.enqueue(func() error {
		C.emu_zero(C.uint64_t(p), C.size_t(n*4))
		return nil
	})
}

// htod takes the host data now, as the driver does for pageable memory,
// and writes it to the device in stream order.
func (d *device) htod(dst uintptr, src unsafe.Pointer, bytes int64) error {
	buf := make([]byte, bytes)
	copy(buf, unsafe.Slice((*byte)(src), bytes))
	return d.enqueue(func() error {
		if bytes > 0 {
			C.emu_htod(C.uint64_t(dst), unsafe.Pointer(&buf[0]), C.size_t(bytes))
		}
		return nil
	})
}

func (d *device) dtoh(dst unsafe.Pointer, src uintptr, bytes int64) error {
	if err := d.flush(); err != nil {
		return err
	}
	C.emu_dtoh(dst, C.uint64_t(src), C.size_t(bytes))
	return nil
}

func (d *device) sync() error { return d.flush() }

func (d *device) launch(name string, gx, gy, bx, by, shmem int, args []uint64) error {
	args = append([]uint64(nil), args...)
	return d.enqueue(func() error {
		cname := C.CString(name)
		defer C.free(unsafe.Pointer(cname))
		var errbuf [256]C.char
		var ap *C.uint64_t
		if len(args) > 0 {
			ap = (*C.uint64_t)(unsafe.Pointer(&args[0]))
		}
		if C.emu_launch(cname, C.int(gx), C.int(gy), C.int(bx), C.int(by), C.int(shmem), ap, C.int(len(args)), &errbuf[0], C.int(len(errbuf))) != 0 {
			return fmt.Errorf("kernel %s: %s", name, C.GoString(&errbuf[0]))
		}
		return nil
	})
}

func (d *device) sgemm(transA, transB bool, m, n, k int, alpha float32, a uintptr, lda int, b uintptr, ldb int, beta float32, c uintptr, ldc int) error {
	// cuBLAS's argument checks, so the emulator rejects what cuBLAS would.
	rowsA, rowsB := m, k
	if transA {
		rowsA = k
	}
	if transB {
		rowsB = n
	}
	if m < 0 || n < 0 || k < 0 || lda < max(1, rowsA) || ldb < max(1, rowsB) || ldc < max(1, m) {
		return fmt.Errorf("CUBLAS_STATUS_INVALID_VALUE: m=%d n=%d k=%d lda=%d ldb=%d ldc=%d", m, n, k, lda, ldb, ldc)
	}
	return d.enqueue(func() error {
		C.emu_sgemm(b2i(transA), b2i(transB), C.int(m), C.int(n), C.int(k), C.float(alpha), C.uint64_t(a), C.int(lda),
			C.uint64_t(b), C.int(ldb), C.float(beta), C.uint64_t(c), C.int(ldc))
		return nil
	})
}

func b2i(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// emulated tells the tests to use shapes the emulator runs in seconds.
const emulated = true
