// Command rlvrworld is the RLVR-World playground: a Go notebook kernel, a
// Jupyter-compatible playground server and the command-line tools around the
// world-model library (data export, verification, experiments, benchmarks).
//
// Usage:
//
//	rlvrworld [serve] [flags]          start the playground (the default)
//	rlvrworld kernel --connection-file F run one Jupyter kernel
//	rlvrworld kernel install [...]     write the kernelspec
//	rlvrworld run NOTEBOOK [-o OUT]    execute a notebook headlessly
//	rlvrworld data ...                 export a task's dataset as JSONL
//	rlvrworld verify ...               score predictions
//	rlvrworld exp ...                  run MLE-vs-RLVR experiments
//	rlvrworld bench NAME               print performance figures as JSON
//
// Each subcommand lives in its own file and registers itself in init, so
// the subcommands stay independent of each other.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
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
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "rlvrworld: unknown subcommand %q\n\n", name)
		usage()
		return 2
	}
	return cmd.run(args)
}

func usage() {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "usage: rlvrworld [subcommand] [flags]\n\nsubcommands:")
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-8s %s\n", n, commands[n].summary)
	}
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
