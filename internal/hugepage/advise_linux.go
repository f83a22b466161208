package hugepage

import "golang.org/x/sys/unix"

// advise asks Linux to back b (page-aligned) with transparent huge pages.
// An error (a kernel built without them, or set to "never") leaves the
// memory on small pages, which is only slower.
func advise(b []byte) { _ = unix.Madvise(b, unix.MADV_HUGEPAGE) }
