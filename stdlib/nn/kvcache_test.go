package nn

import (
	"testing"
	"unsafe"

	"github.com/rlvrworld/rlvrworld/internal/hugepage"
)

// TestHostKVCachesOnHugePages: on a host backend every precision's key and
// value buffers come from hugepage.Make, freshly allocated or grown from an
// earlier sampler's smaller cache: a buffer spanning huge pages starts on a
// huge page boundary, which plain make does not promise.
func TestHostKVCachesOnHugePages(t *testing.T) {
	m := randomModel(t, Config{Vocab: 16, MaxSeq: 8, Layers: 1, Dim: 8, Heads: 2, Seed: 1})
	if !sharesPrefixes(m.be) {
		t.Fatalf("backend %s: want a host backend", m.Backend())
	}
	const R, Tc, C, NH = 8, 1024, 256, 4 // 2 Mi elements a buffer
	for _, kv := range kvPrecisions {
		small := newLayerCache(m.be, kv, 1, 8, C, NH)
		for what, c := range map[string]layerCache{
			"new":   newLayerCache(m.be, kv, R, Tc, C, NH),
			"grown": reuseLayerCache(small, m.be, kv, R, Tc, C, NH),
		} {
			for i, p := range kvBuffers(c) {
				if uintptr(p)%hugepage.Size != 0 {
					t.Errorf("%v %s cache: buffer %d at %p, not on a huge page boundary", kv, what, i, p)
				}
			}
		}
	}
}

// kvBuffers is the first element's address of a cache's key and value
// buffers.
func kvBuffers(c layerCache) []unsafe.Pointer {
	switch c := c.(type) {
	case *f32Cache:
		return []unsafe.Pointer{unsafe.Pointer(&c.k[0]), unsafe.Pointer(&c.v[0])}
	case *halfCache:
		return []unsafe.Pointer{unsafe.Pointer(&c.k[0]), unsafe.Pointer(&c.v[0])}
	case *int8Cache:
		return []unsafe.Pointer{unsafe.Pointer(&c.k[0]), unsafe.Pointer(&c.v[0])}
	case *mixedCache:
		return []unsafe.Pointer{unsafe.Pointer(&c.k[0]), unsafe.Pointer(&c.v[0])}
	}
	panic("unknown cache type")
}
