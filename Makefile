# rlvrworld: `make run` builds everything and starts the playground;
# `make test` installs what the tests need and runs them all.
#
# Each area adds its own pieces in mk/*.mk:
#   APT_PACKAGES += pkg        Debian packages the tests or build need
#   TEST_E2E     += target     end-to-end test targets run by `make test`
#   BUILD_DEPS   += target     steps `make build` needs first (front-end bundle)

SHELL       := /bin/bash
GO          ?= go
BIN         := bin/rlvrworld
GOTESTFLAGS ?= -timeout 20m
APT_PACKAGES :=
TEST_E2E     :=
BUILD_DEPS   :=

.PHONY: all build run test test-go vet deps-apt deps-npm generate check-generate

all: build

include $(sort $(wildcard mk/*.mk))

build: $(BUILD_DEPS)
	$(GO) build -o $(BIN) ./cmd/rlvrworld

run: build
	./$(BIN) serve

# Installs the Debian packages listed in APT_PACKAGES that are missing.
deps-apt:
	@scripts/apt-ensure.sh $(APT_PACKAGES)

# Installs the npm packages from the lockfile.
deps-npm:
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi

generate:
	$(GO) generate ./...

# Fails when the committed generated files differ from what go generate writes.
check-generate: generate
	@git diff --exit-code --stat -- stdlib/symbols || { echo "generated files are stale: run make generate and commit"; exit 1; }

vet:
	$(GO) vet ./...

test-go:
	$(GO) test $(GOTESTFLAGS) ./...

test: deps-apt deps-npm check-generate vet build test-go $(TEST_E2E)
	@echo "make test: all passed"
