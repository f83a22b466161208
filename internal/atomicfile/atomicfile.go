// Package atomicfile replaces a file's contents in one step: the new bytes
// go to a temporary file in the same folder, which is renamed over the
// target only once it is complete, so a crash or an error part-way never
// leaves a truncated checkpoint, notebook or dataset where a reader looks.
package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Write replaces path with what write writes. The temporary file is named
// after path (base + ".tmp" + a random suffix), synced and renamed over
// path when write and the close succeed; on any error it is removed and
// path is left as it was. The file keeps an existing file's permissions,
// and is 0o644 when new (readable by others, as os.WriteFile's usual
// 0o644 under the common umask, where os.CreateTemp alone gives 0o600).
func Write(path string, write func(io.Writer) error) (err error) {
	mode := os.FileMode(0o644)
	if fi, statErr := os.Stat(path); statErr == nil {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = errors.Join(f.Chmod(mode), f.Sync()); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
