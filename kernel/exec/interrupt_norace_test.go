//go:build !race

package exec

// These two tests interrupt a cell whose interpreted code is still writing a
// variable (spins, ticks) and then read that variable from the next cell.
// yaegi v0.16.1 stops an interrupted goroutine without a happens-before edge
// to the next Eval, so the race detector reports the last write and the read
// as a race inside yaegi's frames (in 2 of 5 runs, issue 25). The behaviour
// they check (the interrupt lands, the loop stays dead, state survives) holds
// with or without the detector, so they run in every build but -race.
// TestRewriteGoroutinePanic is here for the same reason: a goroutine a cell
// starts writes a variable in yaegi's frames while the next Eval reads it.

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestInterruptTwoStepDefinition: a definition that runs the two-step way
// is interrupted like any cell, defines nothing, and the kernel goes on.
func TestInterruptTwoStepDefinition(t *testing.T) {
	e, _, _ := newExec(t)
	mustOK(t, e, "spins := 0\nfunc spin() (int, error) {\n\tfor {\n\t\tspins++\n\t}\n}")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result)
	go func() { done <- e.Execute(ctx, "a, err := spin()") }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case r := <-done:
		if r.Err == nil || r.Err.Name != "Interrupted" {
			t.Fatalf("interrupted definition: %+v", r.Err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("definition not interrupted within 2 s")
	}
	if r := run(t, e, "a"); r.Err == nil || !strings.Contains(r.Err.Value, "undefined: a") {
		t.Fatalf("a after the interrupt: %+v %v", r.Err, r.Value)
	}
	wantValue(t, e, "spins > 0", "true")
	// Errors of the right-hand side are the user's, at cell positions.
	r := run(t, e, "import \"strconv\"\nb, err := strconv.Atoi(1)")
	if r.Err == nil || r.Err.Name != "CompileError" || !strings.Contains(r.Err.Value, "cell:2:") {
		t.Fatalf("type error in a definition: %+v", r.Err)
	}
	r = run(t, e, "c, err := nosuch()")
	if r.Err == nil || !strings.Contains(r.Err.Value, "cell:1:11: undefined: nosuch") {
		t.Fatalf("undefined in a definition: %+v", r.Err)
	}
}

// An interrupted loop blocked in a compiled call must not come back to life
// when the next cell starts (yaegi resets the run id of the global frame).
func TestInterruptedLoopStaysDead(t *testing.T) {
	e, _, _ := newExec(t)
	mustOK(t, e, "import \"time\"\nticks := 0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result)
	go func() { done <- e.Execute(ctx, "for {\n\ttime.Sleep(300 * time.Millisecond)\n\tticks++\n}") }()
	time.Sleep(450 * time.Millisecond)
	cancel()
	if r := <-done; r.Err == nil || r.Err.Name != "Interrupted" {
		t.Fatalf("interrupted: %+v", r.Err)
	}
	before := mustOK(t, e, "ticks").Value
	time.Sleep(700 * time.Millisecond)
	after := mustOK(t, e, "ticks").Value
	if before != after {
		t.Fatalf("loop kept running after the interrupt: ticks %v then %v", before, after)
	}
}

// A goroutine's panic is reported on stderr and the process lives on.
func TestRewriteGoroutinePanic(t *testing.T) {
	e, _, errb := newExec(t)
	mustOK(t, e, "import \"time\"\ngo func() { panic(\"boom\") }()\ntime.Sleep(100 * time.Millisecond)")
	mustOK(t, e, "func work(n int, s string) { panic(s) }\ngo work(1, \"named\")\ntime.Sleep(100 * time.Millisecond)")
	mustOK(t, e, "func sum(xs ...float64) { panic(fmt.Sprint(xs)) }\nimport \"fmt\"\ngo sum(1, 2)\ntime.Sleep(100 * time.Millisecond)")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && strings.Count(errb.String(), "panic in a goroutine") < 3 {
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{"boom", "named", "[1 2]"} {
		if !strings.Contains(errb.String(), want) {
			t.Fatalf("stderr %q lacks %q", errb.String(), want)
		}
	}
}
