package contents

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// peakHeap runs f and returns how far the live heap rose above where it
// stood before, sampled every half millisecond (a lower bound of the true
// peak, so a test that bounds it can only be too lenient, never flaky).
func peakHeap(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(500 * time.Microsecond):
			}
		}
	}()
	f()
	close(done)
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

func notebookWithMetadata(x string) json.RawMessage {
	return json.RawMessage(`{"nbformat":4,"nbformat_minor":5,"cells":[],"metadata":{"x":` + x + `}}`)
}

// The bodies of issue 25: a 63 MiB array of zeros (3.4 GB and a 198 MB
// file before) and a notebook nested 9,000 deep (an 81 MB file before).
func TestSaveCostBounded(t *testing.T) {
	m, _ := newManager(t)

	zeros := notebookWithMetadata("[" + strings.Repeat("0,", 63<<19) + "0]")
	var err error
	peak := peakHeap(func() { _, _, err = m.Save("zeros.ipynb", SaveModel{Type: "notebook", Content: zeros}) })
	if err == nil || code(t, err) != 400 {
		t.Errorf("63 MiB of zeros: %v, want 400", err)
	}
	if peak > 3*uint64(len(zeros)) {
		t.Errorf("63 MiB of zeros: the heap rose %d MiB for a %d MiB body", peak>>20, len(zeros)>>20)
	}
	zerosPeak := peak
	if _, err := os.Stat(filepath.Join(m.Root(), "zeros.ipynb")); err == nil {
		t.Error("the refused notebook was written")
	}

	deep := notebookWithMetadata(strings.Repeat("[", 9000) + strings.Repeat("]", 9000))
	if _, _, err := m.Save("deep.ipynb", SaveModel{Type: "notebook", Content: deep}); err != nil {
		t.Fatalf("9,000 deep: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(m.Root(), "deep.ipynb")); fi.Size() > 2*int64(len(deep)) {
		t.Errorf("9,000 deep: a %d-byte body wrote %d bytes", len(deep), fi.Size())
	}

	// A large real-looking notebook (16 MiB: long source lines and a
	// metadata array of ordinary numbers) is saved, at a bounded cost.
	var src strings.Builder
	for i := 0; src.Len() < 12<<20; i++ {
		fmt.Fprintf(&src, "x%06d := %q\n", i, strings.Repeat("ab", 30))
	}
	nums := make([]string, 0, 1<<18)
	for i := 0; i < cap(nums); i++ {
		nums = append(nums, fmt.Sprintf("%d.%06d", i, i*7%1000000))
	}
	cell, _ := json.Marshal(map[string]any{"id": "a", "cell_type": "code", "metadata": map[string]any{}, "source": src.String(),
		"execution_count": nil, "outputs": []any{}})
	big := json.RawMessage(`{"nbformat":4,"nbformat_minor":5,"cells":[` + string(cell) + `],"metadata":{"x":[` + strings.Join(nums, ",") + `]}}`)
	peak = peakHeap(func() { _, _, err = m.Save("big.ipynb", SaveModel{Type: "notebook", Content: big}) })
	if err != nil {
		t.Fatalf("a %d MiB notebook: %v", len(big)>>20, err)
	}
	if peak > 16*uint64(len(big)) {
		t.Errorf("a %d MiB notebook: the heap rose %d MiB", len(big)>>20, peak>>20)
	}
	written, _ := os.ReadFile(filepath.Join(m.Root(), "big.ipynb"))
	if len(written) > 2*len(big) {
		t.Errorf("a %d-byte notebook was written as %d bytes", len(big), len(written))
	}
	t.Logf("%d MiB notebook: heap +%d MiB, file %d MiB; 63 MiB of zeros: heap +%d MiB", len(big)>>20, peak>>20, len(written)>>20, zerosPeak>>20)
	if !bytes.Contains(written, []byte(`"x": [`)) {
		t.Error("the metadata array is missing from the file")
	}
}

// Nested values past indentDepth are compact; shallower ones are laid out
// as json.Indent lays them out.
func TestIndentBounded(t *testing.T) {
	src := []byte(`{"a":[1,{"b":[[],{}]}],"s":"x,{[\"]:"}`)
	var want bytes.Buffer
	json.Indent(&want, src, "", " ")
	if got := indentBounded(src, 100); string(got) != want.String() {
		t.Errorf("deep limit:\n%s\nwant\n%s", got, want.String())
	}
	if got, want := string(indentBounded(src, 1)), "{\n \"a\": [1,{\"b\":[[],{}]}],\n \"s\": \"x,{[\\\"]:\"\n}"; got != want {
		t.Errorf("depth 1:\n%s\nwant\n%s", got, want)
	}
}
