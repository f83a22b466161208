// Package grpo is RLVR post-training with Group Relative Policy Optimization
// (notebooks import it as "rlvr/grpo"), exactly as ../shared/METHOD.md gives
// the reference implementation, scaled down for a CPU:
//
//   - for each prompt, G responses are sampled at temperature 1 with the
//     model's KV-cache sampler;
//   - each response is scored by the task's verifier (in parallel), and the
//     rewards are normalised within their group into advantages;
//   - the policy is updated with the clipped ratio loss, a k3 KL penalty to the
//     frozen start model, an entropy bonus, token-mean aggregation and masks
//     for prompt, padding and injected tokens (Loss), in mini-batches with
//     AdamW and gradient clipping (Trainer); a group's rollouts compute
//     their prompt's positions once (nn.Batch.Shared), and the reference
//     model's log-probabilities run forward-only (nn.Model.LogProbs);
//   - optionally (Config.DynamicSampling, off by default) a step draws
//     extra rollout batches until it has PromptsPerStep groups whose
//     rewards differ, as DAPO does: a start model that is right most of the
//     time otherwise spends most of each step on groups that teach nothing;
//   - Evaluate decodes a split with the task's evaluation settings and
//     returns its metrics, per-example scores and responses.
//
// Loss and Advantages work on plain slices, so they are tested against hand
// computation independent of the model.
package grpo
