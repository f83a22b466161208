//go:build cuda

package ptxgen

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/gpu/cuda/kernels"
)

var update = flag.Bool("update", false, "rewrite ../kernels/kernels.ptx from kernels.cu")

// TestEmbeddedPTXCurrent compiles the source for kernels.PTXArch and
// expects exactly the embedded PTX: an edit of kernels.cu without
// `make cuda-ptx` fails here. With -update it rewrites the file instead.
func TestEmbeddedPTXCurrent(t *testing.T) {
	ptx, err := Compile(kernels.PTXArch)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("../kernels/kernels.ptx", []byte(ptx), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if ptx != kernels.PTX {
		t.Fatalf("gpu/cuda/kernels/kernels.ptx is stale (NVRTC %s): run make cuda-ptx and commit it", NVRTCVersion())
	}
}

// TestCompile compiles every kernel with the real NVRTC for the common
// current architectures too, so a kernel that only breaks for newer
// targets fails in CI. It needs libnvrtc but no GPU.
func TestCompile(t *testing.T) {
	t.Logf("NVRTC %s", NVRTCVersion())
	for _, arch := range []int{70, 80, 90} {
		ptx, err := Compile(arch)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range kernels.Names {
			if !strings.Contains(ptx, ".entry "+name+"(") {
				t.Errorf("compute_%d: kernel %s missing from the PTX", arch, name)
			}
		}
	}
}

func TestCompileRejectsOldArch(t *testing.T) {
	if _, err := Compile(52); err == nil {
		t.Fatal("Compile(52) succeeded; want an error below PTXArch")
	}
}
