# GRPO / experiments (issue 6).
#
# `make checkpoints` regenerates the shipped MLE start checkpoints, one per
# task, with fixed seeds, by our own MLE code (rlvrworld exp --pretrain-to):
# each trains until the validation loss stops improving (at most 4,000
# steps; 10 to 15 minutes each on one core, video-multi about 30). The video
# checkpoints were built with GOMAXPROCS=1, the text ones with the default;
# the thread count changes the last bits. `make test` never runs it.
CHECKPOINT_TASKS ?= textgame web video video-multi
CHECKPOINT_BUDGET ?= small

.PHONY: checkpoints

checkpoints: build
	@mkdir -p checkpoints
	@set -e; for t in $(CHECKPOINT_TASKS); do \
		./$(BIN) exp --task $$t --budget $(CHECKPOINT_BUDGET) --pretrain-to checkpoints/$$t.safetensors; \
	done
