# The Go notebook kernel (kernel/, stdlib/symbols, cmd/rlvrworld kernel|run|bench kernel).
# Debian's Jupyter tools drive the kernel in the end-to-end tests; they install
# into /usr/bin/python3, not the python3 first on PATH. jupyter-client brings
# the `jupyter kernelspec` command.
APT_PACKAGES += jupyter-client jupyter-nbconvert python3-jupyter-client python3-ipykernel python3-nbformat

TEST_E2E += test-kernel-e2e

.PHONY: test-kernel-e2e bench-kernel

# nbconvert --execute and `rlvrworld run` on kernel/testdata/e2e.ipynb, then
# interrupt, stdin and restart through jupyter_client (kernelspec installed
# into a temporary prefix).
test-kernel-e2e: build
	kernel/testdata/e2e.sh $(BIN)

# Round trip of execute_request next to python3-ipykernel, as JSON.
bench-kernel: build
	./$(BIN) bench kernel
