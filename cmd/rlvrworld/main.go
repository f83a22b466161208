// Command rlvrworld is the RLVR-World playground: a Go notebook kernel, a
// Jupyter-compatible playground server and the command-line tools around the
// world-model library (data export, verification, experiments, benchmarks).
//
// Usage:
//
//	rlvrworld [serve] [flags]          start the playground (bare rlvrworld does this, and says so)
//	rlvrworld kernel --connection-file F run one Jupyter kernel
//	rlvrworld kernel install [...]     write the kernelspec
//	rlvrworld run NOTEBOOK [-o OUT]    execute a notebook headlessly
//	rlvrworld data ...                 export a task's dataset as JSONL
//	rlvrworld verify ...               score predictions
//	rlvrworld exp ...                  run MLE-vs-RLVR experiments
//	rlvrworld bench NAME               print performance figures as JSON
//	rlvrworld version                  print the version (also --version)
//
// Each subcommand lives in its own file and registers itself in init, so
// the subcommands stay independent of each other.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"strings"
)

// command is one subcommand: run receives the arguments after its name and
// returns the process exit code.
type command struct {
	summary string
	run     func(args []string) int
}

var commands = map[string]command{}

// register adds a subcommand; called from init functions.
func register(name, summary string, run func(args []string) int) {
	if _, dup := commands[name]; dup {
		panic("rlvrworld: subcommand registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

func dispatch(args []string) int {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		usage()
		return 0
	}
	if len(args) > 0 && (args[0] == "version" || args[0] == "--version" || args[0] == "-version") {
		fmt.Println(version())
		return 0
	}
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	} else {
		// Bare rlvrworld (or only flags) starts the playground; the first
		// line says so, since a server that starts unasked is a surprise.
		fmt.Fprintln(os.Stderr, "rlvrworld: no subcommand given, so starting the playground (rlvrworld serve); rlvrworld help lists the others")
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "rlvrworld: unknown subcommand %q\n\n", name)
		usage()
		return 2
	}
	return cmd.run(args)
}

// version names the build: the module version and, for a build from a
// git checkout, the commit and whether it had local changes.
func version() string {
	v := "rlvrworld (devel)"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = "rlvrworld " + bi.Main.Version
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " (modified)"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " commit " + rev + modified
	}
	return v + ", " + bi.GoVersion
}

func usage() {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "usage: rlvrworld [subcommand] [flags]\n\nWithout a subcommand, rlvrworld starts the playground (serve).\n\nsubcommands:")
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(os.Stderr, "  %-10s %s\n\n'rlvrworld SUBCOMMAND -h' describes a subcommand's flags.\n", "version", "print the version (also --version)")
}

// parseFlags parses a subcommand's flags. When the command should not go on
// it returns false and the exit code: 0 after -h (the usage was printed), 2
// for bad flags (the flag package printed the error and the usage).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}
