package web

import (
	"sort"
	"strconv"
	"strings"
)

// Goal is a task a web agent can be given on a site, with a success check on
// a browser's state. The model-predictive-control agent of the trainer
// proposes Candidates, predicts each next page with the world model, and
// picks the action whose predicted page looks closest to the goal.
type Goal struct {
	// Text is the objective as the prompt shows it.
	Text string
	kind string
	prod int // product index (cart and buy goals)
	arg  string
}

// Goals lists the goals that make sense on b's site, in a fixed order.
func Goals(b *Browser) []Goal {
	s := b.site
	var out []Goal
	byKind := map[string][]int{}
	for i, p := range s.Products {
		byKind[p.Kind] = append(byKind[p.Kind], i)
	}
	kindsSeen := make([]string, 0, len(byKind))
	for k := range byKind {
		kindsSeen = append(kindsSeen, k)
	}
	sort.Strings(kindsSeen)
	for _, k := range kindsSeen {
		ps := byKind[k]
		if len(ps) >= 2 {
			best := ps[0]
			for _, i := range ps {
				if s.Products[i].Price < s.Products[best].Price {
					best = i
				}
			}
			out = append(out, Goal{Text: "add the cheapest " + k + " to the cart", kind: "cart", prod: best})
		}
	}
	for i, p := range s.Products {
		out = append(out, Goal{Text: "add the " + p.Title() + " to the cart", kind: "cart", prod: i})
	}
	for _, k := range kindsSeen {
		out = append(out, Goal{Text: "buy a " + k, kind: "buy", arg: k})
	}
	for _, t := range themes[1:] {
		out = append(out, Goal{Text: "set the theme to " + t, kind: "theme", arg: t})
	}
	out = append(out, Goal{Text: "turn off email alerts", kind: "alerts"})
	for _, t := range s.Threads {
		out = append(out, Goal{Text: "reply to the thread about " + t.Title, kind: "reply", arg: strconv.Itoa(t.ID)})
	}
	return out
}

// Success reports whether b's state satisfies the goal.
func (g Goal) Success(b *Browser) bool {
	switch g.kind {
	case "cart":
		for _, l := range b.Cart {
			if l.Product == g.prod {
				return true
			}
		}
	case "buy":
		for _, o := range b.Orders {
			for _, l := range o {
				if b.site.Products[l.Product].Kind == g.arg {
					return true
				}
			}
		}
	case "theme":
		return b.Theme == g.arg
	case "alerts":
		return !b.EmailAlerts
	case "reply":
		for _, p := range b.Posted {
			if strings.HasPrefix(p, g.arg+": ") {
				return true
			}
		}
	}
	return false
}

// Progress scores how far a page (its tree lines, for example a world
// model's predicted next page) has come towards the goal, from 0 to 1,
// reading only the tree: 1 means the page shows the goal done (an "Added to
// cart" alert on the right product's page, "Order placed", "Saved" with the
// right setting, the user's reply in the right thread). The web agent of the
// trainer ranks candidate actions by the Progress of their predicted pages.
func (g Goal) Progress(b *Browser, tree []string) float64 {
	has := func(sub string) bool {
		for _, l := range tree {
			if strings.Contains(l, sub) {
				return true
			}
		}
		return false
	}
	switch g.kind {
	case "cart":
		p := b.site.Products[g.prod]
		switch {
		case has("heading '"+p.Title()+"'") && has("alert 'Added to cart'"):
			return 1
		case has("heading '" + p.Title() + "'"):
			return 0.6
		case has("'" + p.Title() + " $"):
			return 0.4
		case has("searchbox 'Search' value='"+p.Kind) || has("searchbox 'Search' value='"+p.Title()):
			return 0.2
		}
	case "buy":
		switch {
		case has("alert 'Order placed'"):
			return 1
		case has("heading 'Checkout'") && has("textbox 'Name' value='") && has("textbox 'Address' value='"):
			return 0.8
		case has("heading 'Checkout'"):
			return 0.7
		case has("heading 'Cart'") && has(" "+g.arg+" x"):
			return 0.6
		case has("alert 'Added to cart'"):
			return 0.4
		case has(" " + g.arg + " $"):
			return 0.2
		}
	case "theme":
		switch {
		case has("alert 'Saved'") && has("combobox 'Theme' value='"+g.arg+"'"):
			return 1
		case has("combobox 'Theme' value='" + g.arg + "'"):
			return 0.7
		case has("heading 'Settings'"):
			return 0.3
		}
	case "alerts":
		unchecked := has("checkbox 'Email alerts'") && !has("checkbox 'Email alerts' checked")
		switch {
		case unchecked && has("alert 'Saved'"):
			return 1
		case unchecked:
			return 0.7
		case has("heading 'Settings'"):
			return 0.3
		}
	case "reply":
		id, _ := strconv.Atoi(g.arg)
		if id < 1 || id > len(b.site.Threads) {
			return 0
		}
		title := b.site.Threads[id-1].Title
		switch {
		case has("heading '"+title+"'") && has("] text 'you: "):
			return 1
		case has("heading '"+title+"'") && has("textbox 'Reply' value='"):
			return 0.6
		case has("heading '" + title + "'"):
			return 0.4
		case has("'" + title + " ("):
			return 0.2
		}
	}
	return 0
}

// ApplySections returns the tree that a diff makes of tree: deleted lines
// (by id) go, updated lines replace theirs in place, new lines are appended.
// The web agent applies a predicted diff to the current page with it.
func ApplySections(tree []string, s Sections) []string {
	gone := map[string]bool{}
	for _, l := range s.Deleted {
		gone[lineID(l)] = true
	}
	upd := map[string]string{}
	for _, l := range s.Updated {
		upd[lineID(l)] = l
	}
	out := make([]string, 0, len(tree)+len(s.New))
	for _, l := range tree {
		id := lineID(l)
		if gone[id] {
			continue
		}
		if u, ok := upd[id]; ok {
			l = u
		}
		out = append(out, l)
	}
	return append(out, s.New...)
}

// Prompt returns the prompt tokens for predicting what action does on b's
// current page, given the objective and the previous action ("None" at the
// start): what the web agent feeds the world model for each candidate.
func (t *Task) Prompt(b *Browser, objective, previous, action string) []int {
	tr := &Transition{URL: b.URL(), Objective: objective, Previous: previous, Action: action}
	for _, it := range b.items {
		tr.Before = append(tr.Before, it.Line())
	}
	return t.tok.Encode(promptText(tr))
}

// Lines returns the current tree's lines.
func (b *Browser) Lines() []string {
	out := make([]string, len(b.items))
	for i, it := range b.items {
		out[i] = it.Line()
	}
	return out
}
