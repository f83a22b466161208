# race: the race detector over the kernel and the playground, the two parts
# where goroutines share state (cells and their interrupts, websockets and
# kernel processes). Two kernel/exec tests are left out of -race builds;
# kernel/exec/interrupt_norace_test.go says why; kernel/runall_norace_test.go
# too (a timing window the detector's slowdown measures, not a race).
TEST_E2E += test-race
.PHONY: test-race
test-race:
	$(GO) test -race $(GOTESTFLAGS) ./kernel/... ./playground/...
