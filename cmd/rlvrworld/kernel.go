package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/traefik/yaegi/interp"

	"github.com/rlvrworld/rlvrworld/gpu"
	_ "github.com/rlvrworld/rlvrworld/gpu/cpu" // registers the default backend
	"github.com/rlvrworld/rlvrworld/internal/jupyter"
	"github.com/rlvrworld/rlvrworld/kernel"
	"github.com/rlvrworld/rlvrworld/stdlib/symbols"
)

func init() {
	register("kernel", "run one Jupyter kernel (kernel --connection-file F), or install its kernelspec (kernel install)", runKernel)
}

func runKernel(args []string) int {
	if len(args) > 0 && args[0] == "install" {
		return runKernelInstall(args[1:])
	}
	fs := flag.NewFlagSet("rlvrworld kernel", flag.ContinueOnError)
	connFile := fs.String("connection-file", "", "Jupyter connection file (JSON)")
	fs.StringVar(connFile, "f", "", "shorthand for --connection-file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *connFile == "" {
		fmt.Fprintln(os.Stderr, "usage: rlvrworld kernel --connection-file FILE\n       rlvrworld kernel install [--user | --prefix DIR]")
		return 2
	}
	conn, err := jupyter.ReadConnection(*connFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rlvrworld kernel:", err)
		return 1
	}
	backend := "cpu"
	if b, err := gpu.Default(); err == nil {
		backend = b.Name()
	}
	k, err := kernel.New(kernel.Config{
		Conn:         conn,
		CaptureFDs:   true,
		HandleSIGINT: true,
		Symbols:      []interp.Exports{symbols.Short()},
		Backend:      backend,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "rlvrworld kernel:", err)
		return 1
	}
	if err := k.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "rlvrworld kernel:", err)
		return 1
	}
	return 0
}

// kernelSpec is the kernel.json Jupyter reads.
type kernelSpec struct {
	Argv          []string       `json:"argv"`
	DisplayName   string         `json:"display_name"`
	Language      string         `json:"language"`
	InterruptMode string         `json:"interrupt_mode"`
	Metadata      map[string]any `json:"metadata"`
}

func runKernelInstall(args []string) int {
	fs := flag.NewFlagSet("rlvrworld kernel install", flag.ContinueOnError)
	user := fs.Bool("user", false, "install for the current user (~/.local/share/jupyter), the default")
	prefix := fs.String("prefix", "", "install under DIR/share/jupyter/kernels")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *user && *prefix != "" {
		fmt.Fprintln(os.Stderr, "rlvrworld kernel install: --user and --prefix exclude each other")
		return 2
	}
	dir, err := installKernelSpec(*prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rlvrworld kernel install:", err)
		return 1
	}
	fmt.Println("installed kernelspec rlvrworld in", dir)
	return 0
}

// installKernelSpec writes the kernelspec under prefix (or the user's data
// directory when prefix is empty) and returns its directory.
func installKernelSpec(prefix string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("locate the binary: %w", err)
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	exe, err = filepath.Abs(exe)
	if err != nil {
		return "", err
	}
	var base string
	if prefix != "" {
		abs, err := filepath.Abs(prefix)
		if err != nil {
			return "", err
		}
		base = filepath.Join(abs, "share", "jupyter")
	} else if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		base = filepath.Join(x, "jupyter")
	} else {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		base = filepath.Join(home, ".local", "share", "jupyter")
	}
	dir := filepath.Join(base, "kernels", "rlvrworld")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	spec := kernelSpec{
		Argv:          []string{exe, "kernel", "--connection-file", "{connection_file}"},
		DisplayName:   "Go (RLVR-World)",
		Language:      "go",
		InterruptMode: "message",
		Metadata:      map[string]any{},
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	return dir, nil
}
