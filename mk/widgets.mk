# widgets.mk: interactive controls (stdlib/comm, stdlib/widget, static/src/widgets.js).
# Their tests run with the others: go test (kernel comm protocol through
# jupyter_client, the models against npm's @jupyter-widgets/schema) and the
# browser e2e (e2e/browser/widgets.test.mjs).

.PHONY: bench-widgets

# The slider -> callback -> page round trip in Chromium, as JSON.
bench-widgets: build
	RLVRWORLD_BIN=$(CURDIR)/$(BIN) node e2e/browser/widgets.bench.mjs -n 100
