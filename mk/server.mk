# The playground server (playground/, `rlvrworld serve`): its end-to-end test
# drives a real server and our kernel with npm's @jupyterlab/services.
.PHONY: test-e2e-server bench-serve

TEST_E2E += test-e2e-server

test-e2e-server: build deps-npm
	e2e/server/run.sh $(BIN)

bench-serve: build
	./$(BIN) bench serve

# The server's Go tests also run Debian's ipykernel behind the bridge.
APT_PACKAGES += python3-ipykernel
