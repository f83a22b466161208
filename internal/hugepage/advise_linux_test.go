package hugepage

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// TestMakeAdvisesHugePages reads the process's memory map: the mapping that
// holds a large buffer must carry the "hg" flag (MADV_HUGEPAGE), wherever the
// kernel offers transparent huge pages at all.
func TestMakeAdvisesHugePages(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	b := Make[int8](4 * Size)
	flags, ferr := vmFlags(uintptr(unsafe.Pointer(&b[0])))
	if ferr != nil {
		t.Fatal(ferr)
	}
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Logf("no transparent huge pages here (%q, %v); flags %q", mode, err, flags)
		return // the advice is refused, and the buffer is plain memory: nothing to check but Make's own tests
	}
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Fatalf("the buffer's mapping has VmFlags %q, without hg (MADV_HUGEPAGE)", flags)
	}
}

// vmFlags is the VmFlags line of the mapping in /proc/self/smaps that
// contains addr.
func vmFlags(addr uintptr) (string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			in = lo <= addr && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmFlags:")), nil
		}
	}
	return "", fmt.Errorf("no mapping in /proc/self/smaps holds %#x", addr)
}
