package verify

// Token-level checks of video rollouts.

// Repeated reports the repetition failure of one predicted frame: its
// tokens equal those of the frame before it (the last context frame, or the
// previous predicted frame in a rollout) while the true frame changed.
// MLE world models fall into it because copying the last frame is the most
// likely answer when a third of the actions are no-ops.
func Repeated(pred, prevPred, truth, prevTruth []int) bool {
	return equalTokens(pred, prevPred) && !equalTokens(truth, prevTruth)
}

func equalTokens(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i, v := range a {
		if b[i] != v {
			return false
		}
	}
	return true
}
