package tok

// The patch codebook: a k-means vector quantiser over square RGB patches,
// the frame tokenizer of the robot video task (a small stand-in for the
// learned VQ tokenizer of iVideoGPT).
//
// Frames are RGB bytes, row-major and interleaved (pix[(y*w+x)*3+c]). A frame
// of w x h pixels becomes (w/P)*(h/P) tokens in raster order of its patches,
// each the index of the nearest codebook vector under squared error.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
)

// Codebook is a learned set of K patch vectors. Vectors holds K rows of
// Dim() = Patch*Patch*3 values in [0, 1], in the pixel order of a patch
// (row-major, RGB interleaved). A zero Codebook is not usable: build one with
// TrainCodebook, NewCodebook, ReadCodebook or LoadCodebook. A codebook is
// read-only once built, so any number of goroutines may encode and decode.
type Codebook struct {
	K       int
	Patch   int
	Vectors []float32
	// norms caches the squared norm of each vector for fast nearest search.
	norms []float32
}

// CodebookOptions configures TrainCodebook. Zero fields take the defaults.
type CodebookOptions struct {
	// K is the number of codebook vectors (default 256).
	K int
	// Patch is the patch side in pixels (default 4).
	Patch int
	// Iters is the number of Lloyd iterations after k-means++ (default 12).
	Iters int
	// Seed seeds k-means++ initialisation.
	Seed uint64
	// SqrtWeights weighs each distinct patch by the square root of its count
	// instead of the count: no longer exact k-means on all patches, but rare
	// patches (object edges, overlaps) get more codes, at the cost of
	// frequent ones that are already nearly exact.
	SqrtWeights bool
	// Workers is how many goroutines share each iteration (default 2). The
	// result does not depend on it: work is split into fixed chunks and the
	// partial sums are combined in chunk order.
	Workers int
}

// CodebookStats reports how training went.
type CodebookStats struct {
	Patches       int     // patches seen
	UniquePatches int     // distinct patches (k-means runs on these, weighted)
	Iters         int     // Lloyd iterations run
	MSE           float64 // reconstruction mean squared error per value, in [0,1] units
	PSNR          float64 // the same as PSNR in dB (capped at 100)
}

// NewCodebook wraps vectors (K rows of patch*patch*3 values in [0,1]) into a
// codebook.
func NewCodebook(patch int, vectors []float32) (*Codebook, error) {
	if patch <= 0 || patch > 64 {
		return nil, fmt.Errorf("tok: codebook patch size %d out of range 1..64", patch)
	}
	dim := patch * patch * 3
	if len(vectors) == 0 || len(vectors)%dim != 0 {
		return nil, fmt.Errorf("tok: codebook has %d values, not a positive multiple of %d", len(vectors), dim)
	}
	for i, v := range vectors {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("tok: codebook value %d is %v, outside [0,1]", i, v)
		}
	}
	c := &Codebook{K: len(vectors) / dim, Patch: patch, Vectors: vectors}
	c.cacheNorms()
	return c, nil
}

// Dim is the length of one codebook vector.
func (c *Codebook) Dim() int { return c.Patch * c.Patch * 3 }

// TokensPerFrame is how many tokens a w x h frame becomes.
func (c *Codebook) TokensPerFrame(w, h int) int { return (w / c.Patch) * (h / c.Patch) }

func (c *Codebook) cacheNorms() {
	d := c.Dim()
	c.norms = make([]float32, c.K)
	for k := 0; k < c.K; k++ {
		var s float32
		for _, v := range c.Vectors[k*d : (k+1)*d] {
			s += v * v
		}
		c.norms[k] = s
	}
}

func (c *Codebook) checkFrame(n, w, h int) error {
	if c == nil || c.K == 0 || c.Patch <= 0 {
		return errors.New("tok: empty codebook")
	}
	if len(c.norms) != c.K || len(c.Vectors) != c.K*c.Dim() {
		// Filling norms here would race with concurrent encoders.
		return errors.New("tok: codebook not initialised: build it with NewCodebook (also after changing Vectors)")
	}
	if w <= 0 || h <= 0 || w%c.Patch != 0 || h%c.Patch != 0 {
		return fmt.Errorf("tok: frame %dx%d is not a multiple of the %d-pixel patch", w, h, c.Patch)
	}
	if n != w*h*3 {
		return fmt.Errorf("tok: frame has %d bytes, want %d for %dx%d RGB", n, w*h*3, w, h)
	}
	return nil
}

// patchAt copies the patch at patch column px, row py of an RGB frame into
// dst as floats in [0,1].
func patchAt(pix []uint8, w, p, px, py int, dst []float32) {
	i := 0
	for y := 0; y < p; y++ {
		row := ((py*p+y)*w + px*p) * 3
		for _, b := range pix[row : row+p*3] {
			dst[i] = float32(b) * (1.0 / 255)
			i++
		}
	}
}

// nearest returns the index of the codebook vector closest to x and the
// squared distance. ||x-c||^2 = ||x||^2 - 2x.c + ||c||^2; ||x||^2 is the
// same for every c, so it is added only to the returned distance.
func (c *Codebook) nearest(x []float32) (int, float32) {
	d := c.Dim()
	var xx float32
	for _, v := range x {
		xx += v * v
	}
	best, bestD := 0, float32(math.MaxFloat32)
	for k := 0; k < c.K; k++ {
		v := c.Vectors[k*d : k*d+d]
		var dot float32
		for i, xi := range x {
			dot += xi * v[i]
		}
		if dd := c.norms[k] - 2*dot; dd < bestD {
			best, bestD = k, dd
		}
	}
	if bestD += xx; bestD < 0 {
		bestD = 0
	}
	return best, bestD
}

// Encode returns the tokens of a w x h RGB frame, one per patch in raster
// order.
func (c *Codebook) Encode(pix []uint8, w, h int) ([]int, error) {
	if err := c.checkFrame(len(pix), w, h); err != nil {
		return nil, err
	}
	p := c.Patch
	nx, ny := w/p, h/p
	out := make([]int, 0, nx*ny)
	buf := make([]float32, c.Dim())
	for py := 0; py < ny; py++ {
		for px := 0; px < nx; px++ {
			patchAt(pix, w, p, px, py, buf)
			k, _ := c.nearest(buf)
			out = append(out, k)
		}
	}
	return out, nil
}

// DecodeFloat writes the frame that tokens decode to into dst (w*h*3 floats
// in [0,1], RGB interleaved), allocating it when dst is too short, and
// returns it. Tokens outside [0,K) or a wrong count give an error.
func (c *Codebook) DecodeFloat(tokens []int, w, h int, dst []float32) ([]float32, error) {
	if err := c.checkFrame(w*h*3, w, h); err != nil {
		return nil, err
	}
	p := c.Patch
	nx, ny := w/p, h/p
	if len(tokens) != nx*ny {
		return nil, fmt.Errorf("tok: %d tokens, want %d for a %dx%d frame", len(tokens), nx*ny, w, h)
	}
	if len(dst) < w*h*3 {
		dst = make([]float32, w*h*3)
	}
	dst = dst[:w*h*3]
	d := c.Dim()
	for i, t := range tokens {
		if t < 0 || t >= c.K {
			return nil, fmt.Errorf("tok: token %d at position %d outside the codebook [0,%d)", t, i, c.K)
		}
		v := c.Vectors[t*d : t*d+d]
		px, py := i%nx, i/nx
		for y := 0; y < p; y++ {
			row := ((py*p+y)*w + px*p) * 3
			copy(dst[row:row+p*3], v[y*p*3:(y+1)*p*3])
		}
	}
	return dst, nil
}

// Decode returns the RGB bytes of the frame that tokens decode to.
func (c *Codebook) Decode(tokens []int, w, h int) ([]uint8, error) {
	f, err := c.DecodeFloat(tokens, w, h, nil)
	if err != nil {
		return nil, err
	}
	out := make([]uint8, len(f))
	for i, v := range f {
		out[i] = uint8(math.Round(float64(v) * 255))
	}
	return out, nil
}

// ReconstructionError encodes and decodes frames and returns the mean
// squared error per value (in [0,1] units) and the PSNR in dB, capped at
// 100 for a perfect reconstruction.
func (c *Codebook) ReconstructionError(frames [][]uint8, w, h int) (mse, psnr float64, err error) {
	var sum float64
	var n int
	for fi, f := range frames {
		if err := c.checkFrame(len(f), w, h); err != nil {
			return 0, 0, fmt.Errorf("frame %d: %w", fi, err)
		}
		p := c.Patch
		buf := make([]float32, c.Dim())
		for py := 0; py < h/p; py++ {
			for px := 0; px < w/p; px++ {
				patchAt(f, w, p, px, py, buf)
				_, d := c.nearest(buf)
				sum += float64(d)
				n += len(buf)
			}
		}
	}
	if n == 0 {
		return 0, 0, errors.New("tok: no frames")
	}
	mse = sum / float64(n)
	return mse, patchPSNR(mse), nil
}

func patchPSNR(mse float64) float64 {
	if mse <= 1e-10 {
		return 100
	}
	return math.Min(100, 10*math.Log10(1/mse))
}

// TrainCodebook learns a codebook from w x h RGB frames by k-means over
// their patches: identical patches are merged with a weight (exact, and it
// makes the flat table background cost one point), centres start from
// weighted k-means++, then Lloyd iterations run. The result is
// deterministic for a seed. When there are fewer distinct patches than K,
// the codebook holds each of them and repeats the last.
func TrainCodebook(ctx context.Context, frames [][]uint8, w, h int, opts CodebookOptions) (*Codebook, CodebookStats, error) {
	if opts.K <= 0 {
		opts.K = 256
	}
	if opts.Patch <= 0 {
		opts.Patch = 4
	}
	if opts.Iters <= 0 {
		opts.Iters = 12
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	var st CodebookStats
	if len(frames) == 0 {
		return nil, st, errors.New("tok: train codebook: no frames")
	}
	probe := &Codebook{K: 1, Patch: opts.Patch, Vectors: make([]float32, opts.Patch*opts.Patch*3), norms: make([]float32, 1)}
	p, d := opts.Patch, probe.Dim()
	// Merge identical patches; the key is the patch's bytes.
	index := map[string]int{}
	var raw [][]byte
	var weight []float64
	key := make([]byte, d)
	for fi, f := range frames {
		if err := probe.checkFrame(len(f), w, h); err != nil {
			return nil, st, fmt.Errorf("tok: train codebook: frame %d: %w", fi, err)
		}
		for py := 0; py < h/p; py++ {
			for px := 0; px < w/p; px++ {
				for y := 0; y < p; y++ {
					row := ((py*p+y)*w + px*p) * 3
					copy(key[y*p*3:], f[row:row+p*3])
				}
				st.Patches++
				if j, ok := index[string(key)]; ok {
					weight[j]++
					continue
				}
				index[string(key)] = len(raw)
				raw = append(raw, append([]byte(nil), key...))
				weight = append(weight, 1)
			}
		}
		if fi%64 == 0 && ctx.Err() != nil {
			return nil, st, ctx.Err()
		}
	}
	// Sort the distinct patches so that the result does not depend on map
	// order or on the order frames came in with equal content.
	order := make([]int, len(raw))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return bytes.Compare(raw[order[a]], raw[order[b]]) < 0 })
	n := len(raw)
	st.UniquePatches = n
	pts := make([]float32, n*d)
	wts := make([]float64, n)
	counts := make([]float64, n)
	for i, o := range order {
		counts[i] = weight[o]
		for j, b := range raw[o] {
			pts[i*d+j] = float32(b) * (1.0 / 255)
		}
		wts[i] = weight[o]
		if opts.SqrtWeights {
			wts[i] = math.Sqrt(weight[o])
		}
	}
	K := opts.K
	cb := &Codebook{K: K, Patch: p, Vectors: make([]float32, K*d)}
	if n <= K {
		for k := 0; k < K; k++ {
			i := k
			if i >= n {
				i = n - 1
			}
			copy(cb.Vectors[k*d:], pts[i*d:(i+1)*d])
		}
		cb.cacheNorms()
		st.MSE, st.PSNR = cb.uniqueError(pts, counts)
		return cb, st, nil
	}
	// Weighted k-means++: each next centre is drawn with probability
	// proportional to weight times squared distance to the nearest centre.
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6b6d65616e73))
	dist := make([]float64, n)
	pick := func(r float64, score func(i int) float64) int {
		var tot float64
		for i := 0; i < n; i++ {
			tot += score(i)
		}
		r *= tot
		for i := 0; i < n; i++ {
			if r -= score(i); r < 0 {
				return i
			}
		}
		return n - 1
	}
	first := pick(rng.Float64(), func(i int) float64 { return wts[i] })
	copy(cb.Vectors[0:d], pts[first*d:(first+1)*d])
	for i := 0; i < n; i++ {
		dist[i] = patchSqDist(pts[i*d:(i+1)*d], cb.Vectors[0:d])
	}
	for k := 1; k < K; k++ {
		if ctx.Err() != nil {
			return nil, st, ctx.Err()
		}
		c := pick(rng.Float64(), func(i int) float64 { return wts[i] * dist[i] })
		v := cb.Vectors[k*d : (k+1)*d]
		copy(v, pts[c*d:(c+1)*d])
		for i := 0; i < n; i++ {
			if dd := patchSqDist(pts[i*d:(i+1)*d], v); dd < dist[i] {
				dist[i] = dd
			}
		}
	}
	cb.cacheNorms()
	// Lloyd iterations. Points are split into a fixed number of chunks (not
	// one per worker) so that the float sums, combined in chunk order, are the
	// same whatever the number of workers.
	const chunks = 8
	type part struct {
		sum  []float64
		w    []float64
		far  int
		farD float64
	}
	parts := make([]part, chunks)
	for c := range parts {
		parts[c] = part{sum: make([]float64, K*d), w: make([]float64, K)}
	}
	assign := func(c int) {
		pt := &parts[c]
		clear(pt.sum)
		clear(pt.w)
		pt.far, pt.farD = -1, -1
		lo, hi := c*n/chunks, (c+1)*n/chunks
		for i := lo; i < hi; i++ {
			x := pts[i*d : (i+1)*d]
			k, dd := cb.nearest(x)
			wd := wts[i] * float64(dd)
			if wd > pt.farD {
				pt.far, pt.farD = i, wd
			}
			s := pt.sum[k*d : (k+1)*d]
			for j, v := range x {
				s[j] += wts[i] * float64(v)
			}
			pt.w[k] += wts[i]
		}
	}
	sum := make([]float64, K*d)
	cw := make([]float64, K)
	for it := 0; it < opts.Iters; it++ {
		if ctx.Err() != nil {
			return nil, st, ctx.Err()
		}
		var wg sync.WaitGroup
		next := make(chan int, chunks)
		for c := 0; c < chunks; c++ {
			next <- c
		}
		close(next)
		for g := 0; g < opts.Workers; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range next {
					assign(c)
				}
			}()
		}
		wg.Wait()
		clear(sum)
		clear(cw)
		var farthest []int // worst-fit points, to reseed empty clusters
		for c := range parts {
			for j, v := range parts[c].sum {
				sum[j] += v
			}
			for k, v := range parts[c].w {
				cw[k] += v
			}
			if parts[c].far >= 0 {
				farthest = append(farthest, parts[c].far)
			}
		}
		for k := 0; k < K; k++ {
			v := cb.Vectors[k*d : (k+1)*d]
			if cw[k] == 0 {
				if len(farthest) > 0 {
					copy(v, pts[farthest[0]*d:(farthest[0]+1)*d])
					farthest = farthest[1:]
				}
				continue
			}
			for j := range v {
				v[j] = float32(sum[k*d+j] / cw[k])
			}
		}
		cb.cacheNorms()
		st.Iters++
	}
	st.MSE, st.PSNR = cb.uniqueError(pts, counts)
	return cb, st, nil
}

// uniqueError is the reconstruction error of the training patches computed
// once per distinct patch and weighted by its count: the same number as
// ReconstructionError over all frames, for a fraction of the work.
func (c *Codebook) uniqueError(pts []float32, counts []float64) (mse, psnr float64) {
	d := c.Dim()
	var sum, n float64
	for i, cnt := range counts {
		_, dd := c.nearest(pts[i*d : (i+1)*d])
		sum += cnt * float64(dd)
		n += cnt * float64(d)
	}
	mse = sum / n
	return mse, patchPSNR(mse)
}

func patchSqDist(a, b []float32) float64 {
	var s float32
	for i, v := range a {
		e := v - b[i]
		s += e * e
	}
	return float64(s)
}

// The codebook file: the magic "RLVRPCB1", then little-endian uint32 K and
// Patch, then K*Patch*Patch*3 values, each one byte (v*255 rounded). One
// byte per value is exact for the 8-bit frames it quantises to within half
// a grey level, and keeps the embedded file small.
const codebookMagic = "RLVRPCB1"

// WriteTo writes the codebook in its file format.
func (c *Codebook) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	buf.WriteString(codebookMagic)
	binary.Write(&buf, binary.LittleEndian, uint32(c.K))
	binary.Write(&buf, binary.LittleEndian, uint32(c.Patch))
	for _, v := range c.Vectors {
		buf.WriteByte(uint8(math.Round(float64(v) * 255)))
	}
	return buf.WriteTo(w)
}

// ReadCodebook parses a codebook file. The values come back quantised to
// multiples of 1/255.
func ReadCodebook(data []byte) (*Codebook, error) {
	if len(data) < len(codebookMagic)+8 || string(data[:len(codebookMagic)]) != codebookMagic {
		return nil, errors.New("tok: not a codebook file (bad magic)")
	}
	data = data[len(codebookMagic):]
	k := binary.LittleEndian.Uint32(data[0:4])
	p := binary.LittleEndian.Uint32(data[4:8])
	data = data[8:]
	if k == 0 || k > 1<<16 || p == 0 || p > 64 {
		return nil, fmt.Errorf("tok: codebook file has K=%d patch=%d, out of range", k, p)
	}
	want := int(k) * int(p) * int(p) * 3
	if len(data) != want {
		return nil, fmt.Errorf("tok: codebook file has %d values, want %d for K=%d patch=%d", len(data), want, k, p)
	}
	v := make([]float32, want)
	for i, b := range data {
		v[i] = float32(b) / 255
	}
	return NewCodebook(int(p), v)
}

// Save writes the codebook to a file.
func (c *Codebook) Save(path string) error {
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("tok: save codebook: %w", err)
	}
	return nil
}

// LoadCodebook reads a codebook file written by Save.
func LoadCodebook(path string) (*Codebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tok: load codebook: %w", err)
	}
	c, err := ReadCodebook(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
