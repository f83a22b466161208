//go:build cuda

// Package kernels holds the CUDA C source of the CUDA backend's kernels
// (kernels.cu, embedded in the binary) and compiles it to PTX with NVRTC.
// Compiling at start-up, for the GPU actually present, means the build
// needs no nvcc and no GPU, and the PTX matches the device. NVRTC itself
// needs no GPU either, so CI compiles the source here for every supported
// architecture (TestCompile) even though it cannot run the kernels.
//
// The package links only libnvrtc, not libcuda, so its tests run on a
// machine without a GPU driver.
package kernels

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gorgonia.org/cu/nvrtc"
)

// Source is the CUDA C source of every kernel.
//
//go:embed kernels.cu
var Source string

// Names lists the kernels in Source, in the order the backend loads them.
var Names = []string{
	"accumulate", "add", "scale", "scale2d", "sum_squares",
	"embed_fwd", "embed_bwd_wte", "embed_bwd_wpe", "bias_fwd", "bias_bwd",
	"ln_fwd", "ln_bwd_inp", "ln_bwd_wb", "gelu_fwd", "gelu_bwd",
	"attn_fwd", "attn_bwd_q", "attn_bwd_kv", "kv_write", "kv_attn",
	"logsoftmax_fwd", "logsoftmax_bwd", "adamw",
}

// MinArch is the oldest compute capability the kernels support: they use
// double-precision atomicAdd (6.0), and the backend needs managed memory
// with concurrent host access, which starts with Pascal.
const MinArch = 60

// Compile compiles Source for the virtual architecture compute_<arch>
// (e.g. 80 for sm_80) and returns the PTX. The error carries NVRTC's log.
// No fast-math flags: the backend is held to the CPU backend at fp32
// accuracy, and the approximate intrinsics would cost that.
func Compile(arch int) (string, error) {
	if arch < MinArch {
		return "", fmt.Errorf("kernels: compute capability %d.%d is below the supported %d.%d", arch/10, arch%10, MinArch/10, MinArch%10)
	}
	prog, err := nvrtc.CreateProgram(Source, "kernels.cu")
	if err != nil {
		return "", fmt.Errorf("kernels: nvrtc create program: %w", err)
	}
	defer prog.Destroy()
	opts := []string{fmt.Sprintf("--gpu-architecture=compute_%d", arch), "--std=c++14"}
	if err := prog.Compile(opts...); err != nil {
		log, _ := prog.GetLog()
		return "", fmt.Errorf("kernels: nvrtc compile for compute_%d: %w\n%s", arch, err, strings.TrimSpace(log))
	}
	ptx, err := prog.GetPTX()
	if err != nil {
		return "", fmt.Errorf("kernels: nvrtc get PTX: %w", err)
	}
	return ptx, nil
}

// CompileCached is Compile with an on-disk cache of the PTX under
// DIR/rlvrworld/ptx, where DIR is os.UserCacheDir (XDG_CACHE_HOME or
// ~/.cache), keyed by the source, the architecture and the NVRTC version:
// compiling takes about a second, and every process that opens the backend
// (each notebook kernel) would pay it. A cache that cannot be read or
// written is skipped; the PTX is then compiled as without it.
func CompileCached(arch int) (string, error) {
	path := cachePath(arch)
	if path != "" {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), ".entry ") {
			return string(b), nil
		}
	}
	ptx, err := Compile(arch)
	if err != nil || path == "" {
		return ptx, err
	}
	if os.MkdirAll(filepath.Dir(path), 0o755) == nil {
		tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
		if os.WriteFile(tmp, []byte(ptx), 0o644) == nil {
			if os.Rename(tmp, path) != nil {
				os.Remove(tmp)
			}
		}
	}
	return ptx, nil
}

// cachePath names the cached PTX for arch, or "" without a cache directory.
func cachePath(arch int) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	h := sha256.Sum256([]byte(Source + "\x00" + NVRTCVersion()))
	return filepath.Join(dir, "rlvrworld", "ptx", fmt.Sprintf("%s-compute_%d.ptx", hex.EncodeToString(h[:8]), arch))
}

// NVRTCVersion reports the NVRTC library version, e.g. "11.8".
func NVRTCVersion() string {
	maj, min, err := nvrtc.Version()
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d", maj, min)
}
