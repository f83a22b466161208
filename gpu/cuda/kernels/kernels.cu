// CUDA kernels of the rlvrworld CUDA backend (gpu/cuda). This file is
// embedded in the binary and compiled at start-up with NVRTC for the GPU
// present, so no nvcc is needed to build. It includes no headers: NVRTC
// provides the device built-ins (math functions, shuffles, atomics).
//
// Conventions: row-major float32, the shapes and semantics of each
// gpu.Backend method (gpu/gpu.go). Kernels named *_acc add into their
// output. Every launch uses the legacy default stream, the one cuBLAS uses,
// so kernels and matrix products run in issue order.
//
// Block sizes are fixed by the Go side: elementwise kernels use grid-stride
// loops; "row" kernels use one warp per row (blockDim 256 = 8 rows) or one
// block per row (blockDim 256); column sums use blockDim (32,8).

#define FULL_MASK 0xffffffffu
// Dynamic shared memory; the CPU emulator (gpu/cuda/emu.cc) defines its own.
#ifndef DYNAMIC_SHARED
#define DYNAMIC_SHARED(T, name) extern __shared__ T name[]
#endif
// NVRTC without headers has no INFINITY macro.
#define NEG_INF (-__int_as_float(0x7f800000))

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, o));
    return v;
}

__device__ __forceinline__ double warp_sum_d(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    return v;
}

// block_sum returns the sum over the block to every thread. red holds 32
// floats of shared memory; blockDim.x is a multiple of 32. The leading
// __syncthreads lets a caller reuse red for consecutive reductions.
__device__ float block_sum(float v, float* red) {
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) red[w] = v;
    __syncthreads();
    v = lane < nw ? red[lane] : 0.0f;
    return warp_sum(v);
}

__device__ float block_max(float v, float* red) {
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) red[w] = v;
    __syncthreads();
    v = lane < nw ? red[lane] : NEG_INF;
    return warp_max(v);
}

#define GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)

// ---- elementwise ---------------------------------------------------------

extern "C" __global__ void accumulate(float* dst, const float* src, long long n) {
    GRID_STRIDE(i, n) dst[i] += src[i];
}

extern "C" __global__ void add(float* out, const float* a, const float* b, long long n) {
    GRID_STRIDE(i, n) out[i] = a[i] + b[i];
}

extern "C" __global__ void scale(float* x, float s, long long n) {
    GRID_STRIDE(i, n) x[i] *= s;
}

// scale2d does C[i*ldc+j] *= s for an (m,n) matrix: Gemm with k == 0.
extern "C" __global__ void scale2d(float* c, float s, int m, int n, int ldc) {
    GRID_STRIDE(i, (long long)m * n) {
        long long r = i / n, col = i % n;
        c[r * ldc + col] *= s;
    }
}

// sum_squares adds sum x^2 into *out, in double: float partial sums per
// thread would lose digits over the millions of parameters.
extern "C" __global__ void sum_squares(double* out, const float* x, long long n) {
    double s = 0;
    GRID_STRIDE(i, n) { double v = x[i]; s += v * v; }
    s = warp_sum_d(s);
    if ((threadIdx.x & 31) == 0) atomicAdd(out, s);
}

// ---- embeddings and bias -------------------------------------------------

extern "C" __global__ void embed_fwd(float* out, const int* tok, const float* wte, const float* wpe, int BT, int T, int C) {
    GRID_STRIDE(i, (long long)BT * C) {
        long long row = i / C, c = i % C;
        long long t = row % T;
        out[i] = wte[(long long)tok[row] * C + c] + wpe[t * C + c];
    }
}

// embed_bwd_wte scatters dout rows into the token rows of dwte. Two
// positions with the same token hit the same row, hence the atomics.
extern "C" __global__ void embed_bwd_wte(float* dwte, const float* dout, const int* tok, int BT, int C) {
    GRID_STRIDE(i, (long long)BT * C) {
        long long row = i / C, c = i % C;
        atomicAdd(&dwte[(long long)tok[row] * C + c], dout[i]);
    }
}

// embed_bwd_wpe sums over the batch per (t, c): no two threads share an
// output, so no atomics.
extern "C" __global__ void embed_bwd_wpe(float* dwpe, const float* dout, int B, int T, int C) {
    GRID_STRIDE(i, (long long)T * C) {
        long long t = i / C, c = i % C;
        float s = 0;
        for (int b = 0; b < B; b++) s += dout[((long long)b * T + t) * C + c];
        dwpe[i] += s;
    }
}

extern "C" __global__ void bias_fwd(float* out, const float* bias, int N, int OC) {
    GRID_STRIDE(i, (long long)N * OC) out[i] += bias[i % OC];
}

// bias_bwd: dbias[j] += sum_i dout[i,j]. blockDim (32,8): 32 columns per
// block, 8 row phases reduced through shared memory.
extern "C" __global__ void bias_bwd(float* dbias, const float* dout, int N, int OC) {
    __shared__ float sh[8][33];
    int j = blockIdx.x * 32 + threadIdx.x;
    float s = 0;
    if (j < OC)
        for (int i = threadIdx.y; i < N; i += 8) s += dout[(long long)i * OC + j];
    sh[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && j < OC) {
        float t = 0;
        for (int k = 0; k < 8; k++) t += sh[k][threadIdx.x];
        dbias[j] += t;
    }
}

// ---- layer norm ----------------------------------------------------------

// ln_fwd: one warp per row, blockDim 256 (8 rows per block).
extern "C" __global__ void ln_fwd(float* out, float* mean, float* rstd, const float* inp, const float* w, const float* b, int N, int C) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (row >= N) return; // a whole warp leaves together
    const float* x = inp + (long long)row * C;
    float s = 0;
    for (int c = lane; c < C; c += 32) s += x[c];
    float m = warp_sum(s) / C;
    float v = 0;
    for (int c = lane; c < C; c += 32) { float d = x[c] - m; v += d * d; }
    v = warp_sum(v) / C;
    float r = 1.0f / sqrtf(v + 1e-5f);
    float* o = out + (long long)row * C;
    for (int c = lane; c < C; c += 32) o[c] = (x[c] - m) * r * w[c] + b[c];
    if (lane == 0) { mean[row] = m; rstd[row] = r; }
}

// ln_bwd_inp accumulates dinp, one warp per row.
extern "C" __global__ void ln_bwd_inp(float* dinp, const float* dout, const float* inp, const float* w, const float* mean, const float* rstd, int N, int C) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (row >= N) return;
    const float* x = inp + (long long)row * C;
    const float* g = dout + (long long)row * C;
    float m = mean[row], s = rstd[row];
    float a = 0, bb = 0;
    for (int c = lane; c < C; c += 32) {
        float n = (x[c] - m) * s, dn = w[c] * g[c];
        a += dn;
        bb += dn * n;
    }
    a = warp_sum(a) / C;
    bb = warp_sum(bb) / C;
    float* di = dinp + (long long)row * C;
    for (int c = lane; c < C; c += 32) {
        float n = (x[c] - m) * s, dn = w[c] * g[c];
        di[c] += (dn - a - n * bb) * s;
    }
}

// ln_bwd_wb accumulates dweight and dbias as column sums, blockDim (32,8).
extern "C" __global__ void ln_bwd_wb(float* dw, float* db, const float* dout, const float* inp, const float* mean, const float* rstd, int N, int C) {
    __shared__ float sw[8][33], sb[8][33];
    int j = blockIdx.x * 32 + threadIdx.x;
    float aw = 0, ab = 0;
    if (j < C)
        for (int i = threadIdx.y; i < N; i += 8) {
            long long k = (long long)i * C + j;
            float g = dout[k];
            aw += (inp[k] - mean[i]) * rstd[i] * g;
            ab += g;
        }
    sw[threadIdx.y][threadIdx.x] = aw;
    sb[threadIdx.y][threadIdx.x] = ab;
    __syncthreads();
    if (threadIdx.y == 0 && j < C) {
        float tw = 0, tb = 0;
        for (int k = 0; k < 8; k++) { tw += sw[k][threadIdx.x]; tb += sb[k][threadIdx.x]; }
        dw[j] += tw;
        db[j] += tb;
    }
}

// ---- GELU (tanh approximation, GPT-2) ------------------------------------

#define GELU_S 0.7978845608028654f

extern "C" __global__ void gelu_fwd(float* out, const float* inp, long long n) {
    GRID_STRIDE(i, n) {
        float x = inp[i];
        float u = GELU_S * (x + 0.044715f * x * x * x);
        out[i] = 0.5f * x * (1.0f + tanhf(u));
    }
}

extern "C" __global__ void gelu_bwd(float* dinp, const float* inp, const float* dout, long long n) {
    GRID_STRIDE(i, n) {
        float x = inp[i];
        float u = GELU_S * (x + 0.044715f * x * x * x);
        float th = tanhf(u);
        float d = 0.5f * (1.0f + th) + 0.5f * x * (1.0f - th * th) * GELU_S * (1.0f + 3.0f * 0.044715f * x * x);
        dinp[i] += d * dout[i];
    }
}

// ---- causal attention ----------------------------------------------------

// attn_fwd: one block per (b, h, t) row. Scores of row t against keys
// 0..t go into att, get a stable softmax (zeros above the diagonal), then
// the block forms out[b,t,h,:] = att row * V. Dynamic shared memory: hs
// floats for the query and 32 for reductions.
extern "C" __global__ void attn_fwd(float* out, float* att, const float* qkv, int B, int T, int C, int NH) {
    DYNAMIC_SHARED(float, sh);
    int hs = C / NH, C3 = 3 * C;
    long long row = blockIdx.x; // (b*NH + h)*T + t
    int t = (int)(row % T);
    long long bh = row / T;
    int h = (int)(bh % NH);
    long long b = bh / NH;
    float* qs = sh;
    float* red = sh + hs;
    const float* q = qkv + (b * T + t) * C3 + h * hs;
    for (int d = threadIdx.x; d < hs; d += blockDim.x) qs[d] = q[d];
    __syncthreads();
    float sc = 1.0f / sqrtf((float)hs);
    float* a = att + row * T;
    const float* kb = qkv + b * T * C3 + C + h * hs;
    float mx = NEG_INF;
    for (int j = threadIdx.x; j <= t; j += blockDim.x) {
        const float* k = kb + (long long)j * C3;
        float s = 0;
        for (int d = 0; d < hs; d++) s += qs[d] * k[d];
        s *= sc;
        a[j] = s;
        mx = fmaxf(mx, s);
    }
    mx = block_max(mx, red);
    float sum = 0;
    for (int j = threadIdx.x; j <= t; j += blockDim.x) {
        float e = expf(a[j] - mx);
        a[j] = e;
        sum += e;
    }
    sum = block_sum(sum, red);
    float inv = 1.0f / sum;
    for (int j = threadIdx.x; j < T; j += blockDim.x) a[j] = j <= t ? a[j] * inv : 0.0f;
    __syncthreads(); // the whole att row is written before any thread reads it
    const float* vb = qkv + b * T * C3 + 2 * C + h * hs;
    float* o = out + (b * T + t) * C + h * hs;
    for (int d = threadIdx.x; d < hs; d += blockDim.x) {
        float s = 0;
        for (int j = 0; j <= t; j++) s += a[j] * vb[(long long)j * C3 + d];
        o[d] = s;
    }
}

// attn_bwd_q: one block per (b, h, t) row. datt[j] = dout_t . v_j, then the
// softmax backward dpre = att * (datt - sum att*datt) into the scratch row
// (B,NH,T,T), then dq[b,t,h,:] += scale * dpre row * K. Shared memory: hs
// floats of dout and 32 for reductions.
extern "C" __global__ void attn_bwd_q(float* dqkv, float* dpre, const float* dout, const float* qkv, const float* att, int B, int T, int C, int NH) {
    DYNAMIC_SHARED(float, sh);
    int hs = C / NH, C3 = 3 * C;
    long long row = blockIdx.x;
    int t = (int)(row % T);
    long long bh = row / T;
    int h = (int)(bh % NH);
    long long b = bh / NH;
    float* gs = sh;
    float* red = sh + hs;
    const float* g = dout + (b * T + t) * C + h * hs;
    for (int d = threadIdx.x; d < hs; d += blockDim.x) gs[d] = g[d];
    __syncthreads();
    const float* a = att + row * T;
    float* dp = dpre + row * T;
    const float* vb = qkv + b * T * C3 + 2 * C + h * hs;
    float dot = 0;
    for (int j = threadIdx.x; j <= t; j += blockDim.x) {
        const float* v = vb + (long long)j * C3;
        float s = 0;
        for (int d = 0; d < hs; d++) s += gs[d] * v[d];
        dp[j] = s;
        dot += a[j] * s;
    }
    dot = block_sum(dot, red);
    for (int j = threadIdx.x; j <= t; j += blockDim.x) dp[j] = a[j] * (dp[j] - dot);
    __syncthreads();
    float sc = 1.0f / sqrtf((float)hs);
    const float* kb = qkv + b * T * C3 + C + h * hs;
    float* dq = dqkv + (b * T + t) * C3 + h * hs;
    for (int d = threadIdx.x; d < hs; d += blockDim.x) {
        float s = 0;
        for (int j = 0; j <= t; j++) s += dp[j] * kb[(long long)j * C3 + d];
        dq[d] += sc * s;
    }
}

// attn_bwd_kv: one block per (b, h, j) key position: dk_j += scale * sum_t
// dpre[t,j] q_t and dv_j += sum_t att[t,j] dout_t over t >= j. Each block
// owns its dk and dv rows, so no atomics.
extern "C" __global__ void attn_bwd_kv(float* dqkv, const float* dpre, const float* dout, const float* qkv, const float* att, int B, int T, int C, int NH) {
    int hs = C / NH, C3 = 3 * C;
    long long row = blockIdx.x;
    int j = (int)(row % T);
    long long bh = row / T;
    int h = (int)(bh % NH);
    long long b = bh / NH;
    float sc = 1.0f / sqrtf((float)hs);
    const float* dp = dpre + bh * T * T;
    const float* a = att + bh * T * T;
    const float* qb = qkv + b * T * C3 + h * hs;
    const float* gb = dout + b * T * C + h * hs;
    float* dk = dqkv + (b * T + j) * C3 + C + h * hs;
    float* dv = dqkv + (b * T + j) * C3 + 2 * C + h * hs;
    for (int d = threadIdx.x; d < hs; d += blockDim.x) {
        float sk = 0, sv = 0;
        for (int t = j; t < T; t++) {
            long long tj = (long long)t * T + j;
            sk += dp[tj] * qb[(long long)t * C3 + d];
            sv += a[tj] * gb[(long long)t * C + d];
        }
        dk[d] += sc * sk;
        dv[d] += sv;
    }
}

// kv_write copies each new token's k and v into the caches (R,NH,Tc,hs).
extern "C" __global__ void kv_write(float* kc, float* vc, const float* qkv, const int* rows, const int* pos, int N, int C, int NH, int Tc) {
    int hs = C / NH;
    GRID_STRIDE(i, (long long)N * C) {
        long long n = i / C;
        int rem = (int)(i % C), h = rem / hs, d = rem % hs;
        long long off = (((long long)rows[n] * NH + h) * Tc + pos[n]) * hs + d;
        kc[off] = qkv[n * 3 * C + C + rem];
        vc[off] = qkv[n * 3 * C + 2 * C + rem];
    }
}

// kv_attn: one block per (token i, head h); query i attends to cache
// positions 0..pos[i] of row rows[i]. scores is scratch (N,NH,Tc).
extern "C" __global__ void kv_attn(float* out, float* scores, const float* qkv, const float* kc, const float* vc, const int* rows, const int* pos, int N, int C, int NH, int Tc) {
    DYNAMIC_SHARED(float, sh);
    int hs = C / NH;
    long long blk = blockIdx.x;
    long long i = blk / NH;
    int h = (int)(blk % NH);
    int p = pos[i];
    float* qs = sh;
    float* red = sh + hs;
    const float* q = qkv + i * 3 * C + h * hs;
    for (int d = threadIdx.x; d < hs; d += blockDim.x) qs[d] = q[d];
    __syncthreads();
    float sc = 1.0f / sqrtf((float)hs);
    long long base = ((long long)rows[i] * NH + h) * Tc * hs;
    const float* kb = kc + base;
    const float* vb = vc + base;
    float* s = scores + blk * Tc;
    float mx = NEG_INF;
    for (int j = threadIdx.x; j <= p; j += blockDim.x) {
        const float* k = kb + (long long)j * hs;
        float acc = 0;
        for (int d = 0; d < hs; d++) acc += qs[d] * k[d];
        acc *= sc;
        s[j] = acc;
        mx = fmaxf(mx, acc);
    }
    mx = block_max(mx, red);
    float sum = 0;
    for (int j = threadIdx.x; j <= p; j += blockDim.x) {
        float e = expf(s[j] - mx);
        s[j] = e;
        sum += e;
    }
    sum = block_sum(sum, red);
    float inv = 1.0f / sum;
    __syncthreads();
    float* o = out + i * C + h * hs;
    for (int d = threadIdx.x; d < hs; d += blockDim.x) {
        float acc = 0;
        for (int j = 0; j <= p; j++) acc += s[j] * vb[(long long)j * hs + d];
        o[d] = acc * inv;
    }
}

// ---- softmax, log-probabilities, entropy ---------------------------------

// logsoftmax_fwd: one block per row of probs (N,V), in place.
extern "C" __global__ void logsoftmax_fwd(float* logp, float* ent, float* probs, const int* targets, int N, int V) {
    __shared__ float red[32];
    long long row = blockIdx.x;
    float* z = probs + row * V;
    int tg = targets[row];
    float tz = tg >= 0 ? z[tg] : 0.0f; // read before the row is overwritten
    float mx = NEG_INF;
    for (int j = threadIdx.x; j < V; j += blockDim.x) mx = fmaxf(mx, z[j]);
    mx = block_max(mx, red);
    float sum = 0, zs = 0;
    for (int j = threadIdx.x; j < V; j += blockDim.x) {
        float d = z[j] - mx, e = expf(d);
        sum += e;
        zs += e * d;
    }
    sum = block_sum(sum, red);
    zs = block_sum(zs, red);
    float lse = logf(sum), inv = 1.0f / sum;
    for (int j = threadIdx.x; j < V; j += blockDim.x) z[j] = expf(z[j] - mx) * inv;
    if (threadIdx.x == 0) {
        // H = -sum p (z - mx - lse) = lse - sum p (z - mx)
        ent[row] = lse - zs * inv;
        logp[row] = tg >= 0 ? tz - mx - lse : 0.0f;
    }
}

// logsoftmax_bwd: one block per row; dlogp and dent may be null.
extern "C" __global__ void logsoftmax_bwd(float* probs, const float* dlogp, const float* dent, const float* ent, const int* targets, int N, int V) {
    long long row = blockIdx.x;
    float* p = probs + row * V;
    int tg = targets[row];
    float gl = (tg >= 0 && dlogp) ? dlogp[row] : 0.0f;
    float ge = dent ? dent[row] : 0.0f;
    float H = ent[row];
    for (int j = threadIdx.x; j < V; j += blockDim.x) {
        float pj = p[j];
        float g = -gl * pj;
        if (ge != 0.0f && pj > 0.0f) g -= ge * pj * (logf(pj) + H);
        if (j == tg) g += gl;
        p[j] = g;
    }
}

// ---- optimiser -----------------------------------------------------------

// adamw: c1, c2 are the bias corrections 1-beta^t, computed on the host in
// double as the CPU backend does.
extern "C" __global__ void adamw(float* params, const float* grads, float* m, float* v, float lr, float beta1, float beta2, float eps, float wd, float c1, float c2, long long n) {
    GRID_STRIDE(i, n) {
        float g = grads[i];
        float mi = beta1 * m[i] + (1.0f - beta1) * g;
        float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        float mh = mi / c1, vh = vi / c2;
        params[i] -= lr * (mh / (sqrtf(vh) + eps) + wd * params[i]);
    }
}
