//go:build !linux

package hugepage

// advise does nothing: only Linux has madvise(MADV_HUGEPAGE).
func advise([]byte) {}
