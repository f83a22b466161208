# ui.mk: the browser playground (static/) and its tests.
#
# The bundle in static/dist is committed, so `go build ./...` works in a fresh
# clone without Node. `make build` rebuilds it with esbuild when a source is
# newer (running `npm ci` first if node_modules is missing or older than the
# lockfile, as when a dependency such as katex was added); without Node it
# keeps the committed bundle and says so.

# chromium drives the end-to-end tests; jupyter-nbconvert checks that saved
# notebooks read well in plain Jupyter (the static fallbacks).
APT_PACKAGES += chromium jupyter-nbconvert
BUILD_DEPS   += ui-bundle
TEST_E2E     += test-ui-unit test-ui-e2e

UI_SOURCES := $(wildcard static/src/*) static/build.mjs package-lock.json

.PHONY: ui-bundle test-ui-unit test-ui-e2e stress-ui-e2e

ui-bundle: static/dist/app.js

static/dist/app.js: $(UI_SOURCES)
	@if ! command -v node >/dev/null 2>&1; then \
		echo "ui: node not found; keeping the committed bundle in static/dist"; \
	else \
		if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi; \
		node static/build.mjs && touch static/dist/app.js; \
	fi

# Unit tests of the output renderers, viewers and notebook model (no browser).
test-ui-unit:
	node --test static/test/

# End-to-end: the real binary serves the playground and Playwright drives
# Debian's Chromium headless. Screenshots of every shipped notebook, light
# and dark, land in e2e/screenshots/ (kept for review); a failing test's
# page lands in test-artifacts/.
test-ui-e2e: build
	RLVRWORLD_BIN=$(CURDIR)/$(BIN) node --test --test-concurrency=1 e2e/browser/

# The same suite RUNS times in a row beside a busy loop on one core (not
# part of make test: about 40 minutes for 10 runs).
RUNS ?= 10
stress-ui-e2e: build
	RLVRWORLD_BIN=$(CURDIR)/$(BIN) scripts/stress-browser.sh $(RUNS)
