package verify

import "sort"

// Object is one item of an object-and-property state (a text game object),
// with its values in canonical text (see CanonicalValue) so that they compare
// with ==. Contains lists the ids of the objects inside; it compares as a set.
type Object struct {
	Name     string
	Props    map[string]string
	Contains []string
}

// State maps an object id (uuid) to its object.
type State map[string]Object

// StateMatch is the comparison of a predicted state with the true one.
type StateMatch struct {
	// Items is the number of object ids in the truth or the prediction;
	// ItemsRight those present in both and equal in every field.
	Items, ItemsRight int
	// Changed is the number of fields (an object's name, each property, its
	// contains set, and its presence) that differ between the state before
	// and the true state after; ChangedRight those the prediction got right.
	Changed, ChangedRight int
	// What the wrong items got wrong, for error analysis: objects of the
	// truth predicted with another name (WrongName), another property set
	// or value (WrongProps), or another contains set (WrongContains); and
	// objects missing from the prediction or only in it (WrongPresence).
	// One object may count under several.
	WrongName, WrongProps, WrongContains, WrongPresence int
}

// ItemAcc is ItemsRight/Items, or 1 when both states are empty.
func (m StateMatch) ItemAcc() float64 {
	if m.Items == 0 {
		return 1
	}
	return float64(m.ItemsRight) / float64(m.Items)
}

// ChangedAcc is ChangedRight/Changed; ok is false when nothing changed.
func (m StateMatch) ChangedAcc() (acc float64, ok bool) {
	if m.Changed == 0 {
		return 0, false
	}
	return float64(m.ChangedRight) / float64(m.Changed), true
}

// AllRight reports whether every item of the prediction equals the truth.
func (m StateMatch) AllRight() bool { return m.ItemsRight == m.Items }

// CompareStates compares pred with truth object by object and property by
// property; before (the state the step started from) tells which fields
// really changed.
func CompareStates(before, truth, pred State) StateMatch {
	var m StateMatch
	for id, t := range truth {
		m.Items++
		p, ok := pred[id]
		switch {
		case !ok:
			m.WrongPresence++
		case ObjectsEqual(t, p):
			m.ItemsRight++
		default:
			if p.Name != t.Name {
				m.WrongName++
			}
			if !sameProps(p.Props, t.Props) {
				m.WrongProps++
			}
			if !SameSet(p.Contains, t.Contains) {
				m.WrongContains++
			}
		}
	}
	for id := range pred {
		if _, ok := truth[id]; !ok {
			m.Items++
			m.WrongPresence++
		}
	}
	// Fields that changed from before to truth: presence of an object, its
	// name, each property that differs or appears or disappears, contains.
	for id, t := range truth {
		b, existed := before[id]
		p, predicted := pred[id]
		if !existed {
			m.Changed++
			if predicted && ObjectsEqual(t, p) {
				m.ChangedRight++
			}
			continue
		}
		if b.Name != t.Name {
			m.Changed++
			if predicted && p.Name == t.Name {
				m.ChangedRight++
			}
		}
		for k, tv := range t.Props {
			if bv, ok := b.Props[k]; ok && bv == tv {
				continue
			}
			m.Changed++
			if predicted {
				if pv, ok := p.Props[k]; ok && pv == tv {
					m.ChangedRight++
				}
			}
		}
		for k := range b.Props {
			if _, ok := t.Props[k]; ok {
				continue
			}
			m.Changed++
			if predicted {
				if _, ok := p.Props[k]; !ok {
					m.ChangedRight++
				}
			}
		}
		if !SameSet(b.Contains, t.Contains) {
			m.Changed++
			if predicted && SameSet(p.Contains, t.Contains) {
				m.ChangedRight++
			}
		}
	}
	for id := range before {
		if _, ok := truth[id]; ok {
			continue
		}
		m.Changed++ // removed
		if _, ok := pred[id]; !ok {
			m.ChangedRight++
		}
	}
	return m
}

// ObjectsEqual reports whether a and b agree in name, every property, and
// contains as a set.
func ObjectsEqual(a, b Object) bool {
	return a.Name == b.Name && sameProps(a.Props, b.Props) && SameSet(a.Contains, b.Contains)
}

// sameProps reports whether a and b hold the same properties and values.
func sameProps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// SameSet reports whether a and b hold the same elements, ignoring order and
// repeats.
func SameSet(a, b []string) bool {
	if len(a) <= 8 && len(b) <= 8 {
		// Small sets: quadratic scans avoid allocating.
		for _, x := range a {
			if !containsString(b, x) {
				return false
			}
		}
		for _, x := range b {
			if !containsString(a, x) {
				return false
			}
		}
		return true
	}
	as := append([]string(nil), a...)
	bs := append([]string(nil), b...)
	sort.Strings(as)
	sort.Strings(bs)
	as, bs = dedup(as), dedup(bs)
	if len(as) != len(bs) {
		return false
	}
	for i := range as {
		if as[i] != bs[i] {
			return false
		}
	}
	return true
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func dedup(xs []string) []string {
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}
