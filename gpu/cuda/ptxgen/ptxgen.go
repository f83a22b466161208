//go:build cuda

// Package ptxgen compiles the CUDA kernels (package kernels) to PTX with
// NVRTC. It is a build-time tool, not part of the binary: NVRTC needs no
// GPU, so CI compiles the kernels for every supported architecture and
// checks that the embedded kernels.ptx matches its source. Regenerate the
// PTX after editing kernels.cu with
//
//	make cuda-ptx
//
// The package links only libnvrtc, not libcuda, so its tests run on a
// machine without a GPU driver.
package ptxgen

import (
	"fmt"
	"strings"

	"gorgonia.org/cu/nvrtc"

	"github.com/rlvrworld/rlvrworld/gpu/cuda/kernels"
)

// Compile compiles kernels.Source for the virtual architecture
// compute_<arch> (e.g. 80 for sm_80) and returns the PTX. The error
// carries NVRTC's log. No fast-math flags: the backend is held to the CPU
// backend at fp32 accuracy, and the approximate intrinsics would cost that.
func Compile(arch int) (string, error) {
	if arch < kernels.PTXArch {
		return "", fmt.Errorf("ptxgen: compute capability %d.%d is below the supported %d.%d", arch/10, arch%10, kernels.PTXArch/10, kernels.PTXArch%10)
	}
	prog, err := nvrtc.CreateProgram(kernels.Source, "kernels.cu")
	if err != nil {
		return "", fmt.Errorf("ptxgen: nvrtc create program: %w", err)
	}
	defer prog.Destroy()
	opts := []string{fmt.Sprintf("--gpu-architecture=compute_%d", arch), "--std=c++14"}
	if err := prog.Compile(opts...); err != nil {
		log, _ := prog.GetLog()
		return "", fmt.Errorf("ptxgen: nvrtc compile for compute_%d: %w\n%s", arch, err, strings.TrimSpace(log))
	}
	ptx, err := prog.GetPTX()
	if err != nil {
		return "", fmt.Errorf("ptxgen: nvrtc get PTX: %w", err)
	}
	// NVRTC counts the C string's terminating NUL in the PTX.
	return strings.TrimRight(ptx, "\x00"), nil
}

// NVRTCVersion reports the NVRTC library version, e.g. "11.8".
func NVRTCVersion() string {
	maj, min, err := nvrtc.Version()
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d", maj, min)
}
