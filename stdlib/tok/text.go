package tok

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Text is a word-level tokenizer over a closed vocabulary of pieces (the
// object names, property names, JSON punctuation, roles and URL parts of a
// simulator), with a character and byte fallback so that every string
// round-trips exactly.
//
// Why word level: the world model trains on a 2-core CPU, so sequences must be
// short. A simulator's text is built from a few hundred fixed pieces; one token
// per piece keeps a game state under ~200 tokens, where bytes would need ~1000.
//
// Ids are laid out as
//
//	0        Pad   (never produced by Encode; decoding it is an error)
//	1        Stop  (ends a response; Decode stops there)
//	2        Byte  (escape: the next two tokens are hex digits of one byte)
//	3..99    the characters '\t', '\n' and ' '..'~', one token each
//	100..    the pieces, in the order given to NewText
//
// Encode is greedy longest match, which is lossless because every single
// printable character is a token and any other byte is escaped.
type Text struct {
	pieces []string       // id -> text ("" for the special ids)
	index  map[string]int // text -> id, for pieces and characters
	maxLen int            // longest piece in bytes
	byteID [256]int       // single-byte token id, or -1 when it needs an escape
}

// The special token ids of every Text tokenizer.
const (
	TextPad  = 0
	TextStop = 1
	TextByte = 2
	// textFirstChar is the id of '\t'; '\n' follows, then ' '..'~'.
	textFirstChar = 3
	// TextFirstPiece is the id of the first piece given to NewText.
	TextFirstPiece = textFirstChar + 2 + ('~' - ' ' + 1)
)

// NewText builds a tokenizer whose pieces are the given strings, in order.
// Duplicates and pieces that are single characters (already tokens) are
// skipped, so callers can pass generous lists. Empty pieces are an error.
func NewText(pieces []string) (*Text, error) {
	t := &Text{index: make(map[string]int, len(pieces)+128)}
	t.pieces = append(t.pieces, "", "", "")
	for i := range t.byteID {
		t.byteID[i] = -1
	}
	addChar := func(c byte) {
		id := len(t.pieces)
		t.pieces = append(t.pieces, string([]byte{c}))
		t.index[string([]byte{c})] = id
		t.byteID[c] = id
	}
	addChar('\t')
	addChar('\n')
	for c := byte(' '); c <= '~'; c++ {
		addChar(c)
	}
	t.maxLen = 1
	for _, p := range pieces {
		if p == "" {
			return nil, fmt.Errorf("tok: empty piece at position %d", len(t.pieces)-TextFirstPiece)
		}
		if _, dup := t.index[p]; dup {
			continue
		}
		t.index[p] = len(t.pieces)
		t.pieces = append(t.pieces, p)
		if len(p) > t.maxLen {
			t.maxLen = len(p)
		}
	}
	return t, nil
}

// VocabSize is the number of token ids.
func (t *Text) VocabSize() int { return len(t.pieces) }

// Piece returns the text of token id, or "<pad>", "<stop>", "<byte>" for the
// specials and "" for an id out of range.
func (t *Text) Piece(id int) string {
	switch {
	case id == TextPad:
		return "<pad>"
	case id == TextStop:
		return "<stop>"
	case id == TextByte:
		return "<byte>"
	case id < 0 || id >= len(t.pieces):
		return ""
	}
	return t.pieces[id]
}

// Encode returns the token ids of s (without a stop token).
func (t *Text) Encode(s string) []int {
	return t.AppendEncode(make([]int, 0, len(s)/3+4), s)
}

// AppendEncode appends the token ids of s to dst.
func (t *Text) AppendEncode(dst []int, s string) []int {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		n := t.maxLen
		if rest := len(s) - i; rest < n {
			n = rest
		}
		matched := false
		for ; n > 1; n-- {
			if id, ok := t.index[s[i:i+n]]; ok {
				dst = append(dst, id)
				i += n
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		c := s[i]
		if id := t.byteID[c]; id >= 0 {
			dst = append(dst, id)
		} else {
			dst = append(dst, TextByte, t.byteID[hex[c>>4]], t.byteID[hex[c&15]])
		}
		i++
	}
	return dst
}

// Decode returns the text of ids up to the first Stop token. An id out of
// range, a Pad, or a Byte escape not followed by two hex digits is an error
// (a model can sample such sequences; the verifiers score them as parse
// failures).
func (t *Text) Decode(ids []int) (string, error) {
	var b strings.Builder
	for i := 0; i < len(ids); i++ {
		id := ids[i]
		switch {
		case id == TextStop:
			return b.String(), nil
		case id == TextPad:
			return b.String(), fmt.Errorf("tok: pad token at position %d", i)
		case id == TextByte:
			if i+2 >= len(ids) {
				return b.String(), fmt.Errorf("tok: byte escape at position %d is cut off", i)
			}
			hi, ok1 := t.hexValue(ids[i+1])
			lo, ok2 := t.hexValue(ids[i+2])
			if !ok1 || !ok2 {
				return b.String(), fmt.Errorf("tok: byte escape at position %d is not followed by two hex digits", i)
			}
			b.WriteByte(byte(hi<<4 | lo))
			i += 2
		case id < 0 || id >= len(t.pieces):
			return b.String(), fmt.Errorf("tok: token id %d at position %d is out of range [0,%d)", id, i, len(t.pieces))
		default:
			b.WriteString(t.pieces[id])
		}
	}
	return b.String(), nil
}

func (t *Text) hexValue(id int) (int, bool) {
	if id < textFirstChar || id >= TextFirstPiece {
		return 0, false
	}
	c := t.pieces[id][0]
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10, true
	}
	return 0, false
}

// Pieces returns the pieces given to NewText that became tokens, in id order
// (useful to inspect or save a vocabulary).
func (t *Text) Pieces() []string {
	return append([]string(nil), t.pieces[TextFirstPiece:]...)
}

// WordPieces expands words into the pieces a tokenizer needs for running
// text: each word bare, with a leading space, and, when quoted is true, with
// a leading double quote (JSON string starts). The result is sorted and free
// of duplicates, so vocabularies built from it are deterministic.
func WordPieces(words []string, quoted bool) []string {
	set := make(map[string]bool, 3*len(words))
	for _, w := range words {
		if w == "" {
			continue
		}
		set[w] = true
		set[" "+w] = true
		if quoted {
			set["\""+w] = true
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Lazy returns a function that builds the tokenizer of pieces() on its first
// call and hands the same shared, read-only tokenizer to every later call.
// Tasks use it for their fixed vocabularies; an error there is a bug in the
// task's piece list, so it panics with the task's name.
func Lazy(task string, pieces func() []string) func() *Text {
	var (
		once sync.Once
		t    *Text
	)
	return func() *Text {
		once.Do(func() {
			var err error
			if t, err = NewText(pieces()); err != nil {
				panic(task + ": building the tokenizer: " + err.Error())
			}
		})
		return t
	}
}
