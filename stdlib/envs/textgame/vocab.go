package textgame

import (
	"sort"
	"strconv"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/tok"
)

// The text game's tokenizer is built from the games' closed vocabulary: the
// JSON skeleton of states and diffs, property keys, object names, the words
// of the verbs and rules lines, and the numbers 0..100. Changing a rules line
// or a name changes the vocabulary, and so invalidates saved checkpoints.
var tokenizer = tok.Lazy("textgame", vocabPieces)

// Tokenizer returns the text game's tokenizer (shared, read-only).
func Tokenizer() *tok.Text { return tokenizer() }

func vocabPieces() []string {
	// The JSON skeleton, longest useful runs first; encoding is greedy
	// longest match, so the order here does not matter for correctness.
	skeleton := []string{
		`{"objects":[`, `{"uuid":`, `,"name":"`, `","properties":{`, `},"contains":[`,
		`},"contains":[]}`, `,"contains":[`, `,"contains":[]}`, `]}`, `]},`, `,{"uuid":`, `]},{"uuid":`, `]}],"score":`, `],"score":`,
		`{"score":`, `,"gameOver":`, `,"gameWon":`, `true`, `false`, `true}}`, `false}}`,
		`{"modified":[`, `{"modified":[],"removed":[],"score":{"score":`, `],"removed":[`, `],"removed":[],"score":{"score":`,
		`"}`, `":"`, `":`, `,"`, `\n`, "\nstate: ", "\naction: ", ": ", ". ", "; ", ", ",
	}
	props := []string{"isOn", "isOpen", "temp", "water", "dirty", "lit", "broken", "growth", "tea", "material", "charge"}
	for _, p := range props {
		skeleton = append(skeleton, `"`+p+`":`, `,"`+p+`":`, `{"`+p+`":`)
	}
	skeleton = append(skeleton, `"material":"`, `,"material":"`, `{"material":"`)
	// Names and verbs start JSON strings and lines, so they need a bare and a
	// spaced piece; the words of rules lines only ever follow a space.
	bare := map[string]bool{}
	spaced := map[string]bool{}
	split := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		})
	}
	for _, g := range games {
		for i, f := range split(g.rules) {
			if i == 0 {
				bare[f] = true
			}
			spaced[" "+f] = true
		}
		for _, v := range g.variants {
			for _, n := range v {
				skeleton = append(skeleton, n) // multi-word names whole
				for _, f := range split(n) {
					bare[f] = true
					spaced[" "+f] = true
				}
			}
		}
	}
	for _, f := range split("look wait take put in open close turn on off use inventory water plant room drawer old " +
		"sink soap kettle watering can blue green yellow bin paper glass plastic book key spoon towel apple") {
		bare[f] = true
		spaced[" "+f] = true
	}
	for _, n := range []string{"watering can", "blue bin", "green bin", "yellow bin", "turn on", "turn off"} {
		skeleton = append(skeleton, n, " "+n)
	}
	list := make([]string, 0, len(bare)+len(spaced))
	for w := range bare {
		list = append(list, w)
	}
	for w := range spaced {
		list = append(list, w)
	}
	sort.Strings(list)
	pieces := append(skeleton, list...)
	// uuids run to about 12; temperatures, charges and scores are multiples
	// of 5.
	for i := 10; i <= 100; i++ {
		if i <= 20 || i%5 == 0 {
			pieces = append(pieces, strconv.Itoa(i))
		}
	}
	return pieces
}
