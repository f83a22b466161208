package web

import (
	"html"
	"strconv"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

// Render shows the current page (its URL and tree) for people.
func (b *Browser) Render() display.Output {
	text := b.URL() + "\n" + b.Tree()
	return display.Output{Data: map[string]any{
		display.MIMEHTML: "<pre>" + html.EscapeString(text) + "</pre>",
		display.MIMEText: text,
	}}
}

// Diff compares the model's response with the truth of ex line by line,
// for the state-diff viewer: one item per tree id, with the line before the
// action, after it, and as the response predicts it (the predicted page is
// the page before with the response's sections applied).
func Diff(ex *envs.Example, response []int) display.StateDiff {
	tr, ok := ex.Payload.(*Transition)
	if !ok || tr == nil {
		return display.StateDiff{Title: ex.ID + ": not a web example"}
	}
	text, err := Tokenizer().Decode(response)
	if err != nil {
		return DiffText(tr, "", ex.ID+": "+err.Error())
	}
	return DiffText(tr, text, ex.ID)
}

// DiffText is Diff for a response already decoded to text.
func DiffText(tr *Transition, text, title string) display.StateDiff {
	pred, err := ParseSections(text)
	if err != nil {
		title += ": " + err.Error()
	}
	before := byID(tr.Before)
	truth := applySections(tr.Before, tr.Sections)
	predicted := applySections(tr.Before, pred)
	var keys []string
	seen := map[string]bool{}
	for _, m := range []map[string]string{before, truth, predicted} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sortIDs(keys)
	d := display.StateDiff{Title: title + " (" + tr.URL + ": " + tr.Action + ")"}
	for _, k := range keys {
		d.Items = append(d.Items, display.DiffItem{Key: k, Before: before[k], Truth: truth[k], Predicted: predicted[k]})
	}
	return d
}

// lineID returns the id of a tree line "[12] ...", or the whole line.
func lineID(l string) string {
	if strings.HasPrefix(l, "[") {
		if i := strings.IndexByte(l, ']'); i > 0 {
			return l[1:i]
		}
	}
	return l
}

func byID(lines []string) map[string]string {
	m := make(map[string]string, len(lines))
	for _, l := range lines {
		m[lineID(l)] = l
	}
	return m
}

// applySections applies a diff to a tree: deleted ids go, new and updated
// lines are set by id.
func applySections(tree []string, s Sections) map[string]string {
	m := byID(tree)
	for _, l := range s.Deleted {
		delete(m, lineID(l))
	}
	for _, l := range s.New {
		m[lineID(l)] = l
	}
	for _, l := range s.Updated {
		m[lineID(l)] = l
	}
	return m
}

func sortIDs(keys []string) {
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 1 << 30
		}
		return n
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0; j-- {
			a, b := keys[j-1], keys[j]
			if num(a) < num(b) || (num(a) == num(b) && a <= b) {
				break
			}
			keys[j-1], keys[j] = b, a
		}
	}
}
