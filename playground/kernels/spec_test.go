package kernels

import (
	"context"
	"io"
	"log"
	"strings"
	"testing"
	"time"
)

func TestSpecs(t *testing.T) {
	s := BinarySpec("/opt/rlvrworld")
	if got := strings.Join(s.Argv, " "); got != "/opt/rlvrworld kernel --connection-file {connection_file}" {
		t.Errorf("argv %q", got)
	}
	j := s.JSON()
	if j["interrupt_mode"] != "message" || j["language"] != "go" || j["env"] == nil || j["metadata"] == nil {
		t.Errorf("kernel.json %v", j)
	}
	if IPythonSpec().JSON()["interrupt_mode"] != "signal" {
		t.Error("ipykernel interrupts by signal")
	}
	for _, bad := range []Spec{{Name: "", Argv: []string{"x"}}, {Name: "a/b", Argv: []string{"x"}}, {Name: "n"},
		{Name: "n", Argv: []string{"x"}, InterruptMode: "never"}} {
		if _, err := NewManager(Options{Specs: []Spec{bad}}); err == nil {
			t.Errorf("spec %+v accepted", bad)
		}
	}
	if _, err := NewManager(Options{Specs: []Spec{s, s}}); err == nil {
		t.Error("a spec given twice accepted")
	}
	if _, err := NewManager(Options{Specs: []Spec{s}, Default: "other"}); err == nil {
		t.Error("an unknown default accepted")
	}
}

func TestStartFailuresAreClear(t *testing.T) {
	m, err := NewManager(Options{
		Specs: []Spec{
			{Name: "missing", Argv: []string{"/nonexistent/kernel", "{connection_file}"}},
			{Name: "mute", Argv: []string{"/bin/sleep", "30"}}, // never binds its ports
		},
		StartTimeout: 500 * time.Millisecond,
		KernelOutput: io.Discard,
		Log:          log.New(io.Discard, "", 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Start(context.Background(), "missing"); err == nil || !strings.Contains(err.Error(), "/nonexistent/kernel") {
		t.Errorf("missing binary: %v", err)
	}
	start := time.Now()
	if _, err := m.Start(context.Background(), "mute"); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("a kernel that never answers: %v after %v", err, time.Since(start))
	}
	if _, err := m.Start(context.Background(), "nope"); err == nil {
		t.Error("unknown spec started")
	}
	if len(m.List()) != 0 {
		t.Errorf("failed kernels listed: %d", len(m.List()))
	}
}
