//go:build cgo && !purego

package cpu

import (
	"os"
	"strings"
	"testing"

	cpuid "golang.org/x/sys/cpu"
)

func TestFixBLASCore(t *testing.T) {
	var asked []string
	rechoose := func(ok bool) func(string) bool {
		return func(core string) bool { asked = append(asked, core); return ok }
	}
	for _, c := range []struct {
		userSet      bool
		chosen, want string
		ok           bool
		note         string // "" or a substring of the note
		asks         int
	}{
		{false, "Prescott", "SKYLAKEX", true, "the library chose Prescott", 1},
		{false, "Sandybridge", "HASWELL", true, "re-chosen", 1},
		{false, "Prescott", "SKYLAKEX", false, "cannot choose again", 1},
		{true, "Prescott", "SKYLAKEX", true, "", 0}, // the user's OPENBLAS_CORETYPE wins
		{false, "Zen", "HASWELL", true, "", 0},      // a known model keeps its kernels
		{false, "SkylakeX", "SKYLAKEX", true, "", 0},
		{false, "Prescott", "", true, "", 0}, // no AVX2: nothing better to choose
	} {
		asked = nil
		note := fixBLASCore(c.userSet, c.chosen, c.want, rechoose(c.ok))
		if len(asked) != c.asks || (c.asks > 0 && asked[0] != c.want) {
			t.Errorf("%+v: asked %v", c, asked)
		}
		if (c.note == "") != (note == "") || !strings.Contains(note, c.note) {
			t.Errorf("%+v: note %q", c, note)
		}
	}
}

// TestBLASCoreFitsCPU checks the real library on this machine: on a CPU
// with AVX2 and FMA, OpenBLAS must not run its pre-AVX2 kernels (unless the
// user forced a core type).
func TestBLASCoreFitsCPU(t *testing.T) {
	core := BLASCore()
	t.Logf("OpenBLAS core: %s", core)
	if os.Getenv("OPENBLAS_CORETYPE") != "" || !(cpuid.X86.HasAVX2 && cpuid.X86.HasFMA) {
		return
	}
	if preAVX2Cores[strings.ToLower(blasCoreName())] {
		t.Errorf("OpenBLAS runs %s kernels on a CPU with AVX2 and FMA", core)
	}
}
