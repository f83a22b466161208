package nn

// scoreTokens is about how many tokens one LogProbs pass feeds through the
// model at once: enough rows for full-width matrix products, few enough
// that the step buffers (about 40 floats per token per channel with the
// logits) stay in the caches' reach.
const scoreTokens = 2048

// LogProbs returns log p(target) per position (B*T), as Forward does, but
// forward-only: it keeps no activations for Backward (it leaves the
// model's training state alone) and computes no entropy. It runs the
// decoder's KV-cache path, a chunk of rows at a time, so attention is the
// decoding kernels' fused prefill and memory stays a few MiB whatever the
// batch. A row that begins like the row before it (the same inputs and
// targets, as the G rollouts of one prompt do) is not computed twice: it
// copies that row's cached keys and values and log-probabilities for the
// common positions and feeds only the rest. The results equal Forward's up
// to float32 rounding (the products are summed in other orders and
// shapes). For the log-probabilities a loss needs but does not
// differentiate: GRPO's reference. It panics on a batch that fails Check,
// as Forward does.
func (m *Model) LogProbs(b *Batch) []float32 {
	if err := m.Check(b); err != nil {
		panic(err)
	}
	B, T, C, V, NH := b.B, b.T, m.cfg.Dim, m.cfg.Vocab, m.cfg.Heads
	per := max(1, min(B, scoreTokens/T))
	s := m.newSamplerN(per, T, per*T, KVFloat32, 0)
	defer s.release()
	share := sharesPrefixes(m.be)
	be, p := m.be, &m.p
	out := make([]float32, B*T)
	toks, rows, pos, tgt := make([]int32, per*T), make([]int32, per*T), make([]int32, per*T), make([]int32, per*T)
	at := make([]int, per*T) // where each fed token's log-probability goes in out
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
	lead, common := make([]int, per), make([]int, per)
	for r0 := 0; r0 < B; r0 += per {
		r1 := min(B, r0+per)
		// Rows that lead: all their positions, in one pass.
		for r := r0; r < r1; r++ {
			i := r - r0
			lead[i], common[i] = i, 0
			if share && i > 0 {
				if k := commonPrefix(b, r0+lead[i-1], r); k > 0 {
					lead[i], common[i] = lead[i-1], k
				}
			}
			if lead[i] == i {
				for t := 0; t < T; t++ {
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
			for t := k; t < T; t++ {
				add(r, i, t)
			}
		}
		feed()
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
