package hugepage

import (
	"testing"
	"unsafe"
)

func TestMakeAlignsLargeBuffers(t *testing.T) {
	for _, n := range []int{Size/2 + 3, Size, 3*Size + 5} { // uint16: 1 MiB+, 4 MiB, 12 MiB+
		b := Make[uint16](n)
		if len(b) != n || cap(b) != n {
			t.Fatalf("Make(%d): len %d cap %d", n, len(b), cap(b))
		}
		if a := uintptr(unsafe.Pointer(&b[0])); a%Size != 0 {
			t.Fatalf("Make(%d) starts at %#x, not on a %d-byte boundary", n, a, Size)
		}
		for i, v := range b {
			if v != 0 {
				t.Fatalf("Make(%d)[%d] = %d, want zeroed memory", n, i, v)
			}
		}
		b[n-1] = 7 // the whole buffer is writable
	}
}

func TestMakeSmallIsPlain(t *testing.T) {
	if b := Make[float32](10); len(b) != 10 || cap(b) != 10 {
		t.Fatalf("Make(10): len %d cap %d", len(b), cap(b))
	}
	if b := Make[int8](0); len(b) != 0 {
		t.Fatalf("Make(0): len %d", len(b))
	}
}
