package textgame

import (
	"sort"
	"strconv"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/verify"
)

// Value is a property value: an int, a bool or a string.
type Value struct {
	kind byte // 'i', 'b' or 's'
	i    int
	s    string
}

// Int, Bool and Str make property values.
func Int(i int) Value { return Value{kind: 'i', i: i} }
func Bool(b bool) Value {
	if b {
		return Value{kind: 'b', i: 1}
	}
	return Value{kind: 'b'}
}
func Str(s string) Value { return Value{kind: 's', s: s} }

// AsInt returns the value as an int (a bool is 0 or 1, a string 0).
func (v Value) AsInt() int { return v.i }

// AsBool reports whether the value is true or a non-zero int.
func (v Value) AsBool() bool { return v.i != 0 }

// String is the value's JSON text.
func (v Value) String() string {
	switch v.kind {
	case 'b':
		if v.i != 0 {
			return "true"
		}
		return "false"
	case 's':
		return strconv.Quote(v.s)
	}
	return strconv.Itoa(v.i)
}

// Prop is a named property; properties keep their order so that the JSON of
// a state is deterministic.
type Prop struct {
	Key string
	Val Value
}

// Object is one thing in a game: a uuid, a name, typed properties and the
// uuids of the objects inside it.
type Object struct {
	UUID     int
	Name     string
	Props    []Prop
	Contains []int

	// traits the simulator needs but the model infers from names and rules;
	// they are not serialised, which keeps prompts short.
	portable  bool
	container bool
}

// Get returns the property key and whether the object has it.
func (o *Object) Get(key string) (Value, bool) {
	for _, p := range o.Props {
		if p.Key == key {
			return p.Val, true
		}
	}
	return Value{}, false
}

// Set changes an existing property or appends a new one.
func (o *Object) Set(key string, v Value) {
	for i := range o.Props {
		if o.Props[i].Key == key {
			o.Props[i].Val = v
			return
		}
	}
	o.Props = append(o.Props, Prop{key, v})
}

func (o *Object) clone() *Object {
	c := *o
	c.Props = append([]Prop(nil), o.Props...)
	c.Contains = append([]int(nil), o.Contains...)
	return &c
}

func (o *Object) holds(id int) bool {
	for _, c := range o.Contains {
		if c == id {
			return true
		}
	}
	return false
}

func (o *Object) drop(id int) {
	out := o.Contains[:0]
	for _, c := range o.Contains {
		if c != id {
			out = append(out, c)
		}
	}
	o.Contains = out
}

// appendJSON writes the object's compact JSON.
func (o *Object) appendJSON(b *strings.Builder) {
	b.WriteString(`{"uuid":`)
	b.WriteString(strconv.Itoa(o.UUID))
	b.WriteString(`,"name":`)
	b.WriteString(strconv.Quote(o.Name))
	b.WriteString(`,"properties":{`)
	for i, p := range o.Props {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(p.Key))
		b.WriteByte(':')
		b.WriteString(p.Val.String())
	}
	b.WriteString(`},"contains":[`)
	for i, c := range o.Contains {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(c))
	}
	b.WriteString("]}")
}

// Score is the game's score object.
type Score struct {
	Score    int
	GameOver bool
	GameWon  bool
}

func (s Score) appendJSON(b *strings.Builder) {
	b.WriteString(`{"score":`)
	b.WriteString(strconv.Itoa(s.Score))
	b.WriteString(`,"gameOver":`)
	b.WriteString(strconv.FormatBool(s.GameOver))
	b.WriteString(`,"gameWon":`)
	b.WriteString(strconv.FormatBool(s.GameWon))
	b.WriteString("}")
}

// fields returns the canonical texts of score, gameOver and gameWon.
func (s Score) fields() [3]string {
	return [3]string{strconv.Itoa(s.Score), strconv.FormatBool(s.GameOver), strconv.FormatBool(s.GameWon)}
}

// State is a game's full state: its objects in uuid order and the score.
type State struct {
	Objects []*Object
	Score   Score
}

// Clone returns a deep copy.
func (s *State) Clone() *State {
	c := &State{Score: s.Score, Objects: make([]*Object, len(s.Objects))}
	for i, o := range s.Objects {
		c.Objects[i] = o.clone()
	}
	return c
}

// Object returns the object with uuid id, or nil.
func (s *State) Object(id int) *Object {
	for _, o := range s.Objects {
		if o.UUID == id {
			return o
		}
	}
	return nil
}

// Named returns the object called name, or nil.
func (s *State) Named(name string) *Object {
	for _, o := range s.Objects {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// Parent returns the object that contains id, or nil when it is on the floor
// of the room.
func (s *State) Parent(id int) *Object {
	for _, o := range s.Objects {
		if o.holds(id) {
			return o
		}
	}
	return nil
}

// JSON is the compact JSON of the state as the prompt shows it:
// {"objects":[...],"score":{"score":n,"gameOver":b,"gameWon":b}}.
func (s *State) JSON() string {
	var b strings.Builder
	b.WriteString(`{"objects":[`)
	for i, o := range s.Objects {
		if i > 0 {
			b.WriteByte(',')
		}
		o.appendJSON(&b)
	}
	b.WriteString(`],"score":`)
	s.Score.appendJSON(&b)
	b.WriteString("}")
	return b.String()
}

// DiffJSON is the response format: the objects of next that are new or
// differ from s (in full), the uuids of objects s has and next lacks, and
// next's score: {"modified":[...],"removed":[...],"score":{...}}.
func (s *State) DiffJSON(next *State) string {
	var b strings.Builder
	b.WriteString(`{"modified":[`)
	n := 0
	for _, o := range next.Objects {
		if p := s.Object(o.UUID); p != nil && sameObject(p, o) {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		o.appendJSON(&b)
		n++
	}
	b.WriteString(`],"removed":[`)
	n = 0
	for _, o := range s.Objects {
		if next.Object(o.UUID) == nil {
			if n > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(o.UUID))
			n++
		}
	}
	b.WriteString(`],"score":`)
	next.Score.appendJSON(&b)
	b.WriteString("}")
	return b.String()
}

// Equal reports whether two states are the same (contains as a set).
func (s *State) Equal(t *State) bool {
	if s.Score != t.Score || len(s.Objects) != len(t.Objects) {
		return false
	}
	for _, o := range s.Objects {
		p := t.Object(o.UUID)
		if p == nil || !sameObject(o, p) {
			return false
		}
	}
	return true
}

func sameObject(a, b *Object) bool {
	if a.Name != b.Name || len(a.Props) != len(b.Props) || len(a.Contains) != len(b.Contains) {
		return false
	}
	for _, p := range a.Props {
		if v, ok := b.Get(p.Key); !ok || v != p.Val {
			return false
		}
	}
	for _, c := range a.Contains {
		if !b.holds(c) {
			return false
		}
	}
	return true
}

// verifyState converts s to the verifier's canonical form.
func (s *State) verifyState() verify.State {
	vs := make(verify.State, len(s.Objects))
	for _, o := range s.Objects {
		props := make(map[string]string, len(o.Props))
		for _, p := range o.Props {
			props[p.Key] = p.Val.String()
		}
		cs := make([]string, len(o.Contains))
		for i, c := range o.Contains {
			cs[i] = strconv.Itoa(c)
		}
		vs[strconv.Itoa(o.UUID)] = verify.Object{Name: o.Name, Props: props, Contains: cs}
	}
	return vs
}

// Text renders the state for people: one object per line, properties and
// contents by name.
func (s *State) Text() string {
	var b strings.Builder
	for _, o := range s.Objects {
		b.WriteString(objectText(o, s))
		b.WriteByte('\n')
	}
	b.WriteString("score ")
	b.WriteString(strconv.Itoa(s.Score.Score))
	if s.Score.GameOver {
		if s.Score.GameWon {
			b.WriteString(" (won)")
		} else {
			b.WriteString(" (lost)")
		}
	}
	return b.String()
}

func objectText(o *Object, s *State) string {
	var b strings.Builder
	b.WriteString(o.Name)
	b.WriteString(" #")
	b.WriteString(strconv.Itoa(o.UUID))
	for _, p := range o.Props {
		b.WriteString(" ")
		b.WriteString(p.Key)
		b.WriteString("=")
		b.WriteString(p.Val.String())
	}
	if len(o.Contains) > 0 {
		names := make([]string, 0, len(o.Contains))
		for _, c := range o.Contains {
			if in := s.Object(c); in != nil {
				names = append(names, in.Name)
			} else {
				names = append(names, "#"+strconv.Itoa(c))
			}
		}
		sort.Strings(names)
		b.WriteString(" contains: ")
		b.WriteString(strings.Join(names, ", "))
	}
	return b.String()
}
