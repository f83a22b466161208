package kernels

import (
	"strings"
	"testing"
)

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

// TestPTXHasEveryKernel checks that the embedded PTX defines each kernel
// for the architecture the backend expects.
func TestPTXHasEveryKernel(t *testing.T) {
	for _, name := range Names {
		if !strings.Contains(PTX, ".entry "+name+"(") {
			t.Errorf("kernel %s missing from kernels.ptx", name)
		}
	}
	if !strings.Contains(PTX, ".target sm_60") {
		t.Error("kernels.ptx does not target sm_60")
	}
}
