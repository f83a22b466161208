package textgame

import (
	"html"
	"sort"
	"strconv"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/verify"
)

// Render shows the state as a table of objects (HTML, with a text fallback),
// so that a notebook cell ending in a state displays it.
func (s *State) Render() display.Output {
	var b strings.Builder
	b.WriteString("<table><tr><th>uuid</th><th>name</th><th>properties</th><th>contains</th></tr>")
	for _, o := range s.Objects {
		var props []string
		for _, p := range o.Props {
			props = append(props, p.Key+"="+p.Val.String())
		}
		var in []string
		for _, c := range o.Contains {
			if x := s.Object(c); x != nil {
				in = append(in, x.Name)
			}
		}
		b.WriteString("<tr><td>" + strconv.Itoa(o.UUID) + "</td><td>" + html.EscapeString(o.Name) + "</td><td>" +
			html.EscapeString(strings.Join(props, " ")) + "</td><td>" + html.EscapeString(strings.Join(in, ", ")) + "</td></tr>")
	}
	b.WriteString("</table><p>score " + strconv.Itoa(s.Score.Score) + ", gameOver " + strconv.FormatBool(s.Score.GameOver) +
		", gameWon " + strconv.FormatBool(s.Score.GameWon) + "</p>")
	return display.Output{Data: map[string]any{display.MIMEHTML: b.String(), display.MIMEText: s.Text()}}
}

// Diff compares the model's response with the truth of ex object by object,
// for the state-diff viewer. A response that does not decode or parse shows
// every object as predicted absent, and the title says why.
func Diff(ex *envs.Example, response []int) display.StateDiff {
	tr, ok := ex.Payload.(*Transition)
	if !ok || tr == nil {
		return display.StateDiff{Title: ex.ID + ": not a text game example"}
	}
	text, err := Tokenizer().Decode(response)
	if err != nil {
		return diffOf(tr, nil, ex.ID+": "+err.Error())
	}
	return DiffText(tr, text, ex.ID)
}

// DiffText is Diff for a response already decoded to text.
func DiffText(tr *Transition, text, title string) display.StateDiff {
	before := tr.Before.verifyState()
	pred, score, err := applyDiff(before, tr.Before.Score, text)
	if err != nil {
		return diffOf(tr, nil, title+": "+err.Error())
	}
	d := diffOf(tr, pred, title+" ("+tr.Game+": "+tr.Action+")")
	d.Items = append(d.Items, display.DiffItem{
		Key:       "score",
		Before:    scoreText(tr.Before.Score.fields()),
		Truth:     scoreText(tr.After.Score.fields()),
		Predicted: scoreText(score),
	})
	return d
}

func scoreText(f [3]string) string {
	return "score: " + f[0] + "\ngameOver: " + f[1] + "\ngameWon: " + f[2]
}

func diffOf(tr *Transition, pred verify.State, title string) display.StateDiff {
	before, after := tr.Before.verifyState(), tr.After.verifyState()
	ids := map[string]bool{}
	for id := range before {
		ids[id] = true
	}
	for id := range after {
		ids[id] = true
	}
	for id := range pred {
		ids[id] = true
	}
	keys := make([]string, 0, len(ids))
	for id := range ids {
		keys = append(keys, id)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, _ := strconv.Atoi(keys[i])
		b, _ := strconv.Atoi(keys[j])
		if a != b {
			return a < b
		}
		return keys[i] < keys[j]
	})
	d := display.StateDiff{Title: title}
	for _, id := range keys {
		d.Items = append(d.Items, display.DiffItem{
			Key:       id,
			Before:    objText(before, id),
			Truth:     objText(after, id),
			Predicted: objText(pred, id),
		})
	}
	return d
}

// objText renders one object, one property per line; "" when absent.
func objText(s verify.State, id string) string {
	o, ok := s[id]
	if !ok {
		return ""
	}
	var b strings.Builder
	b.WriteString(o.Name)
	keys := make([]string, 0, len(o.Props))
	for k := range o.Props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("\n" + k + ": " + o.Props[k])
	}
	if len(o.Contains) > 0 {
		cs := append([]string(nil), o.Contains...)
		sort.Strings(cs)
		b.WriteString("\ncontains: " + strings.Join(cs, ", "))
	}
	return b.String()
}
