# nn: the compute core links OpenBLAS through cgo (gpu/cpu), so the build and
# the tests need libopenblas-dev. `make build` installs it when missing, so
# `make run` works on a fresh Debian machine.
APT_PACKAGES += libopenblas-dev
BUILD_DEPS   += deps-openblas

.PHONY: deps-openblas bench-train bench-sample
deps-openblas:
	@scripts/apt-ensure.sh libopenblas-dev

bench-train: build
	./$(BIN) bench train

bench-sample: build
	./$(BIN) bench sample

# A smoke run of the training benchmark on a small shape: proves the built
# binary links OpenBLAS, starts (gorgonia.org/tensor's start-up check) and
# prints its JSON. The full-size figures come from `make bench-train`.
TEST_E2E += nn-bench-smoke
.PHONY: nn-bench-smoke
nn-bench-smoke: build
	./$(BIN) bench train -steps 2 -B 2 -T 32 -L 1 -C 32 -NH 2 -V 64 | grep -q '"tokens_per_sec"'
