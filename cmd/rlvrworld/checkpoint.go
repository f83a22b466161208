package main

import (
	"fmt"
	"io"
	"os"

	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

func init() {
	register("checkpoint", "describe model checkpoints, or add the checksum to old ones (info, seal)", runCheckpoint)
}

const checkpointUsage = `usage: rlvrworld checkpoint info FILE...   config, size, metadata and checksum of each checkpoint
       rlvrworld checkpoint seal FILE...   add the "nn.sha256" checksum to checkpoints saved before it

seal records the checksum of the tensors as they are: weights and metadata stay
byte for byte, the file's own SHA-256 (exp's start_sha256) changes with the
header. Seal only files whose origin you trust.
`

// runCheckpoint is `rlvrworld checkpoint info|seal FILE...`.
func runCheckpoint(args []string) int {
	if len(args) < 2 || (args[0] != "info" && args[0] != "seal") {
		fmt.Fprint(os.Stderr, checkpointUsage)
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
			return 0
		}
		return 2
	}
	run := sealCheckpoint
	if args[0] == "info" {
		run = printCheckpoint
	}
	code := 0
	for _, path := range args[1:] {
		if err := run(os.Stdout, path); err != nil {
			fmt.Fprintf(os.Stderr, "rlvrworld checkpoint %s: %v\n", args[0], err)
			code = 1
		}
	}
	return code
}

// printCheckpoint describes one checkpoint (nn.CheckpointInfo's report).
func printCheckpoint(w io.Writer, path string) error {
	info, err := nn.Inspect(path)
	if err == nil {
		fmt.Fprint(w, info)
	}
	return err
}

// sealCheckpoint seals one checkpoint and says what changed.
func sealCheckpoint(w io.Writer, path string) error {
	before, err := nn.Inspect(path)
	if err != nil {
		return err
	}
	if sealed, err := nn.Seal(path); err != nil || !sealed {
		if err == nil {
			fmt.Fprintf(w, "%s: already has a checksum, verified; left as it is\n", path)
		}
		return err
	}
	after, err := nn.Inspect(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: sealed (nn.sha256 %.12s…); file sha256 %.12s… -> %.12s…, tensors and metadata unchanged\n",
		path, after.Checksum, before.FileSHA256, after.FileSHA256)
	return nil
}
