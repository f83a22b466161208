// Package grpo is RLVR post-training with Group Relative Policy Optimization.
package grpo
