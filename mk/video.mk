# video.mk: the robot video tasks (issue 4) end to end through the built
# binary: `rlvrworld data` exports token ids with PNG frames, `rlvrworld
# verify` scores predictions on decoded pixels.
#
# test-video-e2e, for video and video-multi: the ground truth fed back as the
# prediction scores reward 0 (the maximum) with ssim 1 on every line; a
# prediction that copies the last context frame scores <= 0 without error and
# is flagged as repetition exactly on the changed examples; broken lines (a
# string prediction, bad JSON) give error lines without stopping the command.
APT_PACKAGES += jq

.PHONY: test-video-e2e bench-video
TEST_E2E += test-video-e2e

test-video-e2e: build
	@set -euo pipefail; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for t in video video-multi; do \
		./$(BIN) data --task $$t --split test --n 100 --seed 3 --out $$tmp/$$t.jsonl; \
		jq -e -s 'length == 100 and all(.[]; (.frame_png | length) > 100 and (.prompt | length) == 67)' $$tmp/$$t.jsonl > /dev/null \
			|| { echo "test-video-e2e: $$t data is wrong"; exit 1; }; \
		jq -c '. + {prediction: .ground_truth}' $$tmp/$$t.jsonl > $$tmp/$$t.pred.jsonl; \
		printf '%s\n' '{broken' '{"id":"s","task":"'$$t'","prediction":"1 2 3"}' >> $$tmp/$$t.pred.jsonl; \
		./$(BIN) verify --task $$t --in $$tmp/$$t.pred.jsonl > $$tmp/$$t.out.jsonl; \
		jq -e -s 'length == 102 and ([.[:100][] | select(.error != null or .reward != 0 or .metrics.ssim != 1)] | length == 0) and ([.[100:][] | select(.error == null)] | length == 0)' \
			$$tmp/$$t.out.jsonl > /dev/null || { echo "test-video-e2e: $$t truth did not score the maximum:"; head -3 $$tmp/$$t.out.jsonl; exit 1; }; \
		echo "test-video-e2e: $$t truth ok"; \
	done; \
	jq -c '. + {prediction: .prompt[0:64]}' $$tmp/video.jsonl > $$tmp/copy.jsonl; \
	./$(BIN) verify --task video --in $$tmp/copy.jsonl > $$tmp/copy.out.jsonl; \
	jq -e -s --slurpfile d $$tmp/video.jsonl 'length == 100 and all(.[]; .error == null and .reward <= 0) and ([.[].metrics.repetition] | add) == ([$$d[] | select(.ground_truth != .prompt[0:64])] | length) and ([.[].metrics.repetition] | add) > 20' \
		$$tmp/copy.out.jsonl > /dev/null || { echo "test-video-e2e: copy-last-frame scores are wrong:"; head -3 $$tmp/copy.out.jsonl; exit 1; }; \
	echo "test-video-e2e: copy-last-frame ok (repetition $$(jq -s '[.[].metrics.repetition] | add' $$tmp/copy.out.jsonl)/100)"; \
	./$(BIN) data --task video --split heldout --n 5 > /dev/null

# Frame rewards/s on one core, tokenizer and generation speed, as JSON.
bench-video: build
	./$(BIN) bench video
