package nn

import (
	"github.com/rlvrworld/rlvrworld/gpu"
	"github.com/rlvrworld/rlvrworld/internal/hugepage"
)

// layerCache is one layer's decoding KV cache, laid out (R, NH, Tc, hs) so
// that each head's cached keys are contiguous rows of hs. Each precision
// is one implementation over the backend op that reads it, so the sampler
// holds one cache per layer whatever the precision.
type layerCache interface {
	// attend writes the N new tokens' keys and values (in qkv) into the
	// cache and computes their attention into y: gpu.Backend.AttentionKV's
	// contract in the cache's precision.
	attend(y, qkv []float32, rows, pos []int32, N, C, NH, Tc int)
	// free gives the cache's memory back through f, the backend's Free.
	free(f func([]float32))
	// copyPrefix copies positions [0,n) of row src to row dst, every head
	// (host memory only: see sharesPrefixes).
	copyPrefix(dst, src, n, NH, Tc, hs int)
	// bytes is the cache's size in memory.
	bytes() int
}

// reuseLayerCache is newLayerCache that takes its memory from prev (a
// host cache of an earlier sampler, or nil) where prev has the same
// precision and room enough; a buffer that must grow is allocated as
// kvBuffer allocates host buffers.
func reuseLayerCache(prev layerCache, be gpu.Backend, kv KVPrecision, R, Tc, C, NH int) layerCache {
	n, ns := R*Tc*C, R*NH*Tc
	mk32 := func(k int) []float32 { return make([]float32, k) }
	switch c := prev.(type) {
	case *f32Cache:
		if kv == KVFloat32 {
			return &f32Cache{be: be, k: reuse(c.k, n, hugepage.Make[float32]), v: reuse(c.v, n, hugepage.Make[float32])}
		}
	case *halfCache:
		if kv == KVFloat16 {
			return &halfCache{be: be, op: c.op, k: reuse(c.k, n, hugepage.Make[uint16]), v: reuse(c.v, n, hugepage.Make[uint16])}
		}
	case *int8Cache:
		if kv == KVInt8 {
			return &int8Cache{op: c.op, k: reuse(c.k, n, hugepage.Make[int8]), v: reuse(c.v, n, hugepage.Make[int8]),
				ks: reuse(c.ks, ns, mk32), vs: reuse(c.vs, ns, mk32)}
		}
	case *mixedCache:
		if kv == KVK8V16 {
			return &mixedCache{be: be, op: c.op, k: reuse(c.k, n, hugepage.Make[int8]), v: reuse(c.v, n, hugepage.Make[uint16]),
				ks: reuse(c.ks, ns, mk32)}
		}
	}
	return newLayerCache(be, kv, R, Tc, C, NH)
}

// kvBuffer allocates one key or value buffer of a cache, n elements: with
// the backend's alloc, or on a host backend (sharesPrefixes: its buffers
// are Go memory) with hugepage.Make. Decoding streams the whole cache from
// memory every step, and on 4 KiB pages every page is a TLB miss; Linux
// backs memory with huge pages only where asked.
func kvBuffer[E any](be gpu.Backend, alloc func(int) []E, n int) []E {
	if sharesPrefixes(be) {
		return hugepage.Make[E](n)
	}
	return alloc(n)
}

// copyRowPrefix copies positions [0,n) of row src to row dst in a cache
// buffer laid out (R, NH, Tc, w) with w elements per position.
func copyRowPrefix[E any](c []E, dst, src, n, NH, Tc, w int) {
	for h := 0; h < NH; h++ {
		d, s := (dst*NH+h)*Tc*w, (src*NH+h)*Tc*w
		copy(c[d:d+n*w], c[s:s+n*w])
	}
}

// newLayerCache allocates a cache of precision kv for R rows of Tc
// positions; checkSample has made sure the backend has the op it needs.
func newLayerCache(be gpu.Backend, kv KVPrecision, R, Tc, C, NH int) layerCache {
	n := R * Tc * C
	switch kv {
	case KVFloat16:
		h := be.(gpu.HalfKV)
		return &halfCache{be: be, op: h, k: kvBuffer(be, h.AllocHalf, n), v: kvBuffer(be, h.AllocHalf, n)}
	case KVInt8:
		q := be.(gpu.Int8KV)
		return &int8Cache{op: q, k: kvBuffer(be, q.AllocInt8, n), v: kvBuffer(be, q.AllocInt8, n),
			ks: be.Alloc(R * NH * Tc), vs: be.Alloc(R * NH * Tc)}
	case KVK8V16:
		x := be.(gpu.MixedKV)
		return &mixedCache{be: be, op: x, k: kvBuffer(be, x.AllocInt8, n), v: kvBuffer(be, x.AllocHalf, n), ks: be.Alloc(R * NH * Tc)}
	}
	return &f32Cache{be: be, k: kvBuffer(be, be.Alloc, n), v: kvBuffer(be, be.Alloc, n)}
}

// f32Cache keeps keys and values as computed (KVFloat32).
type f32Cache struct {
	be   gpu.Backend
	k, v []float32
}

func (c *f32Cache) attend(y, qkv []float32, rows, pos []int32, N, C, NH, Tc int) {
	c.be.AttentionKV(y, qkv, c.k, c.v, rows, pos, N, C, NH, Tc)
}

func (c *f32Cache) free(f func([]float32)) { f(c.k); f(c.v) }

func (c *f32Cache) bytes() int { return 4 * (cap(c.k) + cap(c.v)) }

func (c *f32Cache) copyPrefix(dst, src, n, NH, Tc, hs int) {
	copyRowPrefix(c.k, dst, src, n, NH, Tc, hs)
	copyRowPrefix(c.v, dst, src, n, NH, Tc, hs)
}

// halfCache keeps float16 bit patterns (KVFloat16).
type halfCache struct {
	be   gpu.Backend
	op   gpu.HalfKV
	k, v []uint16
}

func (c *halfCache) attend(y, qkv []float32, rows, pos []int32, N, C, NH, Tc int) {
	c.op.AttentionKVHalf(y, qkv, c.k, c.v, rows, pos, N, C, NH, Tc)
}

func (c *halfCache) copyPrefix(dst, src, n, NH, Tc, hs int) {
	copyRowPrefix(c.k, dst, src, n, NH, Tc, hs)
	copyRowPrefix(c.v, dst, src, n, NH, Tc, hs)
}

func (c *halfCache) bytes() int { return 2 * (cap(c.k) + cap(c.v)) }

func (c *halfCache) free(func([]float32)) {
	if fh, ok := c.be.(interface{ FreeHalf([]uint16) }); ok {
		fh.FreeHalf(c.k)
		fh.FreeHalf(c.v)
	}
}

// int8Cache keeps int8 values with one scale per cached vector (KVInt8).
type int8Cache struct {
	op     gpu.Int8KV
	k, v   []int8
	ks, vs []float32 // (R, NH, Tc)
}

func (c *int8Cache) attend(y, qkv []float32, rows, pos []int32, N, C, NH, Tc int) {
	c.op.AttentionKVInt8(y, qkv, c.k, c.v, c.ks, c.vs, rows, pos, N, C, NH, Tc)
}

func (c *int8Cache) free(f func([]float32)) { f(c.ks); f(c.vs) }

func (c *int8Cache) bytes() int { return cap(c.k) + cap(c.v) + 4*(cap(c.ks)+cap(c.vs)) }

func (c *int8Cache) copyPrefix(dst, src, n, NH, Tc, hs int) {
	copyRowPrefix(c.k, dst, src, n, NH, Tc, hs)
	copyRowPrefix(c.v, dst, src, n, NH, Tc, hs)
	copyRowPrefix(c.ks, dst, src, n, NH, Tc, 1)
	copyRowPrefix(c.vs, dst, src, n, NH, Tc, 1)
}

// mixedCache keeps int8 keys with one scale per cached vector and float16
// values (KVK8V16).
type mixedCache struct {
	be gpu.Backend
	op gpu.MixedKV
	k  []int8
	v  []uint16
	ks []float32 // (R, NH, Tc)
}

func (c *mixedCache) attend(y, qkv []float32, rows, pos []int32, N, C, NH, Tc int) {
	c.op.AttentionKVMixed(y, qkv, c.k, c.v, c.ks, rows, pos, N, C, NH, Tc)
}

func (c *mixedCache) bytes() int { return cap(c.k) + 2*cap(c.v) + 4*cap(c.ks) }

func (c *mixedCache) free(f func([]float32)) {
	f(c.ks)
	if fh, ok := c.be.(interface{ FreeHalf([]uint16) }); ok {
		fh.FreeHalf(c.v)
	}
}

func (c *mixedCache) copyPrefix(dst, src, n, NH, Tc, hs int) {
	copyRowPrefix(c.k, dst, src, n, NH, Tc, hs)
	copyRowPrefix(c.v, dst, src, n, NH, Tc, hs)
	copyRowPrefix(c.ks, dst, src, n, NH, Tc, 1)
}

// sharesPrefixes reports whether rows may copy cached prefixes from one
// another on the host: true for backends whose buffers are host memory
// (those without a Free; CUDA's are device memory).
func sharesPrefixes(be gpu.Backend) bool {
	_, device := be.(interface{ Free([]float32) })
	return !device
}
