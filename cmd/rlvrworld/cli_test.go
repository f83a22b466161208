package main

import (
	"flag"
	"strings"
	"testing"
)

// verify -h names every registered task (the unknown-task error lists them
// all), the --serve and --generations modes, and each reward's range.
func TestVerifyUsageNamesTasksModesAndRanges(t *testing.T) {
	var b strings.Builder
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(&b)
	fs.String("task", "", "task name: "+strings.Join(registeredTasks(), ", "))
	fs.Usage = func() { b.WriteString(verifyUsage); fs.PrintDefaults() }
	fs.Usage()
	help := b.String()
	if len(registeredTasks()) < 4 {
		t.Fatalf("tasks %v", registeredTasks())
	}
	for _, want := range append(registeredTasks(), "--serve", "--generations", "0 to 1.3", "perfect answer scores 1.3", "-3 to 0") {
		if !strings.Contains(help, want) {
			t.Errorf("verify -h lacks %q:\n%s", want, help)
		}
	}
}

func TestVersionNamesTheProgram(t *testing.T) {
	if v := version(); !strings.HasPrefix(v, "rlvrworld ") || !strings.Contains(v, "go1") {
		t.Errorf("version() = %q", v)
	}
}

// run passes the kernel's stderr on without its start-up line.
func TestKernelListeningLineIsHidden(t *testing.T) {
	if !isKernelListeningLine("rlvrworld kernel: 2026/12/06 02:00:00 listening on 127.0.0.1 (shell 1, iopub 2)\n") {
		t.Error("the listening line is not recognised")
	}
	for _, keep := range []string{"panic: boom\n", "rlvrworld kernel: 2026/12/06 02:00:00 cell 3 panicked\n", "listening on 1\n"} {
		if isKernelListeningLine(keep) {
			t.Errorf("%q would be hidden", keep)
		}
	}
}
