package nn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/rlvrworld/rlvrworld/gpu"
)

// KVPrecision is the element type of the sampler's KV cache.
type KVPrecision int

const (
	// KVFloat32 keeps keys and values as computed: Sample's LogProbs equal
	// Forward's up to float32 summation order (tested to 2e-4), so a
	// trainer may reuse them as the rollout policy's log-probabilities.
	KVFloat32 KVPrecision = iota
	// KVFloat16 rounds keys and values to IEEE half precision as they are
	// cached. A decoding step is bound by reading the cache, so at long
	// positions a step takes close to half the time, and the cache takes
	// half the memory. The price: LogProbs differ from Forward's by about
	// 1e-3, and rare near-ties may pick another token. Needs a backend
	// with gpu.HalfKV (the CPU backend has it).
	KVFloat16
	// KVInt8 quantizes each cached key and value vector (one position of
	// one head) to 8-bit integers with a float32 scale, max|x|/127: about
	// half of KVFloat16's bytes, for a coarser rounding. LogProbs differ
	// from Forward's by a few 1e-3, so a trainer must recompute them.
	// Needs a backend with gpu.Int8KV (the CPU backend has it).
	KVInt8
	// KVK8V16 keeps the keys as KVInt8 does and the values as KVFloat16
	// does: about three quarters of KVFloat16's bytes. An error in a value
	// reaches the attention's output directly, one in a key only moves a
	// score, which the softmax damps, so LogProbs stay within 1e-3 of
	// Forward's where KVInt8's drift a few 1e-3 (tested on bench sample's
	// model, TestSampleK8V16Within1e3). Needs a backend with gpu.MixedKV
	// (the CPU backend has it).
	KVK8V16
)

// kvPrecisions lists the valid values, in order.
var kvPrecisions = []KVPrecision{KVFloat32, KVFloat16, KVInt8, KVK8V16}

// String is "float32", "float16", "int8" or "k8v16".
func (p KVPrecision) String() string {
	switch p {
	case KVFloat32:
		return "float32"
	case KVFloat16:
		return "float16"
	case KVInt8:
		return "int8"
	case KVK8V16:
		return "k8v16"
	}
	return fmt.Sprintf("KVPrecision(%d)", int(p))
}

// Validate reports an error for a value that is not one of the constants.
func (p KVPrecision) Validate() error {
	if p < KVFloat32 || p > KVK8V16 {
		return fmt.Errorf("nn: unknown KV cache precision %v (want float32, float16, int8 or k8v16)", p)
	}
	return nil
}

// MarshalText writes the name, so JSON configs read "float16".
func (p KVPrecision) MarshalText() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return []byte(p.String()), nil
}

// UnmarshalText reads a name written by MarshalText (and flag.TextVar).
func (p *KVPrecision) UnmarshalText(b []byte) error {
	v, err := ParseKVPrecision(string(b))
	if err == nil {
		*p = v
	}
	return err
}

// ParseKVPrecision reads "float32", "float16", "int8" or "k8v16" (flags,
// notebooks).
func ParseKVPrecision(s string) (KVPrecision, error) {
	for _, p := range kvPrecisions {
		if s == p.String() {
			return p, nil
		}
	}
	return 0, fmt.Errorf("nn: KV cache precision %q: want float32, float16, int8 or k8v16", s)
}

// SampleOptions controls Sample.
type SampleOptions struct {
	// MaxNew caps the response length (sampled and forced tokens together).
	// A row also ends when prompt plus response reach the model's MaxSeq.
	MaxNew int
	// Temperature scales the logits; 0 means greedy (argmax).
	Temperature float32
	// TopK keeps only the K most likely tokens when > 0.
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability
	// reaches TopP, when in (0,1).
	TopP float32
	// Stop ends a row when sampled (it is included in the response); < 0:
	// no stop token. Note the zero value: 0 is a valid token id, so a
	// caller without a stop token sets -1.
	Stop int
	// MaxNewPerRow and StopPerRow, when non-nil, give each row its own
	// limit and stop token (len must equal the number of prompts); they
	// override MaxNew and Stop.
	MaxNewPerRow, StopPerRow []int
	// Seed makes sampling deterministic: each row has its own generator
	// derived from (Seed, row), so a row's sample does not depend on the
	// other rows of the batch.
	Seed int64
	// Force, when set, is called after each sampled token with the row's
	// response so far (ending with that token) and returns tokens to inject
	// next (nil for none). Injected tokens are appended with Generated
	// false and their log-probability under the model; they are not
	// sampled, and a forced Stop token does not stop the row. Force is not
	// called after a sampled stop token.
	Force func(row int, response []int) []int
	// OnStep, when set, is called after each batched decoding step with the
	// step number (1-based); for progress bars and benchmarks.
	OnStep func(step int)
	// KV is the KV cache's precision; the zero value is KVFloat32.
	KV KVPrecision
}

// Sample is one row's response.
type Sample struct {
	// Tokens is the response only (the prompt excluded); a sampled stop
	// token is included.
	Tokens []int
	// LogProbs[i] is log p(Tokens[i]) under the model itself (temperature
	// 1, no top-k/top-p), the same quantity Forward returns, so it can
	// serve as the rollout policy's log-probability.
	LogProbs []float32
	// Generated[i] is false for tokens injected by Force.
	Generated []bool
	// Stopped is true when the row ended on a sampled stop token.
	Stopped bool
}

// Sample generates a response for each prompt with a batched KV cache:
// the prompts are run through the model once, then every step feeds one
// token per active row and attends to the cached keys and values, so the
// cost of a step grows only with the cache reads, not with recomputing the
// past. It returns ctx.Err() promptly when ctx is cancelled.
func (m *Model) Sample(ctx context.Context, prompts [][]int, opts SampleOptions) ([]Sample, error) {
	if err := m.checkSample(prompts, opts); err != nil {
		return nil, err
	}
	R := len(prompts)
	out := make([]Sample, R)
	maxNew, stop := make([]int, R), make([]int, R)
	longest, anyNew := 0, false
	for r, p := range prompts {
		maxNew[r], stop[r] = opts.MaxNew, opts.Stop
		if opts.MaxNewPerRow != nil {
			maxNew[r] = opts.MaxNewPerRow[r]
		}
		if opts.StopPerRow != nil {
			stop[r] = opts.StopPerRow[r]
		}
		longest = max(longest, len(p)+maxNew[r])
		anyNew = anyNew || maxNew[r] > 0
	}
	if !anyNew {
		return out, nil
	}
	s := m.newSampler(R, min(m.cfg.MaxSeq, longest), opts.KV)
	defer s.release()

	// Prefill: all prompt tokens, in chunks so the step buffers stay small.
	var toks, rows, pos []int32
	var want []int
	flush := func() error {
		if len(toks) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		s.step(toks, rows, pos, want)
		toks, rows, pos, want = toks[:0], rows[:0], pos[:0], want[:0]
		return nil
	}
	// A prompt equal to the row before's (GRPO's G rollouts of one prompt)
	// is not run again: its row copies the leading row's cache and logits.
	share := sharesPrefixes(m.be)
	lead := make([]int, R)
	for r, p := range prompts {
		lead[r] = r
		if share && r > 0 && slices.Equal(p, prompts[lead[r-1]]) {
			lead[r] = lead[r-1]
			continue
		}
		for i, t := range p {
			toks, rows, pos = append(toks, int32(t)), append(rows, int32(r)), append(pos, int32(i))
			if i == len(p)-1 {
				want = append(want, len(toks)-1)
			}
			if len(toks) == s.maxN {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	V := m.cfg.Vocab
	for r, l := range lead {
		if l != r {
			for _, c := range s.kv {
				c.copyPrefix(r, l, len(prompts[r]), m.cfg.Heads, s.Tc, m.cfg.Dim/m.cfg.Heads)
			}
			copy(s.pending[r*V:(r+1)*V], s.pending[l*V:(l+1)*V])
		}
	}

	rngs := make([]*rand.Rand, R)
	forced := make([][]int, R)
	active := make([]bool, R)
	for r := range rngs {
		rngs[r] = rand.New(rand.NewPCG(uint64(opts.Seed), uint64(r)^0x5851f42d4c957f2d))
		active[r] = maxNew[r] > 0
	}
	picks := newPicker(R, m.cfg.Vocab)
	for stepN := 1; ; stepN++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// The rows' draws first, in parallel: each row has its own
		// generator, so the order they run in changes nothing.
		picks.run(func(r int) bool { return active[r] && len(forced[r]) == 0 }, s.logitsOf, opts, rngs)
		for r := 0; r < R; r++ {
			if !active[r] {
				continue
			}
			var tok int
			var lp float32
			gen := len(forced[r]) == 0
			if gen {
				tok, lp = picks.tok[r], picks.logp[r]
			} else {
				tok, forced[r] = forced[r][0], forced[r][1:]
				lp = logSoftmaxAt(s.logitsOf(r), tok)
			}
			o := &out[r]
			o.Tokens = append(o.Tokens, tok)
			o.LogProbs = append(o.LogProbs, lp)
			o.Generated = append(o.Generated, gen)
			n := len(o.Tokens)
			switch {
			case gen && stop[r] >= 0 && tok == stop[r]:
				o.Stopped, active[r] = true, false
			case n >= maxNew[r] || len(prompts[r])+n >= m.cfg.MaxSeq:
				active[r] = false
			}
			if !active[r] {
				continue
			}
			if gen && opts.Force != nil {
				f := opts.Force(r, append([]int(nil), o.Tokens...))
				for _, t := range f {
					if t < 0 || t >= m.cfg.Vocab {
						return nil, fmt.Errorf("nn: Sample: Force(row %d) returned token %d outside the vocabulary [0,%d)", r, t, m.cfg.Vocab)
					}
				}
				forced[r] = append(forced[r], f...)
			}
			toks, rows = append(toks, int32(tok)), append(rows, int32(r))
			pos, want = append(pos, int32(len(prompts[r])+n-1)), append(want, len(toks)-1)
		}
		if len(toks) == 0 {
			break
		}
		s.step(toks, rows, pos, want)
		toks, rows, pos, want = toks[:0], rows[:0], pos[:0], want[:0]
		if opts.OnStep != nil {
			opts.OnStep(stepN)
		}
	}
	return out, nil
}

func (m *Model) checkSample(prompts [][]int, o SampleOptions) error {
	switch {
	case o.MaxNew < 0:
		return fmt.Errorf("nn: Sample: MaxNew %d < 0", o.MaxNew)
	case o.Temperature < 0 || math.IsNaN(float64(o.Temperature)):
		return fmt.Errorf("nn: Sample: Temperature %g < 0", o.Temperature)
	case o.TopK < 0:
		return fmt.Errorf("nn: Sample: TopK %d < 0", o.TopK)
	case o.TopP < 0 || o.TopP > 1:
		return fmt.Errorf("nn: Sample: TopP %g outside [0,1]", o.TopP)
	case o.Stop >= m.cfg.Vocab:
		return fmt.Errorf("nn: Sample: Stop %d outside the vocabulary [0,%d)", o.Stop, m.cfg.Vocab)
	case o.KV.Validate() != nil:
		return fmt.Errorf("nn: Sample: %w", o.KV.Validate())
	}
	if _, ok := m.be.(gpu.HalfKV); o.KV == KVFloat16 && !ok {
		return fmt.Errorf("nn: Sample: backend %s has no float16 KV cache; use KVFloat32", m.be.Name())
	}
	if _, ok := m.be.(gpu.Int8KV); o.KV == KVInt8 && !ok {
		return fmt.Errorf("nn: Sample: backend %s has no int8 KV cache; use KVFloat32", m.be.Name())
	}
	if _, ok := m.be.(gpu.MixedKV); o.KV == KVK8V16 && !ok {
		return fmt.Errorf("nn: Sample: backend %s has no int8-key, float16-value KV cache; use KVFloat32", m.be.Name())
	}
	if o.MaxNewPerRow != nil && len(o.MaxNewPerRow) != len(prompts) {
		return fmt.Errorf("nn: Sample: MaxNewPerRow has %d entries for %d prompts", len(o.MaxNewPerRow), len(prompts))
	}
	if o.StopPerRow != nil && len(o.StopPerRow) != len(prompts) {
		return fmt.Errorf("nn: Sample: StopPerRow has %d entries for %d prompts", len(o.StopPerRow), len(prompts))
	}
	for r := range prompts {
		if o.MaxNewPerRow != nil && o.MaxNewPerRow[r] < 0 {
			return fmt.Errorf("nn: Sample: MaxNewPerRow[%d] = %d < 0", r, o.MaxNewPerRow[r])
		}
		if o.StopPerRow != nil && o.StopPerRow[r] >= m.cfg.Vocab {
			return fmt.Errorf("nn: Sample: StopPerRow[%d] = %d outside the vocabulary [0,%d)", r, o.StopPerRow[r], m.cfg.Vocab)
		}
	}
	for r, p := range prompts {
		if len(p) == 0 {
			return fmt.Errorf("nn: Sample: prompt %d is empty (it needs at least one token)", r)
		}
		if len(p) >= m.cfg.MaxSeq {
			return fmt.Errorf("nn: Sample: prompt %d has %d tokens, leaving no room under MaxSeq %d", r, len(p), m.cfg.MaxSeq)
		}
		for i, t := range p {
			if t < 0 || t >= m.cfg.Vocab {
				return fmt.Errorf("nn: Sample: prompt %d token %d = %d is outside the vocabulary [0,%d)", r, i, t, m.cfg.Vocab)
			}
		}
	}
	return nil
}

// logSoftmaxAt is log p(tok) for logits lg, in float64.
func logSoftmaxAt(lg []float32, tok int) float32 {
	mx := lg[0]
	for _, v := range lg {
		mx = max(mx, v)
	}
	var s float64
	for _, v := range lg {
		s += math.Exp(float64(v - mx))
	}
	return float32(float64(lg[tok]-mx) - math.Log(s))
}

// pick samples a token from logits with temperature, top-k and top-p. At
// temperature 1 over the full distribution its exponentials and their sum
// are logSoftmaxAt's, operation for operation, so it also returns the
// token's log-probability, bit for bit logSoftmaxAt's (known true) and
// saves the sampler a second pass over the vocabulary.
func pick(lg []float32, o SampleOptions, rng *rand.Rand, probs []float64, idx []int) (tok int, logp float32, known bool) {
	if o.Temperature == 0 {
		best := 0
		for j, v := range lg {
			if v > lg[best] {
				best = j
			}
		}
		return best, 0, false
	}
	V := len(lg)
	idx = idx[:V]
	for j := range idx {
		idx[j] = j
	}
	n := V
	if o.TopK > 0 || (o.TopP > 0 && o.TopP < 1) {
		// Ties broken by token id, so the candidate set is deterministic.
		sort.Slice(idx, func(a, b int) bool {
			if lg[idx[a]] != lg[idx[b]] {
				return lg[idx[a]] > lg[idx[b]]
			}
			return idx[a] < idx[b]
		})
		if o.TopK > 0 && o.TopK < n {
			n = o.TopK
		}
	}
	mx := lg[idx[0]]
	for _, j := range idx[:n] {
		mx = max(mx, lg[j])
	}
	var sum float64
	for k, j := range idx[:n] {
		probs[k] = math.Exp(float64(lg[j]-mx) / float64(o.Temperature))
		sum += probs[k]
	}
	if o.TopP > 0 && o.TopP < 1 {
		var c float64
		for k := 0; k < n; k++ {
			c += probs[k] / sum
			if c >= float64(o.TopP) {
				n = k + 1
				break
			}
		}
		sum = 0
		for k := 0; k < n; k++ {
			sum += probs[k]
		}
	}
	// Unsorted, untruncated and unscaled: logSoftmaxAt's own terms.
	full := o.Temperature == 1 && o.TopK == 0 && !(o.TopP > 0 && o.TopP < 1)
	u := rng.Float64() * sum
	tok = idx[n-1]
	for k := 0; k < n; k++ {
		u -= probs[k]
		if u < 0 {
			tok = idx[k]
			break
		}
	}
	if full {
		return tok, float32(float64(lg[tok]-mx) - math.Log(sum)), true
	}
	return tok, 0, false
}

// picker draws the next token of many rows at once: pick and, where pick
// does not know it, logSoftmaxAt, on GOMAXPROCS goroutines (a decoding
// step's draws over the vocabulary were a fifth of a GRPO video rollout's
// CPU on one core while the other waited).
type picker struct {
	tok   []int
	logp  []float32
	probs [][]float64 // per worker
	idx   [][]int
}

func newPicker(R, V int) *picker {
	w := max(1, min(runtime.GOMAXPROCS(0), R/pickGrain))
	p := &picker{tok: make([]int, R), logp: make([]float32, R)}
	for i := 0; i < w; i++ {
		p.probs, p.idx = append(p.probs, make([]float64, V)), append(p.idx, make([]int, V))
	}
	return p
}

// pickGrain is the fewest rows worth a goroutine of their own.
const pickGrain = 8

// run draws for every row r with want(r), from logits(r) with rngs[r].
func (p *picker) run(want func(int) bool, logits func(int) []float32, o SampleOptions, rngs []*rand.Rand) {
	R, w := len(p.tok), len(p.probs)
	draw := func(k, lo, hi int) {
		for r := lo; r < hi; r++ {
			if !want(r) {
				continue
			}
			lg := logits(r)
			tok, lp, known := pick(lg, o, rngs[r], p.probs[k], p.idx[k])
			if !known {
				lp = logSoftmaxAt(lg, tok)
			}
			p.tok[r], p.logp[r] = tok, lp
		}
	}
	if w == 1 {
		draw(0, 0, R)
		return
	}
	var wg sync.WaitGroup
	per := (R + w - 1) / w
	for k := 1; k < w; k++ {
		wg.Go(func() { draw(k, k*per, min(R, (k+1)*per)) })
	}
	draw(0, 0, min(R, per))
	wg.Wait()
}

// sampler holds the KV cache (one per layer, in the precision asked for)
// and the step buffers of one Sample call.
type sampler struct {
	m        *Model
	R, Tc    int
	maxN     int
	kv       []layerCache
	x, ln, y []float32 // (maxN,C)
	tmp      []float32 // (maxN,C)
	mean     []float32 // (maxN)
	rstd     []float32
	qkv      []float32 // (maxN,3C)
	h, hg    []float32 // (maxN,4C)
	lnOut    []float32 // (maxN,C) gathered final rows
	logits   []float32 // (maxN,V)
	pending  []float32 // (R,V) each row's latest next-token logits
}

func (m *Model) newSampler(R, Tc int, kv KVPrecision) *sampler {
	return m.newSamplerN(R, Tc, max(R, 512), kv, R)
}

// newSamplerN is newSampler with room for maxN tokens a step and pending
// logits for pendingRows rows (0 for a caller that reads s.logits itself).
func (m *Model) newSamplerN(R, Tc, maxN int, kv KVPrecision, pendingRows int) *sampler {
	C, L, V := m.cfg.Dim, m.cfg.Layers, m.cfg.Vocab
	al := m.be.Alloc
	// The model's last sampler (host backends only; see release): reslice
	// what is big enough, allocate the rest. Nothing reads a buffer before
	// this call writes it, so the old contents need no clearing.
	old := m.spare.take()
	if old == nil {
		old = &sampler{}
	}
	s := &sampler{m: m, R: R, Tc: Tc, maxN: maxN,
		x: reuse(old.x, maxN*C, al), ln: reuse(old.ln, maxN*C, al), y: reuse(old.y, maxN*C, al), tmp: reuse(old.tmp, maxN*C, al),
		mean: reuse(old.mean, maxN, al), rstd: reuse(old.rstd, maxN, al), qkv: reuse(old.qkv, maxN*3*C, al),
		h: reuse(old.h, maxN*4*C, al), hg: reuse(old.hg, maxN*4*C, al), lnOut: reuse(old.lnOut, maxN*C, al),
		logits: reuse(old.logits, maxN*V, al), pending: reuse(old.pending, pendingRows*V, func(n int) []float32 { return make([]float32, n) })}
	for l := 0; l < L; l++ {
		var prev layerCache
		if l < len(old.kv) {
			prev = old.kv[l]
		}
		s.kv = append(s.kv, reuseLayerCache(prev, m.be, kv, R, Tc, C, m.cfg.Heads))
	}
	return s
}

// reuse returns buf[:n] when buf has room for n, or else alloc(n).
func reuse[E any](buf []E, n int, alloc func(int) []E) []E {
	if cap(buf) >= n {
		return buf[:n]
	}
	return alloc(n)
}

// spareSampler holds the buffers of a model's last released sampler, for
// the next Sample or LogProbs call on a host backend. A GRPO step makes a
// sampler for its rollouts and another for the reference pass, tens of MiB
// each; fresh memory every time cost a video step a fifth of its CPU in
// zeroing, first-touch page faults and garbage collection (issue 29's
// profile). One slot is kept: calls on one model at a time reuse it, and
// concurrent calls allocate as before.
type spareSampler struct {
	mu sync.Mutex
	s  *sampler
}

// take removes and returns the spare sampler (nil if there is none).
func (p *spareSampler) take() *sampler {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.s
	p.s = nil
	return s
}

// put keeps s as the spare, unless s holds more than maxSpareBytes (a
// one-off huge batch should not pin its memory for the model's life).
func (p *spareSampler) put(s *sampler) {
	if s.bytes() > maxSpareBytes {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.s = s
}

// maxSpareBytes bounds the memory a model keeps between sampling calls.
const maxSpareBytes = 256 << 20

// bytes is the size of s's buffers.
func (s *sampler) bytes() int {
	n := 0
	for _, b := range [][]float32{s.x, s.ln, s.y, s.tmp, s.mean, s.rstd, s.qkv, s.h, s.hg, s.lnOut, s.logits, s.pending} {
		n += 4 * cap(b)
	}
	for _, c := range s.kv {
		n += c.bytes()
	}
	return n
}

// release gives the sampler's buffers back: to a backend that can free
// memory (CUDA's device memory is not garbage collected, and GRPO samples
// every step), or else to the model as its spare for the next call.
func (s *sampler) release() {
	f, ok := s.m.be.(interface{ Free([]float32) })
	if !ok {
		s.m.spare.put(s)
		return
	}
	s.m.be.Sync()
	for _, b := range [][]float32{s.x, s.ln, s.y, s.tmp, s.mean, s.rstd, s.qkv, s.h, s.hg, s.lnOut, s.logits} {
		f.Free(b)
	}
	for _, c := range s.kv {
		c.free(f.Free)
	}
}

// logitsOf returns row r's latest next-token logits.
func (s *sampler) logitsOf(r int) []float32 {
	V := s.m.cfg.Vocab
	return s.pending[r*V : (r+1)*V]
}

// step feeds N tokens (token i of row rows[i] at position pos[i]; one row's
// tokens consecutive and in order) through the model, appending their keys
// and values to the cache, and computes logits for the tokens in want.
func (s *sampler) step(toks, rows, pos []int32, want []int) {
	m := s.m
	be, p := m.be, &m.p
	C, V := m.cfg.Dim, m.cfg.Vocab
	x := s.hidden(toks, rows, pos)
	ln, mean, rstd := s.ln, s.mean, s.rstd
	// Only the wanted positions go through the final norm and the output
	// layer: during prefill that is one row per prompt.
	nw := len(want)
	g := s.lnOut[:nw*C]
	// The host reads x below: on an asynchronous backend (CUDA) the last
	// Accumulate may still be running.
	be.Sync()
	for k, i := range want {
		copy(g[k*C:(k+1)*C], x[i*C:(i+1)*C])
	}
	be.LayerNormForward(ln[:nw*C], mean[:nw], rstd[:nw], g, p.lnfw, p.lnfb, nw, C)
	m.linear(s.logits[:nw*V], ln[:nw*C], p.wte, nil, nw, C, V)
	be.Sync()
	for k, i := range want {
		r := int(rows[i])
		copy(s.pending[r*V:(r+1)*V], s.logits[k*V:(k+1)*V])
	}
}

// hidden feeds N tokens through the embedding and the blocks, appending
// their keys and values to the cache, and returns the last block's output
// (N,C) before the final norm.
func (s *sampler) hidden(toks, rows, pos []int32) []float32 {
	m := s.m
	be, p := m.be, &m.p
	C, NH, L := m.cfg.Dim, m.cfg.Heads, m.cfg.Layers
	N := len(toks)
	x := s.x[:N*C]
	for i := 0; i < N; i++ {
		w := p.wte[int(toks[i])*C : int(toks[i])*C+C]
		pe := p.wpe[int(pos[i])*C : int(pos[i])*C+C]
		xi := x[i*C : i*C+C]
		for c := range xi {
			xi[c] = w[c] + pe[c]
		}
	}
	ln, qkv, y, h, hg, tmp := s.ln[:N*C], s.qkv[:N*3*C], s.y[:N*C], s.h[:N*4*C], s.hg[:N*4*C], s.tmp[:N*C]
	mean, rstd := s.mean[:N], s.rstd[:N]
	for l := 0; l < L; l++ {
		be.LayerNormForward(ln, mean, rstd, x, layer(p.ln1w, l, C), layer(p.ln1b, l, C), N, C)
		m.linear(qkv, ln, layer(p.qkvw, l, 3*C*C), layer(p.qkvb, l, 3*C), N, C, 3*C)
		s.kv[l].attend(y, qkv, rows, pos, N, C, NH, s.Tc)
		m.linear(tmp, y, layer(p.attprojw, l, C*C), layer(p.attprojb, l, C), N, C, C)
		be.Accumulate(x, tmp)
		be.LayerNormForward(ln, mean, rstd, x, layer(p.ln2w, l, C), layer(p.ln2b, l, C), N, C)
		m.linear(h, ln, layer(p.fcw, l, 4*C*C), layer(p.fcb, l, 4*C), N, C, 4*C)
		be.GeluForward(hg, h)
		m.linear(tmp, hg, layer(p.fcprojw, l, 4*C*C), layer(p.fcprojb, l, C), N, 4*C, C)
		be.Accumulate(x, tmp)
	}
	return x
}

// linearN is linear for the sampler (same as training's).
func (m *Model) linearN(out, inp, w, bias []float32, N, IC, OC int) {
	m.linear(out, inp, w, bias, N, IC, OC)
}
