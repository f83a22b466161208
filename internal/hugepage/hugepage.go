// Package hugepage allocates large host buffers that the kernel may back
// with 2 MiB transparent huge pages.
//
// Decoding streams the whole KV cache from memory every step. On 4 KiB
// pages the hardware prefetchers stop at every page boundary and every
// page costs a TLB miss; on a 2 MiB page a stream runs on. Linux backs
// memory with huge pages only where the process asks (madvise
// MADV_HUGEPAGE, the usual "madvise" setting of
// /sys/kernel/mm/transparent_hugepage/enabled) and only for whole 2 MiB
// extents at 2 MiB-aligned addresses, which Go's make does not promise. Make
// aligns and asks; the advice is a request, so memory stays correct (and
// only slower) where the kernel declines it or the OS has no such thing.
package hugepage

import "unsafe"

// Size is the huge page size that Make aligns to: 2 MiB on x86-64 and
// on arm64 with 4 KiB base pages.
const Size = 2 << 20

// Make returns a zeroed slice of n elements (len and cap n). Where the
// buffer spans at least one huge page it starts on a Size boundary and
// the whole huge pages it covers are advised for huge pages (on Linux;
// elsewhere it is plain make). The padding that alignment needs, under
// Size bytes, is address space the buffer never touches.
func Make[E any](n int) []E {
	var e E
	es := int(unsafe.Sizeof(e))
	if n <= 0 || es == 0 || n*es < Size || Size%es != 0 {
		return make([]E, n)
	}
	pad := Size / es
	b := make([]E, n+pad)
	addr := uintptr(unsafe.Pointer(&b[0]))
	off := int((Size-addr%Size)%Size) / es
	b = b[off : off+n : off+n]
	// Every whole huge page inside the allocation, including the part of
	// the padding after the buffer, so that its last partial page too is
	// huge where the padding allows it.
	start := uintptr(unsafe.Pointer(&b[0]))
	end := (addr + uintptr((n+pad)*es)) &^ (Size - 1)
	advise(unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), int(end-start)))
	return b
}
