package cpu

import (
	"math"

	"github.com/rlvrworld/rlvrworld/gpu"
)

var _ gpu.Packed = (*Backend)(nil)

// EmbedForwardAt is EmbedForward with each token's position given.
func (be *Backend) EmbedForwardAt(out []float32, tokens, pos []int32, wte, wpe []float32, N, C int) {
	be.embedForward(out, tokens, pos[:N], wte, wpe, N, 0, C)
}

// EmbedBackwardAt splits over channels, as EmbedBackward does, so that two
// tokens with the same id or position never race.
func (be *Backend) EmbedBackwardAt(dwte, dwpe, dout []float32, tokens, pos []int32, N, C int) {
	be.embedBackward(dwte, dwpe, dout, tokens, pos[:N], N, 0, C)
}

// packedGroups returns the [lo,hi) row ranges of the groups of rows: a lead
// row and the rows after it that share with it.
func packedGroups(rows []gpu.PackedRow) [][2]int {
	var g [][2]int
	for r, row := range rows {
		if row.Lead == r || len(g) == 0 {
			g = append(g, [2]int{r, r + 1})
			continue
		}
		g[len(g)-1][1] = r + 1
	}
	return g
}

// packedHead is one row's view of one head in a packed batch, as the
// packed attention's forward and backward both index it.
type packedHead struct {
	k, S, W int       // shared positions, own positions, k+S
	a       []float32 // the S x W probabilities
	own, ld int       // offset in qkv (and dqkv) of the head in the row's first own token, and in its lead's first token
	out     int       // offset in out (and dout) of the head in the row's first own token
	hs      int       // the head size
	scale   float32   // 1/sqrt(hs)
	C3      int       // qkv's row stride, 3C
}

// eachPackedHead runs fn for every row and head of a packed batch, one
// work item per (group, head) and the rows of a group in order, so that a
// lead's keys and values (and their gradients) belong to one work item.
func (be *Backend) eachPackedHead(att []float32, rows []gpu.PackedRow, C, NH int, fn func(ph packedHead)) {
	hs := C / NH
	scale := float32(1 / math.Sqrt(float64(hs)))
	C3 := 3 * C
	groups := packedGroups(rows)
	be.parallel(len(groups)*NH, 1, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			g, h := groups[j/NH], j%NH
			for r := g[0]; r < g[1]; r++ {
				row := rows[r]
				k, S := row.Shared, row.Len
				W := k + S
				fn(packedHead{k: k, S: S, W: W, a: att[row.Att+h*S*W : row.Att+(h+1)*S*W],
					own: row.Off*C3 + h*hs, ld: rows[row.Lead].Off*C3 + h*hs, out: row.Off*C + h*hs,
					hs: hs, scale: scale, C3: C3})
			}
		}
	})
}

// AttentionForwardPacked: a lead row (nothing shared) is
// AttentionForward's computation for one (row, head) over its own
// positions, operation for operation; a row with k shared positions has
// scores over k + its own positions, the first k against its lead's keys.
func (be *Backend) AttentionForwardPacked(out, att, qkv []float32, rows []gpu.PackedRow, C, NH int) {
	be.eachPackedHead(att, rows, C, NH, func(p packedHead) {
		k, S, W, a, hs, C3, scale := p.k, p.S, p.W, p.a, p.hs, p.C3, p.scale
		q, kk, vv := qkv[p.own:], qkv[p.own+C:], qkv[p.own+2*C:]
		lk, lv := qkv[p.ld+C:], qkv[p.ld+2*C:]
		o := out[p.out:]
		for r0 := 0; r0 < S; r0 += attnChunk {
			r1 := min(r0+attnChunk, S)
			// scores[r0:r1] = scale * q[r0:r1] (lead's k[0:k], own k[0:r1])^T
			if k > 0 {
				sgemm(false, true, r1-r0, k, hs, scale, q[r0*C3:], C3, lk, C3, 0, a[r0*W:], W)
			}
			sgemm(false, true, r1-r0, r1, hs, scale, q[r0*C3:], C3, kk, C3, 0, a[r0*W+k:], W)
			softmaxCausalRows(a, W, k, r0, r1)
			// out[r0:r1] = att[r0:r1, 0:k] lead's v[0:k] + att[r0:r1, k:k+r1] v[0:r1]
			var beta float32
			if k > 0 {
				sgemm(false, false, r1-r0, hs, k, 1, a[r0*W:], W, lv, C3, 0, o[r0*C:], C)
				beta = 1
			}
			sgemm(false, false, r1-r0, hs, r1, 1, a[r0*W+k:], W, vv, C3, beta, o[r0*C:], C)
		}
	})
}

// AttentionBackwardPacked is AttentionBackward over the packed layout: a
// row's gradients for its shared positions go to its lead's keys and
// values, which only its own work item touches.
func (be *Backend) AttentionBackwardPacked(dqkv, dout, qkv, att []float32, rows []gpu.PackedRow, C, NH int) {
	be.eachPackedHead(att, rows, C, NH, func(p packedHead) {
		k, S, W, a, hs, C3, scale := p.k, p.S, p.W, p.a, p.hs, p.C3, p.scale
		q, kk, vv := qkv[p.own:], qkv[p.own+C:], qkv[p.own+2*C:]
		dq, dk, dv := dqkv[p.own:], dqkv[p.own+C:], dqkv[p.own+2*C:]
		lk, lv := qkv[p.ld+C:], qkv[p.ld+2*C:]
		dlk, dlv := dqkv[p.ld+C:], dqkv[p.ld+2*C:]
		do := dout[p.out:]
		ps := scratch(S * W)
		da := *ps
		for r0 := 0; r0 < S; r0 += attnChunk {
			r1 := min(r0+attnChunk, S)
			// datt[r0:r1] = dout[r0:r1] (lead's v[0:k], own v[0:r1])^T
			if k > 0 {
				sgemm(false, true, r1-r0, k, hs, 1, do[r0*C:], C, lv, C3, 0, da[r0*W:], W)
				// lead's dv[0:k] += att[r0:r1, 0:k]^T dout[r0:r1]
				sgemm(true, false, k, hs, r1-r0, 1, a[r0*W:], W, do[r0*C:], C, 1, dlv, C3)
			}
			sgemm(false, true, r1-r0, r1, hs, 1, do[r0*C:], C, vv, C3, 0, da[r0*W+k:], W)
			// dv[0:r1] += att[r0:r1, k:k+r1]^T dout[r0:r1]
			sgemm(true, false, r1, hs, r1-r0, 1, a[r0*W+k:], W, do[r0*C:], C, 1, dv, C3)
			// softmax backward: dpre = att * (datt - sum_j att*datt)
			softmaxBackwardRows(da, a, W, k, r0, r1)
			// dq[r0:r1] += scale * dpre (lead's k[0:k], own k[0:r1])
			if k > 0 {
				sgemm(false, false, r1-r0, hs, k, scale, da[r0*W:], W, lk, C3, 1, dq[r0*C3:], C3)
				// lead's dk[0:k] += scale * dpre[r0:r1, 0:k]^T q[r0:r1]
				sgemm(true, false, k, hs, r1-r0, scale, da[r0*W:], W, q[r0*C3:], C3, 1, dlk, C3)
			}
			sgemm(false, false, r1-r0, hs, r1, scale, da[r0*W+k:], W, kk, C3, 1, dq[r0*C3:], C3)
			// dk[0:r1] += scale * dpre[r0:r1, k:k+r1]^T q[r0:r1]
			sgemm(true, false, r1, hs, r1-r0, scale, da[r0*W+k:], W, q[r0*C3:], C3, 1, dk, C3)
		}
		release(ps)
	})
}
