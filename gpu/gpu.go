package gpu

import (
	"fmt"
	"os"
	"sort"
	"sync"
)

// Backend is the set of hot operations of a GPT-style decoder. Buffers are
// float32 slices obtained from Alloc; integer token ids are int32 slices.
// Operations that "accumulate" add into their output (+=); the others
// overwrite it. Every method may run asynchronously; Sync waits for all.
//
// Methods panic on inconsistent sizes: a shape mismatch is a programming
// error of the caller, and the model checks user input before it gets here.
// The buffers of one call never overlap (callers guarantee it), so a
// backend may read and write them in any order. Methods are safe for
// concurrent use on disjoint buffers.
type Backend interface {
	// Name identifies the backend, e.g. "cpu/openblas".
	Name() string
	// Alloc returns a zeroed buffer of n float32s usable by every method.
	Alloc(n int) []float32
	// Sync waits until all issued operations are done and their results are
	// visible to the host.
	Sync()

	// Gemm computes C = alpha*op(A)*op(B) + beta*C with row-major matrices:
	// op(A) is (m,k), op(B) is (k,n), C is (m,n); op(X) is X or its transpose.
	// lda, ldb, ldc are the row strides of A, B, C as stored.
	Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

	// Zero sets x to 0.
	Zero(x []float32)
	// Accumulate does dst += src.
	Accumulate(dst, src []float32)
	// Add does out = a + b (the residual connection).
	Add(out, a, b []float32)
	// Scale does x *= s.
	Scale(x []float32, s float32)
	// SumSquares returns the sum of x[i]^2, accumulated in float64.
	SumSquares(x []float32) float64

	// EmbedForward: out (B*T,C) = wte[tok] + wpe[t]; tokens (B*T), wte (V,C), wpe (maxT,C).
	EmbedForward(out []float32, tokens []int32, wte, wpe []float32, B, T, C int)
	// EmbedBackward accumulates dwte[tok] += dout and dwpe[t] += dout.
	EmbedBackward(dwte, dwpe, dout []float32, tokens []int32, B, T, C int)

	// BiasForward does out (N,OC) += bias (OC) on every row.
	BiasForward(out, bias []float32, N, OC int)
	// BiasBackward accumulates dbias (OC) += column sums of dout (N,OC).
	BiasBackward(dbias, dout []float32, N, OC int)

	// LayerNormForward: out (N,C) = (inp-mean)*rstd*weight + bias, and saves
	// mean (N) and rstd (N) for the backward pass.
	LayerNormForward(out, mean, rstd, inp, weight, bias []float32, N, C int)
	// LayerNormBackward accumulates dinp (N,C), dweight (C), dbias (C).
	LayerNormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd []float32, N, C int)

	// GeluForward: out = gelu(inp) with the tanh approximation (GPT-2).
	GeluForward(out, inp []float32)
	// GeluBackward accumulates dinp += gelu'(inp) * dout.
	GeluBackward(dinp, inp, dout []float32)

	// AttentionForward is causal multi-head self-attention.
	// qkv (B,T,3C) holds q, k, v side by side per position, each (NH,hs) with
	// hs = C/NH. out (B,T,C) is the heads' outputs concatenated; att
	// (B,NH,T,T) saves the softmax probabilities (zero above the diagonal).
	AttentionForward(out, att, qkv []float32, B, T, C, NH int)
	// AttentionBackward accumulates dqkv (B,T,3C) from dout (B,T,C), using
	// the saved qkv and att.
	AttentionBackward(dqkv, dout, qkv, att []float32, B, T, C, NH int)

	// AttentionKV is causal attention for incremental decoding with a KV
	// cache. Query i belongs to cache row rows[i] at position pos[i]; the
	// tokens of one row come consecutively and in position order. qkv
	// (N,3C) holds the new tokens' q, k, v. The op first writes each token's
	// k and v into kc and vc, each (R,NH,Tc,hs), at (rows[i], head, pos[i]),
	// then query i attends to positions 0..pos[i] of its row; out is (N,C).
	AttentionKV(out, qkv, kc, vc []float32, rows, pos []int32, N, C, NH, Tc int)

	// LogSoftmaxForward turns logits (N,V) into probabilities in place and
	// writes logp[i] = log p(target[i]) and entropy[i] = -sum p log p per
	// row. Rows whose target is negative get logp 0 (entropy is still set).
	LogSoftmaxForward(logp, entropy, probs []float32, targets []int32, N, V int)
	// LogSoftmaxBackward overwrites probs (N,V) with the gradient of
	// sum_i dlogp[i]*logp[i] + dentropy[i]*entropy[i] with respect to the
	// logits. dentropy may be nil. Rows with negative targets take no dlogp.
	LogSoftmaxBackward(probs, dlogp, dentropy, entropy []float32, targets []int32, N, V int)

	// AdamW updates params in place with the decoupled weight decay wd, the
	// bias corrections for step t (1-based), and grads already scaled by the
	// caller (clipping). m and v are the moment buffers.
	AdamW(params, grads, m, v []float32, lr, beta1, beta2, eps, wd float32, t int)
}

// Linear is implemented by backends with a fused linear layer: out (N,OC)
// = inp (N,IC) w^T + bias on every row, for w (OC,IC), bias (OC) or nil.
// The result is the bits of Gemm (beta 0) followed by BiasForward; a
// backend implements it where it saves a pass over out, not for other
// rounding.
type Linear interface {
	LinearForward(out, inp, w, bias []float32, N, IC, OC int)
}

// ScaledAdamW is implemented by backends that fold gradient clipping into
// the AdamW pass: AdamWScaled has the bits of Scale(grads, gradScale)
// followed by AdamW (grads are left scaled, as Scale leaves them), in one
// pass over the buffers instead of two.
type ScaledAdamW interface {
	AdamWScaled(params, grads, m, v []float32, gradScale, lr, beta1, beta2, eps, wd float32, t int)
}

// GeluInPlace is implemented by backends whose GELU backward can
// overwrite the gradient it reads: GeluBackwardInPlace sets d =
// gelu'(inp) * d, with the bits GeluBackward gives into a zeroed buffer
// (0 + gelu'(inp)*d), but without that buffer or the pass that zeroes it.
type GeluInPlace interface {
	GeluBackwardInPlace(d, inp []float32)
}

// PackedRow is one row of a packed batch (Packed): its own tokens are
// contiguous, without padding, and its leading positions may be another
// row's. Positions 0..Shared-1 are those of the group's lead row (rows[Lead],
// whose Shared is 0 and whose own tokens cover them); the row's own tokens
// are positions Shared..Shared+Len-1, at Off..Off+Len-1 of the packed
// layout. A group (a lead and the rows that share with it) is contiguous.
type PackedRow struct {
	Off, Len int
	Shared   int
	Lead     int
	// Att is where the row's attention probabilities begin: NH blocks of
	// Len x (Shared+Len), one per head.
	Att int
}

// Packed is implemented by backends that can train on packed batches:
// rows without their padding, and rows that begin alike (GRPO's G
// rollouts of one prompt) computing their common positions once, in the
// group's lead row. The gradients are Forward's over the full rows up to
// float32 rounding, when nothing is asked of the shared positions of the
// rows that share them (their loss is the lead's business).
type Packed interface {
	// EmbedForwardAt is EmbedForward with each token's position given:
	// out (N,C) = wte[tokens[i]] + wpe[pos[i]].
	EmbedForwardAt(out []float32, tokens, pos []int32, wte, wpe []float32, N, C int)
	// EmbedBackwardAt accumulates EmbedForwardAt's gradients into dwte and dwpe.
	EmbedBackwardAt(dwte, dwpe, dout []float32, tokens, pos []int32, N, C int)
	// AttentionForwardPacked is AttentionForward over a packed layout: qkv
	// (N,3C) and out (N,C) hold the rows' own tokens; a row's queries
	// attend to its lead's keys and values at the shared positions, then to
	// its own causally. att saves the probabilities at each row's Att.
	AttentionForwardPacked(out, att, qkv []float32, rows []PackedRow, C, NH int)
	// AttentionBackwardPacked accumulates dqkv (N,3C) from dout (N,C); the
	// keys and values of a lead's shared positions get the gradients of
	// every row that reads them.
	AttentionBackwardPacked(dqkv, dout, qkv, att []float32, rows []PackedRow, C, NH int)
}

// HalfKV is implemented by backends that can keep the decoding KV cache in
// IEEE 754 half precision (float16). Decoding a long sequence is bound by
// reading the cache, so half the bytes is close to half the time at long
// positions; the price is keys and values rounded to 11 significant bits.
// The sampler uses it only when asked (nn.SampleOptions.KV).
type HalfKV interface {
	// AllocHalf returns a zeroed buffer of n float16 values (bit patterns).
	AllocHalf(n int) []uint16
	// AttentionKVHalf is AttentionKV with kc and vc holding float16 bit
	// patterns: the new keys and values are rounded to nearest even as they
	// are written, and the attention is exact over the rounded cache up to
	// float32 arithmetic.
	AttentionKVHalf(out, qkv []float32, kc, vc []uint16, rows, pos []int32, N, C, NH, Tc int)
}

// Int8KV is implemented by backends that can keep the decoding KV cache as
// 8-bit integers with one float32 scale per cached vector (one position of
// one head): a quarter of float32's bytes, about half of float16's with the
// scales, for a coarser rounding (a step of max|x|/127 within each vector).
// The sampler uses it only when asked (nn.SampleOptions.KV).
type Int8KV interface {
	// AllocInt8 returns a zeroed buffer of n int8 values.
	AllocInt8(n int) []int8
	// AttentionKVInt8 is AttentionKV with kc and vc holding int8 values and
	// ks and vs, each (R,NH,Tc) from Alloc, their scales. Each new token's
	// key (and value) of head h is written as s = max|x|/127 and
	// q[j] = x[j]/s rounded to nearest even, both in float32 (s = 0 and
	// q = 0 for an all-zero vector); the attention is then exact over the
	// dequantized cache q*s up to float32 arithmetic, except that for the
	// scores a backend may round each query to 16-bit integers against
	// its own scale max|q|/32767: an error of at most 2^-16 of max|q| per
	// element, a small fraction of the keys' own rounding, which lets the
	// scores be integer dot products.
	AttentionKVInt8(out, qkv []float32, kc, vc []int8, ks, vs []float32, rows, pos []int32, N, C, NH, Tc int)
}

// MixedKV is implemented by backends that can keep the decoding KV cache
// with keys as Int8KV keeps them (8-bit integers, a float32 scale per
// cached vector) and values as HalfKV keeps them (float16): about three
// quarters of float16's bytes. The two halves are not rounded alike on
// purpose: an error in a value reaches the attention's output directly,
// while an error in a key moves a score, which the softmax damps, so int8
// values cost about ten times the log-probability error of int8 keys.
// The sampler uses it only when asked (nn.SampleOptions.KV).
type MixedKV interface {
	// AllocInt8 returns a zeroed buffer of n int8 values.
	AllocInt8(n int) []int8
	// AllocHalf returns a zeroed buffer of n float16 values (bit patterns).
	AllocHalf(n int) []uint16
	// AttentionKVMixed is AttentionKV with kc holding int8 keys and ks,
	// (R,NH,Tc) from Alloc, their scales, written by Int8KV's rule (the
	// query may be rounded to 16 bits for the scores as Int8KV allows), and
	// vc holding the values as float16 bit patterns, rounded to nearest
	// even as HalfKV writes them. The attention is exact over the rounded
	// cache up to float32 arithmetic.
	AttentionKVMixed(out, qkv []float32, kc []int8, vc []uint16, ks []float32, rows, pos []int32, N, C, NH, Tc int)
}

var (
	mu        sync.Mutex
	factories = map[string]func() (Backend, error){}
	current   Backend
)

// Register makes a backend available under name; backends call it from init.
func Register(name string, factory func() (Backend, error)) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[name]; dup {
		panic("gpu: backend registered twice: " + name)
	}
	factories[name] = factory
}

// Names lists the registered backends.
func Names() []string {
	mu.Lock()
	defer mu.Unlock()
	var out []string
	for n := range factories {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Open creates the backend registered under name.
func Open(name string) (Backend, error) {
	mu.Lock()
	f, ok := factories[name]
	mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("gpu: no backend %q (registered: %v)", name, Names())
	}
	b, err := f()
	if err != nil {
		return nil, fmt.Errorf("gpu: open backend %q: %w", name, err)
	}
	return b, nil
}

// Default returns the process-wide backend, chosen once at first use: the one
// named by the environment variable RLVR_BACKEND when set, else "cuda" when
// registered and usable, else "cpu".
func Default() (Backend, error) {
	mu.Lock()
	if current != nil {
		b := current
		mu.Unlock()
		return b, nil
	}
	mu.Unlock()
	var b Backend
	var err error
	if name := os.Getenv("RLVR_BACKEND"); name != "" {
		b, err = Open(name)
	} else {
		b, err = Open("cuda")
		if err != nil {
			b, err = Open("cpu")
		}
	}
	if err != nil {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	if current == nil {
		current = b
	}
	return current, nil
}

// SetDefault replaces the process-wide backend (tests, benchmarks).
func SetDefault(b Backend) {
	mu.Lock()
	defer mu.Unlock()
	current = b
}
