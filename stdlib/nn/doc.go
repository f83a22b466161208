// Package nn is the transformer world model: a GPT-style decoder with explicit
// forward and backward passes, AdamW, KV-cache sampling and safetensors checkpoints.
// Notebooks import it as "rlvr/nn".
package nn
