package contents

import (
	"bufio"
	"encoding/json"
	"os"
)

// lineForm is how a notebook file writes a kind of multiline string:
// nbformat allows one string or a list of lines (each keeping its newline).
type lineForm int

const (
	// asLines writes a list of lines, as nbformat's own writer does.
	asLines lineForm = iota
	// asString writes one string, as the kernel sends outputs and
	// `rlvrworld run` saves them.
	asString
)

func (f lineForm) apply(v any) any {
	if f == asString {
		return joinLines(v)
	}
	return splitLines(joinLines(v))
}

// lineForms holds the form of a notebook's cell sources and of its output
// texts (stream text and the non-JSON data of display outputs).
//
// A save keeps the forms of the file it replaces, so that saving a notebook
// changes only the lines whose content changed: the shipped notebooks
// (sources as lines, outputs as strings) are not rewritten field by field
// when the browser saves them. A kind the file does not have yet, and a
// new file, get nbformat's writer form: lists of lines.
type lineForms struct{ source, outputs lineForm }

// fileLineForms reads the forms of the notebook file at full. It reads JSON
// tokens only until it has seen a source and an output text, so it costs
// little memory whatever the file's size; a file that cannot be read gives
// the defaults for what it did not show.
func fileLineForms(full string) lineForms {
	var forms lineForms
	f, err := os.Open(full)
	if err != nil {
		return forms
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReader(f))
	var stack []jsonLevel
	var haveSource, haveOutput bool
	for !(haveSource && haveOutput) {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		d, isDelim := tok.(json.Delim)
		if isDelim && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		n := len(stack)
		if n > 0 && stack[n-1].obj && stack[n-1].wantKey {
			stack[n-1].key, _ = tok.(string)
			stack[n-1].wantKey = false
			continue
		}
		// tok starts a value: a multiline field's form shows in its first
		// token, '[' or a string.
		_, isString := tok.(string)
		if isString || d == '[' {
			form := asString
			if d == '[' {
				form = asLines
			}
			switch at := multilineAt(stack); {
			case at == sourceField && !haveSource:
				forms.source, haveSource = form, true
			case at == outputField && !haveOutput:
				forms.outputs, haveOutput = form, true
			}
		}
		if n > 0 && stack[n-1].obj {
			stack[n-1].wantKey = true
		}
		if isDelim {
			stack = append(stack, jsonLevel{obj: d == '{', wantKey: d == '{'})
		}
	}
	return forms
}

// jsonLevel is one container around a token of a JSON stream: an object
// (whose key is that of the value being read in it, once read) or an array.
type jsonLevel struct {
	obj, wantKey bool
	key          string
}

type fieldKind int

const (
	otherField fieldKind = iota
	sourceField
	outputField
)

// multilineAt says whether a value read inside the containers of stack is a
// cell's source (top.cells[i].source) or an output's text
// (top.cells[i].outputs[j].text, or .data[mime] for a non-JSON mime type).
func multilineAt(stack []jsonLevel) fieldKind {
	n := len(stack)
	in := func(i int, key string) bool { return stack[i].obj && stack[i].key == key }
	if n < 3 || !in(0, "cells") || stack[1].obj {
		return otherField
	}
	switch {
	case n == 3 && in(2, "source"):
		return sourceField
	case n == 5 && in(2, "outputs") && !stack[3].obj && in(4, "text"):
		return outputField
	case n == 6 && in(2, "outputs") && !stack[3].obj && in(4, "data") && stack[5].obj && !isJSONMime(stack[5].key):
		return outputField
	}
	return otherField
}
