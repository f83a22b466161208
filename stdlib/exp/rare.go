package exp

import (
	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

// RareBelow is where a pattern counts as rare: a test (or val) transition
// is rare when fewer than RareBelow of the run's training transitions share
// its pattern (envs.Patterned: the text game's rules and action, the web
// page's URL and action, the state left out). The splits are keyed by the
// whole transition, so no evaluated transition is itself in training; the
// pattern asks how often training showed the same kind of step. At the
// small budget (16,000 training rows) 80 of the text game's 200 test rows
// and 31 of web's are rare.
const RareBelow = 10

// Suffixes of the metric keys measured on the rare rows and on the rest:
// acc_overall_rare, acc_overall_common, f1_rare, ...
const (
	rareSuffix   = "_rare"
	commonSuffix = "_common"
	// nRareKey is the number of rare rows.
	nRareKey = "n_rare"
)

// patternCounts counts the training transitions per pattern; nil when the
// task's payloads have no pattern.
func patternCounts(train []envs.Example) map[string]int {
	counts := map[string]int{}
	for i := range train {
		p, ok := train[i].Payload.(envs.Patterned)
		if !ok {
			return nil
		}
		counts[p.Pattern()]++
	}
	return counts
}

// rareMetrics adds to ms, for each key, the task's metric over the rows
// whose pattern is rare in training (key_rare) and over the rest
// (key_common), and the number of rare rows (n_rare). A side with no rows
// gets no keys; nothing is added when counts is nil or a row has no
// pattern.
func rareMetrics(ms map[string]float64, task envs.Task, keys []string, counts map[string]int, exs []envs.Example, scores []envs.Score) {
	if counts == nil || len(scores) != len(exs) {
		return
	}
	var rare, common []envs.Example
	var rareS, commonS []envs.Score
	for i := range exs {
		isRare, ok := rareRow(counts, &exs[i])
		if !ok {
			return
		}
		if isRare {
			rare, rareS = append(rare, exs[i]), append(rareS, scores[i])
		} else {
			common, commonS = append(common, exs[i]), append(commonS, scores[i])
		}
	}
	ms[nRareKey] = float64(len(rare))
	for _, side := range []struct {
		suffix string
		exs    []envs.Example
		scores []envs.Score
	}{{rareSuffix, rare, rareS}, {commonSuffix, common, commonS}} {
		if len(side.exs) == 0 {
			continue
		}
		sub := task.Evaluate(side.exs, side.scores)
		for _, k := range keys {
			if v, ok := sub[k]; ok {
				ms[k+side.suffix] = v
			}
		}
	}
}

// rareRow reports whether ex's pattern is rare in training; ok is false
// when ex has no pattern.
func rareRow(counts map[string]int, ex *envs.Example) (rare, ok bool) {
	p, ok := ex.Payload.(envs.Patterned)
	if !ok {
		return false, false
	}
	return counts[p.Pattern()] < RareBelow, true
}

// rareRows is the number of rows of exs whose pattern is rare in training.
func rareRows(counts map[string]int, exs []envs.Example) int {
	n := 0
	for i := range exs {
		if rare, _ := rareRow(counts, &exs[i]); rare {
			n++
		}
	}
	return n
}
