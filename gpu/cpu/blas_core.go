//go:build cgo && !purego

package cpu

// OpenBLAS built with DYNAMIC_ARCH (Debian's is) picks its kernels by the
// CPU's family and model number when the library loads. A model newer than
// the library falls back to the oldest x86-64 kernels ("Prescott", SSE3):
// Debian 12's OpenBLAS 0.3.21 on an Emerald Rapids Xeon (family 6, model
// 207) ran sgemm at 44 GFLOP/s instead of 150 to 200 with its AVX-512
// kernels, and a training step 3x slower (README, Benchmarks). Newer OpenBLAS releases choose by CPU
// features instead; until Debian ships one, we do the same: when the library
// chose a pre-AVX2 kernel set on a CPU with AVX2 and FMA (or AVX-512), we set
// OPENBLAS_CORETYPE and ask the library to choose again, before any BLAS call.
// A user's own OPENBLAS_CORETYPE always wins.

/*
// -lopenblas is set in blas_openblas.go (cgo flags apply to the package).
#cgo LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <cblas.h>

// rechooseCore re-runs OpenBLAS's kernel choice with OPENBLAS_CORETYPE set
// to core. The two entry points exist only in DYNAMIC_ARCH builds, so they
// are looked up at run time: a single-target build links and keeps its
// kernels. Returns 0 when the library cannot choose again.
static int rechooseCore(const char *core) {
	void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
	void (*init)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
	if (!quit || !init) return 0;
	if (setenv("OPENBLAS_CORETYPE", core, 1) != 0) return 0;
	quit();
	init();
	return 1;
}
*/
import "C"

import (
	"os"
	"strings"
	"unsafe"

	cpuid "golang.org/x/sys/cpu"
)

// preAVX2Cores are OpenBLAS's x86 kernel sets without AVX2 and FMA: what
// an unknown Intel or AMD model falls back to (lower-case core names).
var preAVX2Cores = map[string]bool{
	"prescott": true, "core2": true, "penryn": true, "dunnington": true, "nehalem": true,
	"atom": true, "katmai": true, "coppermine": true, "northwood": true, "banias": true,
	"opteron": true, "opteron_sse3": true, "barcelona": true, "bobcat": true, "sandybridge": true,
}

// blasCoreFix records what fixBLASCore did, for BLASCore.
var blasCoreFix string

func init() {
	want := betterCore(cpuid.X86.HasAVX512F && cpuid.X86.HasAVX512BW && cpuid.X86.HasAVX512VL && cpuid.X86.HasAVX512DQ,
		cpuid.X86.HasAVX2 && cpuid.X86.HasFMA)
	blasCoreFix = fixBLASCore(os.Getenv("OPENBLAS_CORETYPE") != "", blasCoreName(), want, func(core string) bool {
		cs := C.CString(core)
		defer C.free(unsafe.Pointer(cs))
		return C.rechooseCore(cs) == 1
	})
}

// betterCore is the kernel set a CPU with these features should get:
// SkylakeX for AVX-512 (F, BW, VL, DQ), Haswell for AVX2 with FMA, else "".
func betterCore(avx512, avx2fma bool) string {
	switch {
	case avx512:
		return "SKYLAKEX"
	case avx2fma:
		return "HASWELL"
	}
	return ""
}

// fixBLASCore re-chooses the kernels when the library's choice (chosen) is
// a pre-AVX2 set and the CPU deserves better (want), unless the user set
// OPENBLAS_CORETYPE. It returns a note for BLASCore ("" when nothing was
// done).
func fixBLASCore(userSet bool, chosen, want string, rechoose func(string) bool) string {
	if userSet || want == "" || !preAVX2Cores[strings.ToLower(chosen)] {
		return ""
	}
	if !rechoose(want) {
		return "library chose " + chosen + " and cannot choose again"
	}
	return "re-chosen by CPU features: the library chose " + chosen
}

func blasCoreName() string { return C.GoString(C.openblas_get_corename()) }

// BLASCore names the OpenBLAS kernel set in use (for example "SkylakeX"),
// with a note when it was re-chosen because the library did not know the
// CPU model. Benchmarks report it: the kernel set decides the sgemm rate.
func BLASCore() string {
	if blasCoreFix != "" {
		return blasCoreName() + " (" + blasCoreFix + ")"
	}
	return blasCoreName()
}
