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
	for _, kind := range []struct {
		name     string
		rowBytes int // a position's key and value, scales included
		fused    bool
	}{{"float32", 8 * hs, fusedDecode}, {"float16", 4 * hs, fusedHalf}, {"int8", 2*hs + 8, fusedDecode},
		{"k8v16", 3*hs + 4, fusedHalf}} {
		for _, c := range []struct {
			name    string
			T, rows int
		}{{"cached", 64, 1}, {"cached", 512, 1}, {"dram", 512, 1024}} {
			b.Run(fmt.Sprintf("%s/T%d/%s", c.name, c.T, kind.name), func(b *testing.B) {
				if !kind.fused {
					b.Skip("no fused kernel for this cache on this machine or build")
				}
				n := c.rows * c.T * hs
				var k, v []float32
				var kh, vh []uint16
				var k8, v8 []int8
				var ks, vs []float32
				switch kind.name {
				case "float32":
					k, v = make([]float32, n), make([]float32, n)
					for i := range k {
						k[i], v[i] = float32(i%7)*0.1, float32(i%5)*0.1
					}
				case "float16":
					kh, vh = make([]uint16, n), make([]uint16, n)
					for i := range kh {
						kh[i], vh[i] = 0x2e66, 0x3266 // 0.1, 0.2
					}
				case "k8v16":
					k8, vh = make([]int8, n), make([]uint16, n)
					ks = make([]float32, n/hs)
					for i := range k8 {
						k8[i], vh[i] = int8(i%7*18), 0x3266
					}
					for i := range ks {
						ks[i] = 0.6 / 127
					}
				case "int8":
					k8, v8 = make([]int8, n), make([]int8, n)
					ks, vs = make([]float32, n/hs), make([]float32, n/hs)
					for i := range k8 {
						k8[i], v8[i] = int8(i%7*18), int8(i%5*25)
					}
					for i := range ks {
						ks[i], vs[i] = 0.6/127, 0.4/127
					}
				}
				q, out, sc := make([]float32, hs), make([]float32, hs), make([]float32, c.T)
				for i := range q {
					q[i] = 0.05
				}
				b.SetBytes(int64(c.T * kind.rowBytes))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					o := (i % c.rows) * c.T * hs
					switch kind.name {
					case "float32":
						attnDecode(q, k[o:], v[o:], c.T, hs, 0.125, out, sc, nil)
					case "float16":
						attnDecodeHalf(q, kh[o:], vh[o:], c.T, hs, 0.125, out, sc, nil)
					case "int8":
						attnDecodeInt8(q, k8[o:], v8[o:], ks[o/hs:], vs[o/hs:], c.T, hs, 0.125, out, sc, nil)
					case "k8v16":
						attnDecodeK8V16(q, k8[o:], vh[o:], ks[o/hs:], c.T, hs, 0.125, out, sc, nil)
					}
				}
			})
		}
	}
}
