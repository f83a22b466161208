package cpu

import (
	"fmt"
	"testing"
)

// BenchmarkAttnDecode times the fused decode attention of one query over T
// cached positions (hs 64), single-threaded, cycling over enough (row,
// head) caches that they come from memory ("dram") or over one that stays
// in cache ("cached"), and reports the cache bytes read per second: the
// gap between the two is how far decoding is from compute-bound.
func BenchmarkAttnDecode(b *testing.B) {
	const hs = 64
	for _, half := range []bool{false, true} {
		for _, c := range []struct {
			name    string
			T, rows int
		}{{"cached", 64, 1}, {"dram", 512, 1024}} {
			name := fmt.Sprintf("%s/T%d/float32", c.name, c.T)
			size := 4
			if half {
				name, size = fmt.Sprintf("%s/T%d/float16", c.name, c.T), 2
			}
			b.Run(name, func(b *testing.B) {
				n := c.rows * c.T * hs
				k, v := make([]float32, n), make([]float32, n)
				kh, vh := make([]uint16, n), make([]uint16, n)
				for i := range k {
					k[i], v[i] = float32(i%7)*0.1, float32(i%5)*0.1
					kh[i], vh[i] = 0x2e66, 0x3266 // 0.1, 0.2
				}
				q, out, sc := make([]float32, hs), make([]float32, hs), make([]float32, c.T)
				for i := range q {
					q[i] = 0.05
				}
				if (half && !fusedHalf) || !fusedDecode {
					b.Skip("no fused kernel for this cache on this machine or build")
				}
				b.SetBytes(int64(2 * c.T * hs * size))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					o := (i % c.rows) * c.T * hs
					if half {
						attnDecodeHalf(q, kh[o:], vh[o:], c.T, hs, 0.125, out, sc)
					} else {
						attnDecode(q, k[o:], v[o:], c.T, hs, 0.125, out, sc)
					}
				}
			})
		}
	}
}
