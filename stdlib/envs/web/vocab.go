package web

import (
	"sort"
	"strconv"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/tok"
)

// The web task's tokenizer covers the site's closed vocabulary: tree-line
// skeletons (`] link '`), section headers, URL parts, action verbs, the
// catalogue's colours and kinds, forum texts, typed texts and the numbers
// 10..99 (ids and prices). Changing the site's texts changes the
// vocabulary, and so invalidates saved checkpoints.
var tokenizer = tok.Lazy("web", vocabPieces)

// Tokenizer returns the web task's tokenizer (shared, read-only).
func Tokenizer() *tok.Text { return tokenizer() }

func vocabPieces() []string {
	pieces := []string{
		"New items:\n", "Deleted items:\n", "Updated items:\n", "None\n", "None", "New items:\nNone\nDeleted items:\nNone\nUpdated items:\nNone",
		"url: ", "\nobjective: ", "\nprevious: ", "\naction: ", "click [", "type [", "scroll down", "scroll up", "go_back",
		"/search?q=", "/p/", "/c/", "/t/", "/forum", "/settings", "/cart", "/checkout", "] \"", "\"",
		" value='", "' value='", "' checked", "' pressed", "'\n[", "'\n", " $", "$", " (", ")'", " x",
		"Shop", "Forum", "Settings", "Cart (", "Search", "Go", "Sort by price", "No results", "results for",
		"Price", "Qty", "Add to cart", "Added to cart", "Cart", "Remove", "Total $", "Checkout", "Name", "Address",
		"Place order", "Fill in all fields", "Order placed", "Reply", "Post", "Email alerts", "Theme", "Display name",
		"Save", "Saved", "you: ",
	}
	for _, role := range []string{"link", "button", "text", "heading", "searchbox", "textbox", "spinbutton", "combobox", "checkbox", "alert"} {
		pieces = append(pieces, "] "+role+" '")
	}
	words := map[string]bool{}
	addWords := func(xs ...string) {
		for _, x := range xs {
			for _, f := range strings.FieldsFunc(x, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
			}) {
				words[f] = true
			}
		}
	}
	addWords(colors...)
	addWords(kinds...)
	for _, k := range kinds {
		words[k+"s"] = true
	}
	addWords(topics...)
	addWords(users...)
	addWords(posts...)
	addWords(names...)
	addWords(addresses...)
	addWords(replies...)
	addWords(themes...)
	addWords("add the cheapest to the cart buy a set theme turn off email alerts reply to the thread about you")
	list := make([]string, 0, len(words))
	for w := range words {
		list = append(list, w)
	}
	sort.Strings(list)
	pieces = append(pieces, tok.WordPieces(list, false)...)
	for i := 10; i <= 99; i++ {
		pieces = append(pieces, strconv.Itoa(i))
	}
	return pieces
}
