package main

import (
	"errors"
	"fmt"
	"os"
)

// startCheckpointError says why a run must stop when reading its start
// checkpoint at path failed with readErr (nil when it read fine, or when
// the user asked to pretrain a start model instead). A missing or corrupt
// checkpoint must not silently turn into a freshly pretrained start model:
// the run would compare different models than the user meant, and with -q
// nothing would say so.
func startCheckpointError(path string, readErr error, pretrain bool) error {
	switch {
	case readErr == nil || pretrain:
		return nil
	case errors.Is(readErr, os.ErrNotExist):
		return fmt.Errorf("no start checkpoint at %s: run `make checkpoints`, or pass --pretrain to pretrain a start model", path)
	default:
		return fmt.Errorf("start checkpoint %s is unusable: %v (pass --pretrain to pretrain a fresh start model instead)", path, readErr)
	}
}
