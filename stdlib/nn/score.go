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
// batch. The results equal Forward's up to float32 rounding (the products
// are summed in another order). For the log-probabilities a loss needs
// but does not differentiate: GRPO's reference and old policy. It panics
// on a batch that fails Check, as Forward does.
func (m *Model) LogProbs(b *Batch) []float32 {
	if err := m.Check(b); err != nil {
		panic(err)
	}
	B, T, C, V := b.B, b.T, m.cfg.Dim, m.cfg.Vocab
	per := max(1, min(B, scoreTokens/T))
	s := m.newSamplerN(per, T, per*T, KVFloat32, 0)
	defer s.release()
	be, p := m.be, &m.p
	out := make([]float32, B*T)
	toks, rows, pos, tgt := make([]int32, per*T), make([]int32, per*T), make([]int32, per*T), make([]int32, per*T)
	for r0 := 0; r0 < B; r0 += per {
		n := min(per, B-r0) * T
		for i := 0; i < n; i++ {
			toks[i] = int32(b.Inputs[r0*T+i])
			tgt[i] = int32(max(b.Targets[r0*T+i], -1))
			rows[i], pos[i] = int32(i/T), int32(i%T)
		}
		x := s.hidden(toks[:n], rows[:n], pos[:n])
		be.LayerNormForward(s.ln[:n*C], s.mean[:n], s.rstd[:n], x, p.lnfw, p.lnfb, n, C)
		m.linear(s.logits[:n*V], s.ln[:n*C], p.wte, nil, n, C, V)
		// The final norm's statistics are spent: its mean buffer takes the
		// entropies nobody reads, and the attention output's buffer the
		// log-probabilities (backend memory, for a device backend).
		be.LogSoftmaxForward(s.y[:n], s.mean[:n], s.logits[:n*V], tgt[:n], n, V)
		be.Sync()
		copy(out[r0*T:r0*T+n], s.y[:n])
	}
	return out
}
