//go:build cudaemu && !cuda

// A CPU emulator for the CUDA kernels of kernels/kernels.cu, for testing
// them (and the backend's host code) on machines without a GPU: build tag
// cudaemu, run by `make cuda-check`. It compiles the very same kernel
// source as C++ with a few definitions for the CUDA built-ins.
//
// Execution model: a launch runs its blocks one after another; the threads
// of a block are cooperative fibers (ucontext) on one OS thread. A fiber
// runs until it reaches __syncthreads (a block barrier) or a warp shuffle
// (a warp barrier), or returns; a barrier opens when every thread of its
// block (or warp) that has not returned is waiting at it, as on the GPU
// where exited threads no longer take part. Shared memory is per block.
// atomicAdd needs no atomics: only one fiber runs at a time. The emulator
// checks what it can: a barrier that can never open (divergent
// __syncthreads) aborts the launch with an error instead of hanging.

// Fibers switch with _setjmp/_longjmp, which save no signal mask (no
// system call per switch, unlike swapcontext); the fortified longjmp would
// reject jumps between stacks.
#undef _FORTIFY_SOURCE
#include <setjmp.h>
#include <ucontext.h>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

struct emu_dim3 { unsigned x = 0, y = 0, z = 0; };

static emu_dim3 threadIdx, blockIdx, blockDim, gridDim;

static void emu_syncthreads();
static void emu_warp_barrier();

// Shuffle buffers, indexed by the linear thread index within the block.
static float emu_shfl_f[1024];
static double emu_shfl_d[1024];

static inline int emu_tid() { return (int)(threadIdx.x + threadIdx.y * blockDim.x); }

static inline float __shfl_xor_sync(unsigned, float v, int o) {
    int t = emu_tid();
    emu_shfl_f[t] = v;
    emu_warp_barrier();
    float r = emu_shfl_f[t ^ o];
    emu_warp_barrier();
    return r;
}

static inline double __shfl_xor_sync(unsigned, double v, int o) {
    int t = emu_tid();
    emu_shfl_d[t] = v;
    emu_warp_barrier();
    double r = emu_shfl_d[t ^ o];
    emu_warp_barrier();
    return r;
}

static inline float atomicAdd(float* p, float v) { float o = *p; *p = o + v; return o; }
static inline double atomicAdd(double* p, double v) { double o = *p; *p = o + v; return o; }

static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }


// 48 KB, the default dynamic shared memory limit of a block.
static float emu_dyn_shared[12288];

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __syncthreads() emu_syncthreads()
#define DYNAMIC_SHARED(T, name) T* name = (T*)emu_dyn_shared

#include "kernels/kernels.cu"

// ---- fibers --------------------------------------------------------------

enum { RUNNABLE, AT_BLOCK, AT_WARP, DONE };

struct Fiber {
    ucontext_t ctx; // only to start the fiber on its stack
    jmp_buf jb;     // where it yielded
    bool started = false;
    std::vector<char> stack;
    int state = DONE;
    emu_dim3 tid;
};

static ucontext_t emu_sched;
static jmp_buf emu_sched_jb;
static std::vector<Fiber> emu_fibers;
static int emu_cur = -1;
static void (*emu_body)(const uint64_t*) = nullptr;
static const uint64_t* emu_args = nullptr;

static void emu_yield(int state) {
    Fiber& f = emu_fibers[emu_cur];
    f.state = state;
    if (!_setjmp(f.jb)) _longjmp(emu_sched_jb, 1);
}

static void emu_syncthreads() { emu_yield(AT_BLOCK); }
static void emu_warp_barrier() { emu_yield(AT_WARP); }

static void emu_entry() {
    emu_body(emu_args);
    emu_fibers[emu_cur].state = DONE;
    _longjmp(emu_sched_jb, 1); // never returns: the fiber's stack is dropped
}

// run_block runs the threads of one block to completion; false when a
// barrier can never open.
static bool run_block(int nthreads, char* err, int errlen) {
    const size_t stackSize = 64 << 10;
    // One getcontext (a system call) per block, copied to every fiber.
    static ucontext_t tmpl;
    getcontext(&tmpl);
    if ((int)emu_fibers.size() < nthreads) emu_fibers.resize(nthreads);
    for (int t = 0; t < nthreads; t++) {
        Fiber& f = emu_fibers[t];
        if (f.stack.size() < stackSize) f.stack.resize(stackSize);
        f.ctx = tmpl;
        f.ctx.uc_stack.ss_sp = f.stack.data();
        f.ctx.uc_stack.ss_size = f.stack.size();
        f.ctx.uc_link = nullptr;
        makecontext(&f.ctx, emu_entry, 0);
        f.state = RUNNABLE;
        f.started = false;
        f.tid.x = t % blockDim.x;
        f.tid.y = t / blockDim.x;
        f.tid.z = 0;
    }
    int nwarps = (nthreads + 31) / 32;
    for (;;) {
        bool ran = false;
        for (int t = 0; t < nthreads; t++) {
            if (emu_fibers[t].state != RUNNABLE) continue;
            emu_cur = t;
            threadIdx = emu_fibers[t].tid;
            Fiber& f = emu_fibers[t];
            if (!_setjmp(emu_sched_jb)) {
                if (!f.started) {
                    f.started = true;
                    swapcontext(&emu_sched, &f.ctx);
                } else {
                    _longjmp(f.jb, 1);
                }
            }
            ran = true;
        }
        if (ran) continue;
        // Nothing runnable: open the barriers whose threads have all arrived.
        bool opened = false, live = false;
        for (int w = 0; w < nwarps; w++) {
            int lo = w * 32, hi = lo + 32 < nthreads ? lo + 32 : nthreads;
            bool all = true, any = false;
            for (int t = lo; t < hi; t++) {
                int s = emu_fibers[t].state;
                if (s == DONE) continue;
                any = true;
                if (s != AT_WARP) all = false;
            }
            if (any && all) {
                for (int t = lo; t < hi; t++)
                    if (emu_fibers[t].state == AT_WARP) emu_fibers[t].state = RUNNABLE;
                opened = true;
            }
        }
        if (opened) continue;
        bool allBlock = true;
        for (int t = 0; t < nthreads; t++) {
            int s = emu_fibers[t].state;
            if (s == DONE) continue;
            live = true;
            if (s != AT_BLOCK) allBlock = false;
        }
        if (!live) return true;
        if (allBlock) {
            for (int t = 0; t < nthreads; t++)
                if (emu_fibers[t].state == AT_BLOCK) emu_fibers[t].state = RUNNABLE;
            continue;
        }
        snprintf(err, errlen, "deadlock in block (%u,%u): threads wait at different barriers", blockIdx.x, blockIdx.y);
        return false;
    }
}

// ---- kernel table --------------------------------------------------------

// Each kernel parameter arrives in a 64-bit slot, as the Go side passes them
// to cuLaunchKernel; arg<T> reads one back as the parameter's type.
template <class T> static T arg(uint64_t v) {
    if constexpr (std::is_pointer_v<T>) {
        return reinterpret_cast<T>(static_cast<uintptr_t>(v));
    } else if constexpr (std::is_same_v<T, float>) {
        uint32_t b = (uint32_t)v;
        float f;
        std::memcpy(&f, &b, 4);
        return f;
    } else if constexpr (std::is_same_v<T, int>) {
        return (int)(int32_t)(uint32_t)v;
    } else {
        static_assert(std::is_same_v<T, long long>, "unsupported kernel parameter type");
        return (long long)v;
    }
}

template <class... A, size_t... I>
static void call(void (*f)(A...), const uint64_t* a, std::index_sequence<I...>) {
    f(arg<A>(a[I])...);
}

struct Kernel {
    int nargs;
    void (*invoke)(const uint64_t*);
};

template <auto F, class... A> static Kernel make_kernel(void (*)(A...)) {
    return Kernel{(int)sizeof...(A), [](const uint64_t* a) { call(F, a, std::index_sequence_for<A...>{}); }};
}

#define K(name) {#name, make_kernel<name>(name)}

static const std::map<std::string, Kernel>& kernels() {
    static const std::map<std::string, Kernel> m = {
        K(accumulate), K(add), K(scale), K(scale2d), K(sum_squares),
        K(embed_fwd), K(embed_bwd_wte), K(embed_bwd_wpe), K(bias_fwd), K(bias_bwd),
        K(ln_fwd), K(ln_bwd_inp), K(ln_bwd_wb), K(gelu_fwd), K(gelu_bwd),
        K(attn_fwd), K(attn_bwd_q), K(attn_bwd_kv), K(kv_write), K(kv_attn),
        K(logsoftmax_fwd), K(logsoftmax_bwd), K(adamw),
    };
    return m;
}

extern "C" int emu_launch(const char* name, int gx, int gy, int bx, int by, int shmem,
                          const uint64_t* args, int nargs, char* err, int errlen) {
    auto it = kernels().find(name);
    if (it == kernels().end()) {
        snprintf(err, errlen, "unknown kernel %s", name);
        return 1;
    }
    if (it->second.nargs != nargs) {
        snprintf(err, errlen, "kernel %s takes %d parameters, launched with %d", name, it->second.nargs, nargs);
        return 1;
    }
    if (gx <= 0 || gy <= 0 || bx <= 0 || by <= 0 || bx * by > 1024) {
        snprintf(err, errlen, "kernel %s: invalid launch grid (%d,%d) block (%d,%d)", name, gx, gy, bx, by);
        return 1;
    }
    if ((bx * by) % 32 != 0) {
        snprintf(err, errlen, "kernel %s: block of %d threads is not whole warps", name, bx * by);
        return 1;
    }
    if (shmem < 0 || (size_t)shmem > sizeof(emu_dyn_shared)) {
        snprintf(err, errlen, "kernel %s: %d bytes of dynamic shared memory (limit %zu)", name, shmem, sizeof(emu_dyn_shared));
        return 1;
    }
    std::vector<uint64_t> a(args, args + nargs);
    emu_body = it->second.invoke;
    emu_args = a.data();
    blockDim = {(unsigned)bx, (unsigned)by, 1};
    gridDim = {(unsigned)gx, (unsigned)gy, 1};
    for (int y = 0; y < gy; y++)
        for (int x = 0; x < gx; x++) {
            blockIdx = {(unsigned)x, (unsigned)y, 0};
            if (!run_block(bx * by, err, errlen)) return 1;
        }
    return 0;
}

// emu_sgemm is column-major C = alpha*op(A)*op(B) + beta*C, cublasSgemm's
// contract (beta == 0 ignores C's contents), with float accumulation.
extern "C" void emu_sgemm(int ta, int tb, int m, int n, int k, float alpha, uint64_t ap, int lda,
                          uint64_t bp, int ldb, float beta, uint64_t cp, int ldc) {
    const float* A = (const float*)(uintptr_t)ap;
    const float* B = (const float*)(uintptr_t)bp;
    float* C = (float*)(uintptr_t)cp;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            float s = 0;
            for (int l = 0; l < k; l++) {
                float x = ta ? A[l + (size_t)i * lda] : A[i + (size_t)l * lda];
                float y = tb ? B[j + (size_t)l * ldb] : B[l + (size_t)j * ldb];
                s += x * y;
            }
            float* c = &C[i + (size_t)j * ldc];
            *c = beta == 0 ? alpha * s : alpha * s + beta * *c;
        }
}
