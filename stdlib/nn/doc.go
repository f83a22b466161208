// Package nn is the transformer world model: a GPT-2 style decoder with
// explicit forward and backward passes (in the manner of llm.c's
// train_gpt2.c), AdamW, batched KV-cache sampling and safetensors
// checkpoints. Notebooks import it as "rlvr/nn".
//
// A training step:
//
//	m, _ := nn.New(nn.Config{Vocab: 512, MaxSeq: 256, Layers: 4, Dim: 256, Heads: 4, Seed: 1})
//	opt := nn.NewAdamW(nn.AdamWConfig{LR: 3e-4})
//	logp, _ := m.Forward(batch)       // log p(target) per position
//	m.Backward(dLogp, nil)            // e.g. dLogp[i] = -mask[i]/N for MLE
//	opt.Step(m)
//	m.ZeroGrad()
//
// Sampling keeps a KV cache, float32 by default; SampleOptions.KV =
// KVFloat16 halves its memory and the bytes each decoding step reads, for
// long sequences, at the price of log-probabilities about 1e-3 off Forward's,
// and KVInt8 (scaled 8-bit integers) halves them again, a few 1e-3 off.
// KVK8V16 (int8 keys, float16 values) reads three quarters of KVFloat16's
// bytes and stays within 1e-3.
//
// A batch whose rows begin alike (GRPO's G rollouts of one prompt) can be
// packed for training with Batch.Shared: each row's common positions are
// computed once, in its group's first row, and no row past its last target;
// the gradients are the full batch's up to float32 rounding. LogProbs, the
// forward-only pass for log-probabilities nobody differentiates, shares
// common positions the same way on its own.
//
// What it deliberately is not: a general tensor library. The model is one
// fixed architecture that can be read top to bottom (model.go), every hot
// operation runs on a gpu.Backend (gpu/cpu by default), and all buffers are
// allocated once per batch shape.
//
// Dimensions are named as in llm.c: B batch, T time, C channels (Dim),
// NH heads, hs = C/NH, L layers, V vocabulary, BT = B*T.
package nn
