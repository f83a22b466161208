package nn

import (
	"fmt"

	"github.com/rlvrworld/rlvrworld/gpu"
)

// packing lays a batch with Batch.Shared out for the packed training path:
// each row's own positions, from its shared ones to its last target, one
// row after another.
type packing struct {
	rows []gpu.PackedRow
	// N is the number of packed tokens; att the attention probabilities per
	// layer.
	N, att int
	// T is the batch's row length, and hasTarget[r*T+t] whether that
	// position has a target (a log-probability gradient elsewhere is moot).
	T         int
	hasTarget []bool
}

// rowEnd is one past the last position of row r that has a target (0 if
// none).
func rowEnd(b *Batch, r int) int {
	T := b.T
	for t := T - 1; t >= 0; t-- {
		if b.Targets[r*T+t] >= 0 {
			return t + 1
		}
	}
	return 0
}

// checkShared reports why b.Shared is not a valid sharing of b's rows.
func checkShared(b *Batch) error {
	if b.Shared == nil {
		return nil
	}
	if len(b.Shared) != b.B {
		return fmt.Errorf("nn: batch Shared has %d entries for %d rows", len(b.Shared), b.B)
	}
	T, lead, leadEnd := b.T, 0, 0
	for r, k := range b.Shared {
		switch {
		case k < 0 || k > T:
			return fmt.Errorf("nn: batch Shared[%d] = %d is outside [0,%d]", r, k, T)
		case k == 0:
			lead, leadEnd = r, rowEnd(b, r)
			continue
		case r == 0:
			return fmt.Errorf("nn: batch Shared[0] = %d: the first row has no row above to share with", k)
		case k > leadEnd:
			return fmt.Errorf("nn: batch Shared[%d] = %d, but its lead row %d has targets up to position %d only", r, k, lead, leadEnd)
		}
		for t := 0; t < k; t++ {
			if b.Inputs[r*T+t] != b.Inputs[lead*T+t] || max(b.Targets[r*T+t], -1) != max(b.Targets[lead*T+t], -1) {
				return fmt.Errorf("nn: batch Shared[%d] = %d, but row %d differs from its lead row %d at position %d", r, k, r, lead, t)
			}
		}
	}
	return nil
}

// newPacking plans the packed layout of b (Shared set, checked).
func newPacking(b *Batch, NH int) *packing {
	p := &packing{rows: make([]gpu.PackedRow, b.B), T: b.T, hasTarget: make([]bool, b.B*b.T)}
	for i, t := range b.Targets {
		p.hasTarget[i] = t >= 0
	}
	lead := 0
	for r, k := range b.Shared {
		if k == 0 {
			lead = r
		}
		n := max(0, rowEnd(b, r)-k) // the row's own positions, to its last target
		p.rows[r] = gpu.PackedRow{Off: p.N, Len: n, Shared: k, Lead: lead, Att: p.att}
		p.N += n
		p.att += NH * n * (k + n)
	}
	return p
}

// fill writes the packed inputs, targets and positions of b.
func (p *packing) fill(b *Batch, inputs, targets, pos []int32) {
	T := b.T
	for r, row := range p.rows {
		for j := 0; j < row.Len; j++ {
			t := row.Shared + j
			i := row.Off + j
			inputs[i], targets[i], pos[i] = int32(b.Inputs[r*T+t]), int32(max(b.Targets[r*T+t], -1)), int32(t)
		}
	}
}

// unpack lays packed per-token values (N) out per position (B*T): a row's
// shared positions get its lead's values (the same inputs and targets, so
// the same values), positions after its last target 0.
func (p *packing) unpack(dst, src []float32) {
	T := p.T
	clear(dst)
	for r, row := range p.rows {
		lead := p.rows[row.Lead]
		for t := 0; t < row.Shared; t++ {
			dst[r*T+t] = src[lead.Off+t]
		}
		copy(dst[r*T+row.Shared:r*T+row.Shared+row.Len], src[row.Off:row.Off+row.Len])
	}
}

// pack lays per-position gradients (B*T) out per packed token (N). The
// positions that are not packed (shared, or after the last target) must
// carry no gradient: the packed path does not compute them for that row. A
// log-probability gradient (logp true) matters only where there is a
// target, as in Forward.
func (p *packing) pack(dst, src []float32, logp bool, what string) {
	T := p.T
	for r, row := range p.rows {
		for t := 0; t < T; t++ {
			if t >= row.Shared && t < row.Shared+row.Len || src[r*T+t] == 0 || logp && !p.hasTarget[r*T+t] {
				continue
			}
			panic(fmt.Sprintf("nn: Backward: %s at row %d, position %d is %g, but Batch.Shared leaves that position to row %d (shared, or past the row's last target): it must be 0",
				what, r, t, src[r*T+t], row.Lead))
		}
		copy(dst[row.Off:row.Off+row.Len], src[r*T+row.Shared:r*T+row.Shared+row.Len])
	}
}
