// Package kernels holds the CUDA kernels of the CUDA backend (gpu/cuda):
// their CUDA C source (kernels.cu) and the PTX compiled from it
// (kernels.ptx, for compute capability 6.0), both embedded in the binary.
// At start-up the driver JIT-compiles the PTX for the GPU present (and
// caches the result), so the binary needs neither nvcc nor NVRTC at run
// time. The PTX is generated with NVRTC 11.8 by package ptxgen, whose test
// (run by make cuda-check) fails when kernels.ptx is stale.
//
// This package is plain Go with no build tag, so its checks run in every
// go test.
package kernels

import _ "embed"

// Source is the CUDA C source of every kernel.
//
//go:embed kernels.cu
var Source string

// PTX is Source compiled by NVRTC for compute_60 (PTXArch).
//
//go:embed kernels.ptx
var PTX string

// PTXArch is the virtual architecture PTX targets: the oldest the kernels
// support (double-precision atomicAdd needs 6.0, and the backend's managed
// memory with concurrent host access starts with Pascal). Newer GPUs run it
// through the driver's JIT.
const PTXArch = 60

// Names lists the kernels in Source, in the order the backend loads them.
var Names = []string{
	"accumulate", "add", "scale", "scale2d", "sum_squares",
	"embed_fwd", "embed_bwd_wte", "embed_bwd_wpe", "bias_fwd", "bias_bwd",
	"ln_fwd", "ln_bwd_inp", "ln_bwd_wb", "gelu_fwd", "gelu_bwd",
	"attn_fwd", "attn_bwd_q", "attn_bwd_kv", "kv_write", "kv_attn",
	"logsoftmax_fwd", "logsoftmax_bwd", "adamw",
}
