package nn

// scoreTokens is about how many tokens one LogProbs pass feeds through the
// model at once: enough rows for full-width matrix products, few enough
// that the step buffers (about 40 floats per token per channel with the
// logits) stay in the caches' reach.
const scoreTokens = 2048

// scoreCacheBytes bounds LogProbs' KV cache, which holds every row of a
// chunk whole: with prompts shared, a chunk has many rows that feed few
// tokens each.
const scoreCacheBytes = 32 << 20

// LogProbs returns log p(target) per position (B*T), as Forward does, but
// forward-only: it keeps no activations for Backward (it leaves the
// model's training state alone) and computes no entropy. It runs the
// decoder's KV-cache path, a chunk of rows at a time, so attention is the
// decoding kernels' fused prefill and memory stays a few MiB whatever the
// batch. A row that begins like the row before it (the same inputs and
// targets, as the G rollouts of one prompt do) is not computed twice: it
// copies that row's cached keys and values and log-probabilities for the
// common positions and feeds only the rest; chunks end between such groups
// where they can. A row's positions after its last target (padding) are
// not fed: no log-probability that is read depends on them. The results
// equal Forward's up to float32 rounding (the products are summed in other
// orders and shapes). For the log-probabilities a loss needs but does not
// differentiate: GRPO's reference. It panics on a batch that fails Check,
// as Forward does.
func (m *Model) LogProbs(b *Batch) []float32 {
	if err := m.Check(b); err != nil {
		panic(err)
	}
	B, T, C, V, NH, L := b.B, b.T, m.cfg.Dim, m.cfg.Vocab, m.cfg.Heads, m.cfg.Layers
	budget := max(scoreTokens, T)
	maxRows := max(1, min(B, scoreCacheBytes/(8*T*C*max(L, 1))))
	s := m.newSamplerN(maxRows, T, budget, KVFloat32, 0)
	defer s.release()
	be, p := m.be, &m.p
	out := make([]float32, B*T)
	// ends[r] is one past row r's last position with a target.
	ends := make([]int, B)
	for r := range ends {
		for t := T - 1; t >= 0; t-- {
			if b.Targets[r*T+t] >= 0 {
				ends[r] = t + 1
				break
			}
		}
	}
	share := sharesPrefixes(m.be)
	// follows is how many leading positions row r can take from row l's
	// cache (0: none; row l fed positions [0, ends[l])).
	follows := func(l, r int) int {
		if !share {
			return 0
		}
		return min(commonPrefix(b, l, r), ends[l], ends[r])
	}
	toks, rows, pos, tgt := make([]int32, budget), make([]int32, budget), make([]int32, budget), make([]int32, budget)
	at := make([]int, budget) // where each fed token's log-probability goes in out
	n := 0
	add := func(r, local, t int) {
		toks[n], rows[n], pos[n] = int32(b.Inputs[r*T+t]), int32(local), int32(t)
		tgt[n], at[n] = int32(max(b.Targets[r*T+t], -1)), r*T+t
		n++
	}
	// feed runs the n queued tokens and scatters their log-probabilities.
	feed := func() {
		if n == 0 {
			return
		}
		x := s.hidden(toks[:n], rows[:n], pos[:n])
		be.LayerNormForward(s.ln[:n*C], s.mean[:n], s.rstd[:n], x, p.lnfw, p.lnfb, n, C)
		m.linear(s.logits[:n*V], s.ln[:n*C], p.wte, nil, n, C, V)
		// The final norm's statistics are spent: its mean buffer takes the
		// entropies nobody reads, and the attention output's buffer the
		// log-probabilities (backend memory, for a device backend).
		be.LogSoftmaxForward(s.y[:n], s.mean[:n], s.logits[:n*V], tgt[:n], n, V)
		be.Sync()
		for j, i := range at[:n] {
			out[i] = s.y[j]
		}
		n = 0
	}
	// groupTokens is what the group that row r leads feeds: r whole, then
	// each following row that shares a prefix with r, its rest.
	groupTokens := func(r int) int {
		tok := ends[r]
		for q := r + 1; q < B; q++ {
			k := follows(r, q)
			if k == 0 {
				break
			}
			tok += ends[q] - k
		}
		return tok
	}
	lead, common := make([]int, maxRows), make([]int, maxRows)
	for r0 := 0; r0 < B; {
		// The chunk: rows r0.. while their tokens fit the budget; a new
		// group starts a new chunk when the whole group would not fit.
		r1, fed := r0, 0
		for r1 < B && r1-r0 < maxRows {
			i := r1 - r0
			lead[i], common[i] = i, 0
			if i > 0 {
				if k := follows(r0+lead[i-1], r1); k > 0 {
					lead[i], common[i] = lead[i-1], k
				}
			}
			need := ends[r1] - common[i]
			if i > 0 && lead[i] == i {
				if g := groupTokens(r1); fed+g > budget && g <= budget {
					break
				}
			}
			if i > 0 && fed+need > budget {
				break
			}
			fed += need
			r1++
		}
		// Leading rows: all their positions, in one pass.
		for r := r0; r < r1; r++ {
			if i := r - r0; lead[i] == i {
				for t := 0; t < ends[r]; t++ {
					add(r, i, t)
				}
			}
		}
		feed()
		// The others: the leader's cache and results for the common
		// positions, then the rest of the row.
		for r := r0; r < r1; r++ {
			i := r - r0
			k := common[i]
			if lead[i] == i {
				continue
			}
			for _, c := range s.kv {
				c.copyPrefix(i, lead[i], k, NH, T, C/NH)
			}
			copy(out[r*T:r*T+k], out[(r0+lead[i])*T:])
			for t := k; t < ends[r]; t++ {
				add(r, i, t)
			}
		}
		feed()
		r0 = r1
	}
	return out
}

// commonPrefix is the number of leading positions where rows a and b of
// the batch have the same inputs and the same targets: their keys, values
// and log-probabilities are equal there.
func commonPrefix(b *Batch, a, r int) int {
	T := b.T
	k := 0
	for k < T && b.Inputs[a*T+k] == b.Inputs[r*T+k] && b.Targets[a*T+k] == b.Targets[r*T+k] {
		k++
	}
	return k
}
