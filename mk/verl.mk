# verl.mk: scaling out with verl (issue 10), end to end through the built
# binary.
#
# test-verl-e2e:
#  - the golden parquet test: `rlvrworld data --format verl` read back with
#    npm's hyparquet (schema node by node, rows equal to the JSONL export);
#  - the Python reward function (integrations/verl, standard library only)
#    with Debian's /usr/bin/python3 against a running `rlvrworld verify
#    --serve`: truth scores the maximum, garbage 0, a stopped or hung server
#    0.0 with the same keys within the timeout, malformed requests 4xx;
#  - `rlvrworld verify --generations` on a dump shaped like verl's
#    validation generations (chat-templated input, output, score, step):
#    every line matches a dataset row with its prompt (a split may hold a
#    transition twice: parity is checked on the line), the truth scores the maximum and a
#    garbage answer 0;
#  - the same loader from a notebook through `rlvrworld run` (our kernel):
#    re-scored figures printed, one line drawn in the state-diff viewer.
APT_PACKAGES += jq python3

.PHONY: test-verl-e2e bench-verl
TEST_E2E += test-verl-e2e

test-verl-e2e: build
	@set -euo pipefail; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	RLVRWORLD_BIN=$(BIN) node --test e2e/verl/parquet.test.mjs > $$tmp/node.log 2>&1 || { cat $$tmp/node.log; exit 1; }; \
	echo "test-verl-e2e: parquet golden test ok ($$(grep -c '^ok ' $$tmp/node.log) tests)"; \
	PYTHONDONTWRITEBYTECODE=1 RLVRWORLD_BIN=$(CURDIR)/$(BIN) /usr/bin/python3 -m unittest discover -s integrations/verl -p 'test_*.py' > $$tmp/py.log 2>&1 || { cat $$tmp/py.log; exit 1; }; \
	echo "test-verl-e2e: Python reward function ok ($$(grep '^Ran ' $$tmp/py.log))"; \
	./$(BIN) data --task textgame --split val --n 50 --seed 4 --format verl --out $$tmp/tg.parquet; \
	./$(BIN) data --task web --split val --n 50 --seed 4 --format jsonl --out $$tmp/web.jsonl; \
	./$(BIN) data --task textgame --split val --n 50 --seed 4 --format jsonl > $$tmp/both.jsonl; \
	cat $$tmp/web.jsonl >> $$tmp/both.jsonl; \
	jq -c '{input: ("<|im_start|>system\n" + .prompt[0].content + "<|im_end|>\n<|im_start|>user\n" + .prompt[1].content + "<|im_end|>\n<|im_start|>assistant\n"), output: (if .extra_info.index % 2 == 0 then .reward_model.ground_truth else "no idea" end), gts: .reward_model.ground_truth, score: 0.5, step: 7}' \
		$$tmp/both.jsonl > $$tmp/gens.jsonl; \
	./$(BIN) verify --generations $$tmp/gens.jsonl --data $$tmp/both.jsonl --out $$tmp/rescored.jsonl; \
	jq -e -s 'length == 100 and all(.[]; .error == null and .row >= 0 and .step == 7) and all(.[]; if (.line - 1) % 2 == 0 then .result.parse_error == 0 and (.result.f1 // .result.binary) == 1 else .result.score == 0 end)' \
		$$tmp/rescored.jsonl > /dev/null || { echo "test-verl-e2e: re-scored generations are wrong:"; head -3 $$tmp/rescored.jsonl; exit 1; }; \
	./$(BIN) verify --generations $$tmp/gens.jsonl --data $$tmp/tg.parquet > $$tmp/tg.rescored.jsonl; \
	jq -e -s 'length == 100 and ([.[] | select(.error == null)] | length) == 50' $$tmp/tg.rescored.jsonl > /dev/null \
		|| { echo "test-verl-e2e: parquet dataset join is wrong"; exit 1; }; \
	echo "test-verl-e2e: generations re-scored ok"; \
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 e2e/verl/notebook_check.py $(BIN)

# Verifier service load test (<= 1,000 requests over loopback), as JSON.
bench-verl: build
	./$(BIN) bench verl
