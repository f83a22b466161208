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
