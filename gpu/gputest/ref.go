// Package gputest holds every gpu.Backend to a float64 reference
// implementation of the same operations. A backend's test calls
//
//	gputest.Run(t, backend)
//
// and the reference itself is checked against finite differences in this
// package's own tests, so a backend that passes Run has correct gradients.
package gputest

import "math"

// The reference functions below are the specification: plain loops in
// float64, written for clarity, never for speed. Shapes as in package gpu.

// Gemm is row-major C = alpha*op(A)*op(B) + beta*C.
func Gemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float64
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// LayerNorm returns out (N,C), mean (N), rstd (N).
func LayerNorm(inp, w, b []float64, N, C int) (out, mean, rstd []float64) {
	out, mean, rstd = make([]float64, N*C), make([]float64, N), make([]float64, N)
	for i := 0; i < N; i++ {
		x := inp[i*C : i*C+C]
		var m, v float64
		for _, e := range x {
			m += e
		}
		m /= float64(C)
		for _, e := range x {
			v += (e - m) * (e - m)
		}
		v /= float64(C)
		s := 1 / math.Sqrt(v+1e-5)
		for c := range x {
			out[i*C+c] = (x[c]-m)*s*w[c] + b[c]
		}
		mean[i], rstd[i] = m, s
	}
	return
}

// LayerNormBackward returns dinp, dw, db for upstream dout.
func LayerNormBackward(dout, inp, w []float64, N, C int) (dinp, dw, db []float64) {
	_, mean, rstd := LayerNorm(inp, w, make([]float64, C), N, C)
	dinp, dw, db = make([]float64, N*C), make([]float64, C), make([]float64, C)
	for i := 0; i < N; i++ {
		var a, bsum float64
		for c := 0; c < C; c++ {
			n := (inp[i*C+c] - mean[i]) * rstd[i]
			dn := w[c] * dout[i*C+c]
			a += dn
			bsum += dn * n
		}
		a /= float64(C)
		bsum /= float64(C)
		for c := 0; c < C; c++ {
			n := (inp[i*C+c] - mean[i]) * rstd[i]
			dn := w[c] * dout[i*C+c]
			db[c] += dout[i*C+c]
			dw[c] += n * dout[i*C+c]
			dinp[i*C+c] = (dn - a - n*bsum) * rstd[i]
		}
	}
	return
}

// Gelu is the tanh approximation.
func Gelu(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}

// GeluGrad is d gelu / dx.
func GeluGrad(x float64) float64 {
	s := math.Sqrt(2 / math.Pi)
	th := math.Tanh(s * (x + 0.044715*x*x*x))
	return 0.5*(1+th) + 0.5*x*(1-th*th)*s*(1+3*0.044715*x*x)
}

// Attention returns out (B,T,C) and att (B,NH,T,T) for qkv (B,T,3C).
func Attention(qkv []float64, B, T, C, NH int) (out, att []float64) {
	hs := C / NH
	out, att = make([]float64, B*T*C), make([]float64, B*NH*T*T)
	scale := 1 / math.Sqrt(float64(hs))
	for b := 0; b < B; b++ {
		for h := 0; h < NH; h++ {
			for t := 0; t < T; t++ {
				q := qkv[(b*T+t)*3*C+h*hs:]
				row := att[((b*NH+h)*T+t)*T:]
				mx := math.Inf(-1)
				for j := 0; j <= t; j++ {
					k := qkv[(b*T+j)*3*C+C+h*hs:]
					var s float64
					for i := 0; i < hs; i++ {
						s += q[i] * k[i]
					}
					row[j] = s * scale
					mx = math.Max(mx, row[j])
				}
				var sum float64
				for j := 0; j <= t; j++ {
					row[j] = math.Exp(row[j] - mx)
					sum += row[j]
				}
				for j := 0; j <= t; j++ {
					row[j] /= sum
					v := qkv[(b*T+j)*3*C+2*C+h*hs:]
					for i := 0; i < hs; i++ {
						out[(b*T+t)*C+h*hs+i] += row[j] * v[i]
					}
				}
			}
		}
	}
	return
}

// AttentionBackward returns dqkv for upstream dout.
func AttentionBackward(dout, qkv []float64, B, T, C, NH int) []float64 {
	hs := C / NH
	_, att := Attention(qkv, B, T, C, NH)
	dqkv := make([]float64, len(qkv))
	scale := 1 / math.Sqrt(float64(hs))
	for b := 0; b < B; b++ {
		for h := 0; h < NH; h++ {
			for t := 0; t < T; t++ {
				row := att[((b*NH+h)*T+t)*T:]
				do := dout[(b*T+t)*C+h*hs:]
				datt := make([]float64, t+1)
				for j := 0; j <= t; j++ {
					v := (b*T+j)*3*C + 2*C + h*hs
					for i := 0; i < hs; i++ {
						datt[j] += do[i] * qkv[v+i]
						dqkv[v+i] += row[j] * do[i]
					}
				}
				var dot float64
				for j := 0; j <= t; j++ {
					dot += row[j] * datt[j]
				}
				q := (b*T+t)*3*C + h*hs
				for j := 0; j <= t; j++ {
					d := row[j] * (datt[j] - dot) * scale
					k := (b*T+j)*3*C + C + h*hs
					for i := 0; i < hs; i++ {
						dqkv[q+i] += d * qkv[k+i]
						dqkv[k+i] += d * qkv[q+i]
					}
				}
			}
		}
	}
	return dqkv
}

// LogSoftmax returns log p(target) (0 for negative targets), the entropy
// and the probabilities for logits (N,V).
func LogSoftmax(logits []float64, targets []int32, N, V int) (logp, ent, probs []float64) {
	logp, ent, probs = make([]float64, N), make([]float64, N), make([]float64, N*V)
	for i := 0; i < N; i++ {
		z := logits[i*V : i*V+V]
		mx := math.Inf(-1)
		for _, v := range z {
			mx = math.Max(mx, v)
		}
		var sum float64
		for _, v := range z {
			sum += math.Exp(v - mx)
		}
		lse := mx + math.Log(sum)
		for j, v := range z {
			lp := v - lse
			probs[i*V+j] = math.Exp(lp)
			ent[i] -= probs[i*V+j] * lp
		}
		if targets[i] >= 0 {
			logp[i] = z[targets[i]] - lse
		}
	}
	return
}

// LogSoftmaxBackward returns d(sum dlogp*logp + dent*ent)/dlogits.
func LogSoftmaxBackward(logits []float64, targets []int32, dlogp, dent []float64, N, V int) []float64 {
	_, ent, probs := LogSoftmax(logits, targets, N, V)
	g := make([]float64, N*V)
	for i := 0; i < N; i++ {
		for j := 0; j < V; j++ {
			p := probs[i*V+j]
			if targets[i] >= 0 {
				d := -p
				if j == int(targets[i]) {
					d++
				}
				g[i*V+j] += dlogp[i] * d
			}
			if dent != nil && p > 0 {
				g[i*V+j] -= dent[i] * p * (math.Log(p) + ent[i])
			}
		}
	}
	return g
}

// AdamW updates p in place (float64) exactly as gpu.Backend.AdamW specifies.
func AdamW(p, g, m, v []float64, lr, b1, b2, eps, wd float64, t int) {
	for i := range p {
		m[i] = b1*m[i] + (1-b1)*g[i]
		v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
		mh := m[i] / (1 - math.Pow(b1, float64(t)))
		vh := v[i] / (1 - math.Pow(b2, float64(t)))
		p[i] -= lr * (mh/(math.Sqrt(vh)+eps) + wd*p[i])
	}
}
