package tok

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func testText(t testing.TB) *Text {
	tt, err := NewText(append([]string{`{"name":"`, `","properties":{`, "] link '", "New items:\n"},
		WordPieces([]string{"red", "mug", "stove", "water"}, true)...))
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

func TestTextRoundTrip(t *testing.T) {
	tt := testText(t)
	for _, s := range []string{
		"", "a", "red mug", `{"name":"stove","properties":{}}`, "New items:\n[12] link 'red mug $4'",
		"tabs\tand\nnewlines", "ünïcödé ✓ and \x00\x01\xff bytes", strings.Repeat("water", 50),
	} {
		ids := tt.Encode(s)
		got, err := tt.Decode(ids)
		if err != nil || got != s {
			t.Errorf("round trip of %q: got %q, %v", s, got, err)
		}
		for _, id := range ids {
			if id < TextStop+1 || id >= tt.VocabSize() {
				t.Errorf("Encode(%q) produced id %d outside [2,%d)", s, id, tt.VocabSize())
			}
		}
	}
}

func TestTextUsesPieces(t *testing.T) {
	tt := testText(t)
	// One token per known piece: the point of a word-level vocabulary.
	if got := tt.Encode(`{"name":"stove","properties":{`); len(got) != 3 {
		t.Errorf("want 3 tokens, got %d: %v", len(got), got)
	}
	if got := tt.Encode("red mug"); len(got) != 2 {
		t.Errorf("want 2 tokens for \"red mug\", got %d", len(got))
	}
	if tt.Piece(TextStop) != "<stop>" || tt.Piece(-1) != "" || tt.Piece(TextFirstPiece) != `{"name":"` {
		t.Errorf("Piece: %q %q %q", tt.Piece(TextStop), tt.Piece(-1), tt.Piece(TextFirstPiece))
	}
}

func TestTextDecodeStopsAndErrors(t *testing.T) {
	tt := testText(t)
	ids := append(tt.Encode("red"), TextStop)
	ids = append(ids, tt.Encode("mug")...)
	if s, err := tt.Decode(ids); err != nil || s != "red" {
		t.Errorf("decode up to stop: %q, %v", s, err)
	}
	for _, bad := range [][]int{{TextPad}, {-3}, {tt.VocabSize()}, {TextByte}, {TextByte, tt.Encode("g")[0], tt.Encode("0")[0]}} {
		if _, err := tt.Decode(bad); err == nil {
			t.Errorf("Decode(%v): want an error", bad)
		}
	}
}

func TestNewTextRejectsEmpty(t *testing.T) {
	if _, err := NewText([]string{"ok", ""}); err == nil {
		t.Error("want an error for an empty piece")
	}
}

func FuzzTextRoundTrip(f *testing.F) {
	for _, s := range []string{"", "red mug", "\xff\xfe", "New items:\nNone", `{"name":"water"}`} {
		f.Add(s)
	}
	tt := testText(f)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := tt.Decode(tt.Encode(s))
		if err != nil || got != s {
			t.Fatalf("round trip of %q: got %q, %v", s, got, err)
		}
	})
}

func FuzzTextDecode(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	f.Add([]byte{2, 51, 52})
	f.Add([]byte{200, 100, 7})
	tt := testText(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		ids := make([]int, len(b))
		for i, x := range b {
			ids[i] = int(x) - 8 // some negative, some past the vocabulary
		}
		s, err := tt.Decode(ids)
		if err == nil && utf8.ValidString(s) {
			// A clean decode must re-encode to a sequence that decodes the same.
			if again, err := tt.Decode(tt.Encode(s)); err != nil || again != s {
				t.Fatalf("re-encode of %q: %q, %v", s, again, err)
			}
		}
	})
}

func TestLazyBuildsOnceAndPanicsOnBadPieces(t *testing.T) {
	calls := 0
	get := Lazy("demo", func() []string { calls++; return []string{"hello", " world"} })
	a, b := get(), get()
	if a != b || calls != 1 {
		t.Fatalf("Lazy built %d times, same tokenizer %v", calls, a == b)
	}
	if got := len(a.Encode("hello world")); got != 2 {
		t.Fatalf("Lazy tokenizer encodes %q into %d tokens, want 2", "hello world", got)
	}
	bad := Lazy("demo", func() []string { return []string{"ok", ""} })
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "demo: building the tokenizer") {
			t.Fatalf("bad pieces: recovered %v, want a panic naming the task", r)
		}
	}()
	bad()
}
