package verl

import (
	"fmt"
	"sort"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/textgame"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
)

// Diff draws an answer (a generation's output) against the truth of its
// dataset row as a state diff, the notebook's diff viewer: objects for the
// text game, tree lines for web pages. An answer that does not parse shows
// as predicted absent, with the reason in the title.
func (s *Scorer) Diff(row *Row, answer, title string) (display.StateDiff, error) {
	ex, err := s.Example(row.DataSource, row.RewardModel.GroundTruth, row.ExtraInfo)
	if err != nil {
		return display.StateDiff{}, err
	}
	switch tr := ex.Payload.(type) {
	case *textgame.Transition:
		return textgame.DiffText(tr, answer, title), nil
	case *web.Transition:
		return web.DiffText(tr, answer, title), nil
	}
	return display.StateDiff{}, fmt.Errorf("verl: no diff view for data_source %q", row.DataSource)
}

// Summary is the mean of every result key over the re-scored lines of one
// data source, with N the number of lines scored.
type Summary struct {
	DataSource string
	N          int
	// Mean holds the mean of each metric key ("score", "f1", ...).
	Mean map[string]float64
	// VerlScore is the mean score verl recorded for the same lines: a gap
	// to Mean["score"] means the run's reward differs from ours.
	VerlScore float64
}

// Summarize averages re-scored lines per data source (lines that could not
// be scored are left out), sorted by data source.
func Summarize(res []Rescored) []Summary {
	by := map[string]*Summary{}
	for _, r := range res {
		if r.Result == nil {
			continue
		}
		s := by[r.DataSource]
		if s == nil {
			s = &Summary{DataSource: r.DataSource, Mean: map[string]float64{}}
			by[r.DataSource] = s
		}
		s.N++
		s.VerlScore += r.VerlScore
		for k, v := range r.Result {
			s.Mean[k] += v
		}
	}
	out := make([]Summary, 0, len(by))
	for _, s := range by {
		for k := range s.Mean {
			s.Mean[k] /= float64(s.N)
		}
		s.VerlScore /= float64(s.N)
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DataSource < out[j].DataSource })
	return out
}
