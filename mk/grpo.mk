# GRPO / experiments (issue 6).
#
# `make checkpoints` regenerates the shipped MLE start checkpoints, one per
# task, with fixed seeds, by our own MLE code (rlvrworld exp --pretrain-to):
# text game and web train until the validation loss stops improving (at most
# 4,000 steps, about 15 minutes each on one core); video keeps its fixed 800
# steps. `make test` never runs it.
CHECKPOINT_TASKS ?= textgame web video
CHECKPOINT_BUDGET ?= small

.PHONY: checkpoints

checkpoints: build
	@mkdir -p checkpoints
	@set -e; for t in $(CHECKPOINT_TASKS); do \
		./$(BIN) exp --task $$t --budget $(CHECKPOINT_BUDGET) --pretrain-to checkpoints/$$t.safetensors; \
	done
