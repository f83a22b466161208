package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/rlvrworld/rlvrworld/gpu"
	_ "github.com/rlvrworld/rlvrworld/gpu/cpu" // the default backend
)

// Config is the architecture of a model. Positions are learned embeddings
// up to MaxSeq; the MLP is 4*Dim wide; the output layer shares the token
// embedding (as GPT-2 does).
type Config struct {
	Vocab, MaxSeq, Layers, Dim, Heads int
	// Seed makes the initial weights deterministic.
	Seed int64
}

// Validate reports the first problem with the configuration.
func (c Config) Validate() error {
	switch {
	case c.Vocab < 2 || c.Vocab > 1<<20:
		return fmt.Errorf("nn: config: Vocab %d out of range [2, 1048576]", c.Vocab)
	case c.MaxSeq < 1 || c.MaxSeq > 1<<16:
		return fmt.Errorf("nn: config: MaxSeq %d out of range [1, 65536]", c.MaxSeq)
	case c.Layers < 1 || c.Layers > 256:
		return fmt.Errorf("nn: config: Layers %d out of range [1, 256]", c.Layers)
	case c.Dim < 1 || c.Dim > 1<<14:
		return fmt.Errorf("nn: config: Dim %d out of range [1, 16384]", c.Dim)
	case c.Heads < 1 || c.Dim%c.Heads != 0:
		return fmt.Errorf("nn: config: Heads %d must be >= 1 and divide Dim %d", c.Heads, c.Dim)
	}
	if n := numParams(c); n > 1<<31 {
		return fmt.Errorf("nn: config: %d parameters is more than this CPU model supports", n)
	}
	return nil
}

// paramSpec is one named parameter tensor; all of them live back to back
// in one buffer, in this order (llm.c's order).
type paramSpec struct {
	name  string
	shape []int
	decay bool // weight decay applies to matrices, not to biases and norms
}

func paramSpecs(c Config) []paramSpec {
	V, T, L, C := c.Vocab, c.MaxSeq, c.Layers, c.Dim
	return []paramSpec{
		{"wte", []int{V, C}, true},
		{"wpe", []int{T, C}, true},
		{"ln1w", []int{L, C}, false},
		{"ln1b", []int{L, C}, false},
		{"qkvw", []int{L, 3 * C, C}, true},
		{"qkvb", []int{L, 3 * C}, false},
		{"attprojw", []int{L, C, C}, true},
		{"attprojb", []int{L, C}, false},
		{"ln2w", []int{L, C}, false},
		{"ln2b", []int{L, C}, false},
		{"fcw", []int{L, 4 * C, C}, true},
		{"fcb", []int{L, 4 * C}, false},
		{"fcprojw", []int{L, C, 4 * C}, true},
		{"fcprojb", []int{L, C}, false},
		{"lnfw", []int{C}, false},
		{"lnfb", []int{C}, false},
	}
}

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func numParams(c Config) int {
	n := 0
	for _, s := range paramSpecs(c) {
		n += size(s.shape)
	}
	return n
}

// params are named views into one flat buffer (parameters or gradients).
type params struct {
	wte, wpe, ln1w, ln1b, qkvw, qkvb, attprojw, attprojb []float32
	ln2w, ln2b, fcw, fcb, fcprojw, fcprojb, lnfw, lnfb   []float32
}

func (p *params) views() []*[]float32 {
	return []*[]float32{&p.wte, &p.wpe, &p.ln1w, &p.ln1b, &p.qkvw, &p.qkvb, &p.attprojw, &p.attprojb,
		&p.ln2w, &p.ln2b, &p.fcw, &p.fcb, &p.fcprojw, &p.fcprojb, &p.lnfw, &p.lnfb}
}

func bindParams(c Config, flat []float32) params {
	var p params
	off := 0
	for i, v := range p.views() {
		n := size(paramSpecs(c)[i].shape)
		*v = flat[off : off+n : off+n]
		off += n
	}
	return p
}

// acts are the forward activations kept for the backward pass, for one
// batch shape (B,T). Per-layer buffers are (L, ...) and sliced per layer.
type acts struct {
	B, T                  int
	N, attN               int       // tokens computed (B*T unless packed); att floats per layer
	pk                    *packing  // the packed layout, or nil for B full rows
	pos                   []int32   // (N) each token's position, when packed
	inputs, targets       []int32   // (BT)
	encoded               []float32 // (BT,C)
	ln1, ln1mean, ln1rstd []float32 // (L,BT,C), (L,BT), (L,BT)
	qkv                   []float32 // (L,BT,3C)
	atty                  []float32 // (L,BT,C)
	att                   []float32 // (L,B,NH,T,T)
	res2                  []float32 // (L,BT,C)
	ln2, ln2mean, ln2rstd []float32 // (L,BT,C), (L,BT), (L,BT)
	fch, fchg             []float32 // (L,BT,4C)
	res3                  []float32 // (L,BT,C)
	lnf, lnfmean, lnfrstd []float32 // (BT,C), (BT), (BT)
	probs                 []float32 // (BT,V): logits, then probabilities, then d(logits)
	logp, entropy         []float32 // (BT)
	// backward scratch, reused by every layer
	dres, dln, datty, dqkv, dfch, dfchg, tmp []float32
	ready                                    bool // a Forward ran since the last Backward
}

// Model is a GPT-style decoder: parameters, their gradients, and the
// activations of the latest Forward. A Model is not safe for concurrent
// use; Clone gives an independent copy.
type Model struct {
	cfg   Config
	be    gpu.Backend
	flat  []float32 // all parameters
	gflat []float32 // all gradients, allocated on first Backward
	p, g  params
	a     *acts
	spare spareSampler // buffers kept between Sample and LogProbs calls
}

// New builds a model with GPT-2 initialisation from cfg.Seed: weights
// N(0, 0.02), the residual projections scaled by 1/sqrt(2L), biases 0,
// norms 1. It uses the process-wide gpu backend.
func New(cfg Config) (*Model, error) {
	m, err := newEmpty(cfg)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15))
	resid := 0.02 / math.Sqrt(2*float64(cfg.Layers))
	for i, s := range paramSpecs(cfg) {
		v := *m.p.views()[i]
		switch s.name {
		case "ln1w", "ln2w", "lnfw":
			for j := range v {
				v[j] = 1
			}
		case "attprojw", "fcprojw":
			for j := range v {
				v[j] = float32(rng.NormFloat64() * resid)
			}
		default:
			if s.decay {
				for j := range v {
					v[j] = float32(rng.NormFloat64() * 0.02)
				}
			}
		}
	}
	return m, nil
}

func newEmpty(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	be, err := gpu.Default()
	if err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	m := &Model{cfg: cfg, be: be, flat: be.Alloc(numParams(cfg))}
	m.p = bindParams(cfg, m.flat)
	return m, nil
}

// Config returns the model's architecture.
func (m *Model) Config() Config { return m.cfg }

// NumParams is the number of float32 parameters.
func (m *Model) NumParams() int { return len(m.flat) }

// Backend names the compute backend the model runs on.
func (m *Model) Backend() string { return m.be.Name() }

// Clone returns a deep copy of the parameters (no gradients, no
// activations), e.g. a frozen reference model or the old policy.
func (m *Model) Clone() *Model {
	c := &Model{cfg: m.cfg, be: m.be, flat: m.be.Alloc(len(m.flat))}
	m.be.Sync()
	copy(c.flat, m.flat)
	c.p = bindParams(c.cfg, c.flat)
	return c
}

// CopyFrom overwrites m's parameters with src's (same Config), without
// allocating: the cheap way to refresh an old-policy copy every step.
func (m *Model) CopyFrom(src *Model) error {
	if m.cfg.Vocab != src.cfg.Vocab || m.cfg.MaxSeq != src.cfg.MaxSeq || m.cfg.Layers != src.cfg.Layers ||
		m.cfg.Dim != src.cfg.Dim || m.cfg.Heads != src.cfg.Heads {
		return fmt.Errorf("nn: CopyFrom: config %+v differs from %+v", src.cfg, m.cfg)
	}
	m.be.Sync()
	copy(m.flat, src.flat)
	return nil
}

// Params returns the parameter tensors by name, as views (not copies) of
// the model's memory; shapes are in ParamShapes. Writing to them changes
// the model.
func (m *Model) Params() map[string][]float32 {
	m.be.Sync()
	out := map[string][]float32{}
	for i, s := range paramSpecs(m.cfg) {
		out[s.name] = *m.p.views()[i]
	}
	return out
}

// ParamShapes returns each parameter tensor's shape by name.
func (m *Model) ParamShapes() map[string][]int {
	out := map[string][]int{}
	for _, s := range paramSpecs(m.cfg) {
		out[s.name] = append([]int(nil), s.shape...)
	}
	return out
}

// Batch is B rows of T tokens, row-major. Targets[i] is the token that
// should follow Inputs[i]. Rows may be right-padded with any valid token
// id; the caller masks pads in the loss. A negative target is also
// allowed: its log-probability is reported as 0 and takes no gradient.
type Batch struct {
	B, T            int
	Inputs, Targets []int
	// Shared, when set (one entry per row), packs the batch for training:
	// Shared[r] = k > 0 says that row r's first k positions are those of
	// its lead, the nearest row above with Shared 0 (the same inputs and
	// targets: GRPO's rollouts of one prompt), and that the caller puts no
	// gradient on them in row r. Forward then computes those positions
	// once, in the lead, whose keys and values row r's later positions
	// attend to, and computes no row past its last target (a padded row's
	// tail). The log-probabilities and gradients are the full batch's up
	// to float32 rounding; Forward reports a shared position's values as
	// its lead's and 0 past a row's last target, and Backward panics on a
	// gradient at a position it did not compute. Backends without
	// gpu.Packed run the full batch.
	Shared []int
}

// Check reports why the batch cannot run on this model, or nil.
func (m *Model) Check(b *Batch) error {
	if b == nil {
		return fmt.Errorf("nn: nil batch")
	}
	if b.B < 1 || b.T < 1 {
		return fmt.Errorf("nn: batch shape B=%d T=%d: both must be >= 1", b.B, b.T)
	}
	if b.T > m.cfg.MaxSeq {
		return fmt.Errorf("nn: batch T=%d exceeds the model's MaxSeq %d", b.T, m.cfg.MaxSeq)
	}
	if len(b.Inputs) != b.B*b.T || len(b.Targets) != b.B*b.T {
		return fmt.Errorf("nn: batch B=%d T=%d needs %d inputs and targets, got %d and %d",
			b.B, b.T, b.B*b.T, len(b.Inputs), len(b.Targets))
	}
	for i, t := range b.Inputs {
		if t < 0 || t >= m.cfg.Vocab {
			return fmt.Errorf("nn: batch input %d (row %d, position %d) = %d is outside the vocabulary [0,%d)",
				i, i/b.T, i%b.T, t, m.cfg.Vocab)
		}
	}
	for i, t := range b.Targets {
		if t >= m.cfg.Vocab {
			return fmt.Errorf("nn: batch target %d (row %d, position %d) = %d is outside the vocabulary [0,%d)",
				i, i/b.T, i%b.T, t, m.cfg.Vocab)
		}
	}
	return checkShared(b)
}

// ensureActs (re)allocates the activations when the batch shape grows; a
// smaller shape reuses the existing buffers, so a training loop allocates
// once. BT is the number of tokens computed and attN the attention
// probabilities per layer (B*NH*T*T for B full rows).
func (m *Model) ensureActs(B, T, BT, attN int) *acts {
	a := m.a
	L, C, V := m.cfg.Layers, m.cfg.Dim, m.cfg.Vocab
	if a != nil && cap(a.inputs) >= BT && cap(a.att) >= L*attN {
		a.B, a.T, a.N, a.attN, a.pk = B, T, BT, attN, nil
		return a
	}
	al := m.be.Alloc
	a = &acts{B: B, T: T, N: BT, attN: attN,
		inputs: make([]int32, BT), targets: make([]int32, BT), pos: make([]int32, BT),
		encoded: al(BT * C),
		ln1:     al(L * BT * C), ln1mean: al(L * BT), ln1rstd: al(L * BT),
		qkv: al(L * BT * 3 * C), atty: al(L * BT * C), att: al(L * attN),
		res2: al(L * BT * C),
		ln2:  al(L * BT * C), ln2mean: al(L * BT), ln2rstd: al(L * BT),
		fch: al(L * BT * 4 * C), fchg: al(L * BT * 4 * C), res3: al(L * BT * C),
		lnf: al(BT * C), lnfmean: al(BT), lnfrstd: al(BT),
		probs: al(BT * V), logp: al(BT), entropy: al(BT),
		dres: al(BT * C), dln: al(BT * C), datty: al(BT * C), dqkv: al(BT * 3 * C),
		dfch: al(BT * 4 * C), dfchg: al(BT * 4 * C), tmp: al(BT * C),
	}
	m.a = a
	return a
}

// Forward runs the model on a batch and returns, per position (B*T),
// log p(target) and the entropy of the predictive distribution. It keeps
// the activations for Backward; they are allocated on the first call and
// reused while later batches are no larger. Memory is about
// 4*(L*B*T*(16*C + NH*T) + B*T*V) bytes (the attention probabilities grow
// with T squared), so split large batches into micro-batches: Backward
// accumulates gradients across them. It panics with a descriptive message on a
// batch that fails Check (call Check first for untrusted input).
func (m *Model) Forward(b *Batch) (logp, entropy []float32) {
	if err := m.Check(b); err != nil {
		panic(err)
	}
	B, T := b.B, b.T
	BT := B * T
	if _, ok := m.be.(gpu.Packed); ok && b.Shared != nil {
		pk := newPacking(b, m.cfg.Heads)
		a := m.ensureActs(B, T, pk.N, pk.att)
		a.pk = pk
		pk.fill(b, a.inputs, a.targets, a.pos)
		m.forward(a)
		m.be.Sync()
		logp, entropy = make([]float32, BT), make([]float32, BT)
		pk.unpack(logp, a.logp[:a.N])
		pk.unpack(entropy, a.entropy[:a.N])
		return logp, entropy
	}
	a := m.ensureActs(B, T, BT, B*m.cfg.Heads*T*T)
	for i := 0; i < BT; i++ {
		a.inputs[i] = int32(b.Inputs[i])
		a.targets[i] = int32(max(b.Targets[i], -1))
	}
	m.forward(a)
	m.be.Sync()
	logp = append([]float32(nil), a.logp[:BT]...)
	entropy = append([]float32(nil), a.entropy[:BT]...)
	return logp, entropy
}

// Probs returns a copy of the predictive distributions of the latest
// Forward, (B*T, V) row-major, or nil when there is none (Backward
// consumes them, and a packed Forward keeps only its rows' own positions).
func (m *Model) Probs() []float32 {
	a := m.a
	if a == nil || !a.ready || a.pk != nil {
		return nil
	}
	m.be.Sync()
	return append([]float32(nil), a.probs[:a.B*a.T*m.cfg.Vocab]...)
}

// layer returns the slice of a per-layer buffer (L, n) for layer l.
func layer(buf []float32, l, n int) []float32 { return buf[l*n : (l+1)*n] }

// linear is out (N,OC) = inp (N,IC) w^T + bias, with w (OC,IC).
func (m *Model) linear(out, inp, w, bias []float32, N, IC, OC int) {
	if l, ok := m.be.(gpu.Linear); ok {
		l.LinearForward(out, inp, w, bias, N, IC, OC)
		return
	}
	m.be.Gemm(false, true, N, OC, IC, 1, inp, IC, w, IC, 0, out, OC)
	if bias != nil {
		m.be.BiasForward(out, bias, N, OC)
	}
}

// linearBackward accumulates dw += dout^T inp and dbias, and sets
// dinp = dout w.
func (m *Model) linearBackward(dinp, dw, dbias, dout, inp, w []float32, N, IC, OC int) {
	if dinp != nil {
		m.be.Gemm(false, false, N, IC, OC, 1, dout, OC, w, IC, 0, dinp, IC)
	}
	m.be.Gemm(true, false, OC, IC, N, 1, dout, OC, inp, IC, 1, dw, IC)
	if dbias != nil {
		m.be.BiasBackward(dbias, dout, N, OC)
	}
}

func (m *Model) forward(a *acts) {
	be, p := m.be, &m.p
	B, T, C, NH, V, L := a.B, a.T, m.cfg.Dim, m.cfg.Heads, m.cfg.Vocab, m.cfg.Layers
	BT := a.N
	if a.pk != nil {
		be.(gpu.Packed).EmbedForwardAt(a.encoded[:BT*C], a.inputs[:BT], a.pos[:BT], p.wte, p.wpe, BT, C)
	} else {
		be.EmbedForward(a.encoded[:BT*C], a.inputs[:BT], p.wte, p.wpe, B, T, C)
	}
	residual := a.encoded[:BT*C]
	for l := 0; l < L; l++ {
		ln1, qkv, atty := layer(a.ln1, l, BT*C), layer(a.qkv, l, BT*3*C), layer(a.atty, l, BT*C)
		att := layer(a.att, l, a.attN)
		res2, ln2, res3 := layer(a.res2, l, BT*C), layer(a.ln2, l, BT*C), layer(a.res3, l, BT*C)
		fch, fchg := layer(a.fch, l, BT*4*C), layer(a.fchg, l, BT*4*C)
		be.LayerNormForward(ln1, layer(a.ln1mean, l, BT), layer(a.ln1rstd, l, BT), residual,
			layer(p.ln1w, l, C), layer(p.ln1b, l, C), BT, C)
		m.linear(qkv, ln1, layer(p.qkvw, l, 3*C*C), layer(p.qkvb, l, 3*C), BT, C, 3*C)
		// Attention is the only layer that mixes information across time.
		if a.pk != nil {
			be.(gpu.Packed).AttentionForwardPacked(atty, att, qkv, a.pk.rows, C, NH)
		} else {
			be.AttentionForward(atty, att, qkv, B, T, C, NH)
		}
		m.linear(a.tmp[:BT*C], atty, layer(p.attprojw, l, C*C), layer(p.attprojb, l, C), BT, C, C)
		be.Add(res2, residual, a.tmp[:BT*C])
		be.LayerNormForward(ln2, layer(a.ln2mean, l, BT), layer(a.ln2rstd, l, BT), res2,
			layer(p.ln2w, l, C), layer(p.ln2b, l, C), BT, C)
		m.linear(fch, ln2, layer(p.fcw, l, 4*C*C), layer(p.fcb, l, 4*C), BT, C, 4*C)
		be.GeluForward(fchg, fch)
		m.linear(a.tmp[:BT*C], fchg, layer(p.fcprojw, l, 4*C*C), layer(p.fcprojb, l, C), BT, 4*C, C)
		be.Add(res3, res2, a.tmp[:BT*C])
		residual = res3
	}
	be.LayerNormForward(a.lnf[:BT*C], a.lnfmean[:BT], a.lnfrstd[:BT], residual, p.lnfw, p.lnfb, BT, C)
	// The output layer reuses the token embedding (weight tying).
	m.linear(a.probs[:BT*V], a.lnf[:BT*C], p.wte, nil, BT, C, V)
	be.LogSoftmaxForward(a.logp[:BT], a.entropy[:BT], a.probs[:BT*V], a.targets[:BT], BT, V)
	a.ready = true
}

// Backward accumulates parameter gradients of
// loss = sum_i dLogp[i]*logp[i] + dEntropy[i]*entropy[i]
// for the latest Forward. dEntropy may be nil. For MLE use
// dLogp[i] = -mask[i]/N. It panics when no Forward preceded it or the
// lengths do not match the batch.
func (m *Model) Backward(dLogp, dEntropy []float32) {
	a := m.a
	if a == nil || !a.ready {
		panic("nn: Backward without a preceding Forward")
	}
	B, T, C, NH, V, L := a.B, a.T, m.cfg.Dim, m.cfg.Heads, m.cfg.Vocab, m.cfg.Layers
	if len(dLogp) != B*T || (dEntropy != nil && len(dEntropy) != B*T) {
		panic(fmt.Sprintf("nn: Backward wants %d gradients per input (B*T), got dLogp %d, dEntropy %d", B*T, len(dLogp), len(dEntropy)))
	}
	BT := a.N
	if a.pk != nil {
		dl := make([]float32, BT)
		a.pk.pack(dl, dLogp, true, "dLogp")
		dLogp = dl
		if dEntropy != nil {
			de := make([]float32, BT)
			a.pk.pack(de, dEntropy, false, "dEntropy")
			dEntropy = de
		}
	}
	a.ready = false // the probabilities are overwritten below
	if m.gflat == nil {
		m.gflat = m.be.Alloc(len(m.flat))
		m.g = bindParams(m.cfg, m.gflat)
	}
	be, p, g := m.be, &m.p, &m.g

	dlogits := a.probs[:BT*V]
	be.LogSoftmaxBackward(dlogits, dLogp, dEntropy, a.entropy[:BT], a.targets[:BT], BT, V)
	dres := a.dres[:BT*C]
	m.linearBackward(a.dln[:BT*C], g.wte, nil, dlogits, a.lnf[:BT*C], p.wte, BT, C, V)
	be.Zero(dres)
	last := a.encoded[:BT*C]
	if L > 0 {
		last = layer(a.res3, L-1, BT*C)
	}
	be.LayerNormBackward(dres, g.lnfw, g.lnfb, a.dln[:BT*C], last, p.lnfw, a.lnfmean[:BT], a.lnfrstd[:BT], BT, C)

	dln, datty, dqkv := a.dln[:BT*C], a.datty[:BT*C], a.dqkv[:BT*3*C]
	dfch, dfchg := a.dfch[:BT*4*C], a.dfchg[:BT*4*C]
	for l := L - 1; l >= 0; l-- {
		resIn := a.encoded[:BT*C]
		if l > 0 {
			resIn = layer(a.res3, l-1, BT*C)
		}
		ln1, qkv, atty := layer(a.ln1, l, BT*C), layer(a.qkv, l, BT*3*C), layer(a.atty, l, BT*C)
		att := layer(a.att, l, a.attN)
		res2, ln2 := layer(a.res2, l, BT*C), layer(a.ln2, l, BT*C)
		fch, fchg := layer(a.fch, l, BT*4*C), layer(a.fchg, l, BT*4*C)
		// dres holds d(res3); res3 = res2 + fcproj(gelu(fc(ln2(res2)))).
		m.linearBackward(dfchg, layer(g.fcprojw, l, 4*C*C), layer(g.fcprojb, l, C), dres, fchg, layer(p.fcprojw, l, 4*C*C), BT, 4*C, C)
		dpre := dfch // d(fch)
		if gi, ok := be.(gpu.GeluInPlace); ok {
			gi.GeluBackwardInPlace(dfchg, fch)
			dpre = dfchg
		} else {
			be.Zero(dfch)
			be.GeluBackward(dfch, fch, dfchg)
		}
		m.linearBackward(dln, layer(g.fcw, l, 4*C*C), layer(g.fcb, l, 4*C), dpre, ln2, layer(p.fcw, l, 4*C*C), BT, C, 4*C)
		be.LayerNormBackward(dres, layer(g.ln2w, l, C), layer(g.ln2b, l, C), dln, res2, layer(p.ln2w, l, C),
			layer(a.ln2mean, l, BT), layer(a.ln2rstd, l, BT), BT, C)
		// dres now holds d(res2); res2 = resIn + attproj(attention(qkv(ln1(resIn)))).
		m.linearBackward(datty, layer(g.attprojw, l, C*C), layer(g.attprojb, l, C), dres, atty, layer(p.attprojw, l, C*C), BT, C, C)
		be.Zero(dqkv)
		if a.pk != nil {
			be.(gpu.Packed).AttentionBackwardPacked(dqkv, datty, qkv, att, a.pk.rows, C, NH)
		} else {
			be.AttentionBackward(dqkv, datty, qkv, att, B, T, C, NH)
		}
		m.linearBackward(dln, layer(g.qkvw, l, 3*C*C), layer(g.qkvb, l, 3*C), dqkv, ln1, layer(p.qkvw, l, 3*C*C), BT, C, 3*C)
		be.LayerNormBackward(dres, layer(g.ln1w, l, C), layer(g.ln1b, l, C), dln, resIn, layer(p.ln1w, l, C),
			layer(a.ln1mean, l, BT), layer(a.ln1rstd, l, BT), BT, C)
	}
	if a.pk != nil {
		be.(gpu.Packed).EmbedBackwardAt(g.wte, g.wpe, dres, a.inputs[:BT], a.pos[:BT], BT, C)
	} else {
		be.EmbedBackward(g.wte, g.wpe, dres, a.inputs[:BT], B, T, C)
	}
	be.Sync()
}

// ZeroGrad clears the accumulated gradients.
func (m *Model) ZeroGrad() {
	if m.gflat != nil {
		m.be.Zero(m.gflat)
		m.be.Sync()
	}
}

// Grads returns the gradient tensors by name (views), or nil before the
// first Backward.
func (m *Model) Grads() map[string][]float32 {
	if m.gflat == nil {
		return nil
	}
	m.be.Sync()
	out := map[string][]float32{}
	for i, s := range paramSpecs(m.cfg) {
		out[s.name] = *m.g.views()[i]
	}
	return out
}
