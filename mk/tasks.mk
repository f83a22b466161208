# tasks.mk: the text world-model tasks (issue 4): `rlvrworld data` and
# `rlvrworld verify` end to end through the built binary.
#
# test-tasks-e2e exports each text task's test split, feeds the ground truth
# back as the prediction (the maximum reward must come out on every line),
# then appends broken lines (bad JSON, a wrong prediction type) that must
# each give an error line without stopping the command.
APT_PACKAGES += jq

.PHONY: test-tasks-e2e bench-verify
TEST_E2E += test-tasks-e2e

test-tasks-e2e: build
	@set -euo pipefail; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for t in textgame web; do \
		./$(BIN) data --task $$t --split test --n 200 --seed 1 --out $$tmp/$$t.jsonl; \
		jq -c '. + {prediction: .ground_truth}' $$tmp/$$t.jsonl > $$tmp/$$t.pred.jsonl; \
		printf '%s\n' '{broken' '{"id":"n","task":"'$$t'","prediction":7}' >> $$tmp/$$t.pred.jsonl; \
		./$(BIN) verify --task $$t --in $$tmp/$$t.pred.jsonl > $$tmp/$$t.out.jsonl; \
		jq -e -s 'length == 202 and ([.[:200][] | select(.error != null or (.metrics.binary // .metrics.f1) != 1)] | length == 0) and ([.[200:][] | select(.error == null)] | length == 0)' \
			$$tmp/$$t.out.jsonl > /dev/null || { echo "test-tasks-e2e: $$t verify output is wrong:"; head -3 $$tmp/$$t.out.jsonl; exit 1; }; \
		echo "test-tasks-e2e: $$t ok ($$(wc -l < $$tmp/$$t.jsonl) examples)"; \
	done; \
	./$(BIN) data --task textgame --split heldout --n 5 > /dev/null

# Verifier throughput (text and frame rewards/s on one core), as JSON.
bench-verify: build
	./$(BIN) bench verify
