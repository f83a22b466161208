package verify

// LineMatch counts a multiset comparison of predicted and true lines.
type LineMatch struct {
	Pred, Truth, Matched int
}

// Add accumulates another comparison (for example another section).
func (m *LineMatch) Add(o LineMatch) {
	m.Pred += o.Pred
	m.Truth += o.Truth
	m.Matched += o.Matched
}

// Precision is Matched/Pred (0 when nothing was predicted and something was
// expected, 1 when both are empty).
func (m LineMatch) Precision() float64 {
	if m.Pred == 0 {
		if m.Truth == 0 {
			return 1
		}
		return 0
	}
	return float64(m.Matched) / float64(m.Pred)
}

// Recall is Matched/Truth (1 when nothing was expected and nothing predicted,
// 0 when nothing was expected but something predicted).
func (m LineMatch) Recall() float64 {
	if m.Truth == 0 {
		if m.Pred == 0 {
			return 1
		}
		return 0
	}
	return float64(m.Matched) / float64(m.Truth)
}

// F1 is the harmonic mean of precision and recall.
func (m LineMatch) F1() float64 {
	p, r := m.Precision(), m.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// MatchLines compares two multisets of lines by exact equality: each true
// line can be matched by at most one predicted line.
func MatchLines(pred, truth []string) LineMatch {
	m := LineMatch{Pred: len(pred), Truth: len(truth)}
	if len(pred) == 0 || len(truth) == 0 {
		return m
	}
	if len(truth) <= 16 {
		// Small multisets: mark used truth lines instead of building a map.
		var used [16]bool
		for _, p := range pred {
			for j, t := range truth {
				if !used[j] && p == t {
					used[j] = true
					m.Matched++
					break
				}
			}
		}
		return m
	}
	count := make(map[string]int, len(truth))
	for _, t := range truth {
		count[t]++
	}
	for _, p := range pred {
		if count[p] > 0 {
			count[p]--
			m.Matched++
		}
	}
	return m
}

// TextGameReward is the task-specific reward of text-game state prediction
// (RLVR-World): 0.09·itemAcc + 0.01·scoreAcc + 0.2·binary + accChanged, the
// last term only when some property really changed (hasChanged).
func TextGameReward(itemAcc, scoreAcc, binary, accChanged float64, hasChanged bool) float64 {
	r := 0.09*itemAcc + 0.01*scoreAcc + 0.2*binary
	if hasChanged {
		r += accChanged
	}
	return r
}
