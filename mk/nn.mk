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
