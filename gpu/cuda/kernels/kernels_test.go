//go:build cuda

package kernels

import (
	"os"
	"strings"
	"testing"
)

// TestCompile compiles every kernel with the real NVRTC for the oldest
// supported architecture and the common current ones, and checks that each
// kernel the backend loads is an entry point of the PTX. It needs libnvrtc
// but no GPU, so CI runs it (make cuda-check).
func TestCompile(t *testing.T) {
	t.Logf("NVRTC %s", NVRTCVersion())
	for _, arch := range []int{60, 70, 80, 90} {
		ptx, err := Compile(arch)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range Names {
			if !strings.Contains(ptx, ".entry "+name+"(") {
				t.Errorf("compute_%d: kernel %s missing from the PTX", arch, name)
			}
		}
		if !strings.Contains(ptx, ".target sm_"+itoa(arch)) {
			t.Errorf("compute_%d: PTX has no .target sm_%d line", arch, arch)
		}
	}
}

// TestCompileCached checks the on-disk PTX cache: the first call writes
// the file, the second returns its contents, and a corrupt file is
// replaced by a fresh compile.
func TestCompileCached(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	want, err := CompileCached(80)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(want, ".entry attn_fwd(") {
		t.Fatal("CompileCached(80) returned PTX without the kernels")
	}
	path := cachePath(80)
	if b, err := os.ReadFile(path); err != nil || string(b) != want {
		t.Fatalf("cache file %s: err %v", path, err)
	}
	if got, err := CompileCached(80); err != nil || got != want {
		t.Fatalf("cached CompileCached: err %v, same PTX %v", err, got == want)
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := CompileCached(80); err != nil || got != want {
		t.Fatalf("CompileCached over a corrupt cache: err %v, same PTX %v", err, got == want)
	}
}

func TestCompileRejectsOldArch(t *testing.T) {
	if _, err := Compile(52); err == nil {
		t.Fatal("Compile(52) succeeded; want an error below MinArch")
	}
}

// TestNamesMatchSource keeps Names and the extern "C" kernels of the
// source in step: a kernel added to one but not the other fails here.
func TestNamesMatchSource(t *testing.T) {
	inSource := map[string]bool{}
	for _, line := range strings.Split(Source, "\n") {
		const pre = `extern "C" __global__ void `
		if rest, ok := strings.CutPrefix(line, pre); ok {
			inSource[rest[:strings.IndexByte(rest, '(')]] = true
		}
	}
	for _, n := range Names {
		if !inSource[n] {
			t.Errorf("Names lists %s, which the source does not define", n)
		}
		delete(inSource, n)
	}
	for n := range inSource {
		t.Errorf("the source defines kernel %s, missing from Names", n)
	}
}

func itoa(n int) string {
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}
