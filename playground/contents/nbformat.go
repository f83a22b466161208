package contents

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// ValidateNotebook checks that nb (decoded with UseNumber) is an nbformat v4
// notebook: the structure of the nbformat 4 schema for the notebook, its
// cells and their outputs. It returns the first problem found, naming where.
func ValidateNotebook(nb any) error {
	top, ok := nb.(map[string]any)
	if !ok {
		return fmt.Errorf("notebook is not a JSON object")
	}
	for k := range top {
		switch k {
		case "cells", "metadata", "nbformat", "nbformat_minor":
		default:
			return fmt.Errorf("notebook has an unknown top-level field %q", k)
		}
	}
	if v, ok := intOf(top["nbformat"]); !ok || v != 4 {
		return fmt.Errorf("notebook nbformat is %v, want 4", top["nbformat"])
	}
	if v, ok := intOf(top["nbformat_minor"]); !ok || v < 0 {
		return fmt.Errorf("notebook nbformat_minor is %v, want a non-negative integer", top["nbformat_minor"])
	}
	md, ok := top["metadata"].(map[string]any)
	if !ok {
		return fmt.Errorf("notebook metadata is missing or not an object")
	}
	if ks, present := md["kernelspec"]; present {
		m, ok := ks.(map[string]any)
		if !ok || !isString(m["name"]) || !isString(m["display_name"]) {
			return fmt.Errorf("notebook metadata.kernelspec needs string name and display_name")
		}
	}
	if li, present := md["language_info"]; present {
		m, ok := li.(map[string]any)
		if !ok || !isString(m["name"]) {
			return fmt.Errorf("notebook metadata.language_info needs a string name")
		}
	}
	cells, ok := top["cells"].([]any)
	if !ok {
		return fmt.Errorf("notebook cells is missing or not an array")
	}
	for i, c := range cells {
		if err := validateCell(c); err != nil {
			return fmt.Errorf("cell %d: %w", i, err)
		}
	}
	return nil
}

var cellID = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func validateCell(c any) error {
	cell, ok := c.(map[string]any)
	if !ok {
		return fmt.Errorf("not a JSON object")
	}
	typ, _ := cell["cell_type"].(string)
	allowed := map[string]bool{"id": true, "cell_type": true, "metadata": true, "source": true}
	switch typ {
	case "code":
		allowed["outputs"], allowed["execution_count"] = true, true
	case "markdown", "raw":
		allowed["attachments"] = true
	default:
		return fmt.Errorf("cell_type %v is not code, markdown or raw", cell["cell_type"])
	}
	for k := range cell {
		if !allowed[k] {
			return fmt.Errorf("%s cell has an unknown field %q", typ, k)
		}
	}
	if id, present := cell["id"]; present {
		s, ok := id.(string)
		if !ok || !cellID.MatchString(s) {
			return fmt.Errorf("cell id %v must be 1 to 64 letters, digits, - or _", id)
		}
	}
	if _, ok := cell["metadata"].(map[string]any); !ok {
		return fmt.Errorf("metadata is missing or not an object")
	}
	if !isMultiline(cell["source"]) {
		return fmt.Errorf("source must be a string or an array of strings")
	}
	if a, present := cell["attachments"]; present {
		if _, ok := a.(map[string]any); !ok {
			return fmt.Errorf("attachments must be an object")
		}
	}
	if typ != "code" {
		return nil
	}
	if ec := cell["execution_count"]; ec != nil {
		if v, ok := intOf(ec); !ok || v < 0 {
			return fmt.Errorf("execution_count %v must be a non-negative integer or null", ec)
		}
	} else if _, present := cell["execution_count"]; !present {
		return fmt.Errorf("code cell has no execution_count")
	}
	outs, ok := cell["outputs"].([]any)
	if !ok {
		return fmt.Errorf("code cell outputs is missing or not an array")
	}
	for j, o := range outs {
		if err := validateOutput(o); err != nil {
			return fmt.Errorf("output %d: %w", j, err)
		}
	}
	return nil
}

func validateOutput(o any) error {
	out, ok := o.(map[string]any)
	if !ok {
		return fmt.Errorf("not a JSON object")
	}
	switch out["output_type"] {
	case "stream":
		if !isString(out["name"]) || !isMultiline(out["text"]) {
			return fmt.Errorf("stream output needs a string name and text")
		}
	case "display_data", "execute_result":
		if err := validateBundle(out["data"]); err != nil {
			return err
		}
		if _, ok := out["metadata"].(map[string]any); !ok {
			return fmt.Errorf("%v output metadata is missing or not an object", out["output_type"])
		}
		if out["output_type"] == "execute_result" {
			if ec := out["execution_count"]; ec != nil {
				if _, ok := intOf(ec); !ok {
					return fmt.Errorf("execute_result execution_count %v is not an integer or null", ec)
				}
			} else if _, present := out["execution_count"]; !present {
				return fmt.Errorf("execute_result has no execution_count")
			}
		}
	case "error":
		if !isString(out["ename"]) || !isString(out["evalue"]) {
			return fmt.Errorf("error output needs string ename and evalue")
		}
		tb, ok := out["traceback"].([]any)
		if !ok {
			return fmt.Errorf("error output traceback is not an array")
		}
		for _, l := range tb {
			if !isString(l) {
				return fmt.Errorf("error output traceback has a non-string line")
			}
		}
	default:
		return fmt.Errorf("output_type %v is not stream, display_data, execute_result or error", out["output_type"])
	}
	return nil
}

func validateBundle(d any) error {
	data, ok := d.(map[string]any)
	if !ok {
		return fmt.Errorf("output data is missing or not an object")
	}
	for mime, v := range data {
		if !strings.Contains(mime, "/") {
			return fmt.Errorf("output data key %q is not a MIME type", mime)
		}
		if isJSONMime(mime) {
			continue
		}
		if !isMultiline(v) {
			return fmt.Errorf("output data %s must be a string or an array of strings", mime)
		}
	}
	return nil
}

func isJSONMime(m string) bool {
	return m == "application/json" || strings.HasSuffix(m, "+json")
}

func isString(v any) bool { _, ok := v.(string); return ok }

func isMultiline(v any) bool {
	switch t := v.(type) {
	case string:
		return true
	case []any:
		for _, l := range t {
			if !isString(l) {
				return false
			}
		}
		return true
	}
	return false
}

func intOf(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// denseFrom and minBytesPerValue bound what decoding a notebook costs: a
// body over denseFrom bytes must average at least minBytesPerValue bytes per
// JSON value. Decoded, each value costs some 40 to 60 bytes of memory (an
// interface, a string or number, a slice slot), so this keeps a save's
// memory within a small multiple of its body. Real notebooks are mostly
// long strings (source lines, base64 images) and pass easily; a 63 MiB
// array of zeros (32 M values, 1.3 GB decoded) does not.
const (
	denseFrom        = 1 << 20
	minBytesPerValue = 8
)

// checkDensity refuses a large JSON body whose values are so small and
// many that decoding it would multiply its size in memory.
func checkDensity(data []byte) error {
	if len(data) <= denseFrom {
		return nil
	}
	if n := countValues(data); n > len(data)/minBytesPerValue {
		return fmt.Errorf("%d JSON values in %d bytes: a notebook over %d MiB must average at least %d bytes per value",
			n, len(data), denseFrom>>20, minBytesPerValue)
	}
	return nil
}

// countValues counts the values in JSON text (roughly: separators and
// openings outside strings), without decoding it.
func countValues(data []byte) int {
	n := 1
	var st stringState
	for _, c := range data {
		if st.step(c) {
			continue
		}
		switch c {
		case ',', ':', '{', '[':
			n++
		}
	}
	return n
}

// decodeJSON decodes with json.Number, so numbers survive a round trip.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// multilineFields visits the strings nbformat stores as line arrays: cell
// sources (with source) and stream texts and non-JSON output data (with
// output).
func multilineFields(nb any, source, output func(v any) any) {
	top, _ := nb.(map[string]any)
	cells, _ := top["cells"].([]any)
	for _, c := range cells {
		cell, _ := c.(map[string]any)
		if cell == nil {
			continue
		}
		if s, ok := cell["source"]; ok {
			cell["source"] = source(s)
		}
		outs, _ := cell["outputs"].([]any)
		for _, o := range outs {
			out, _ := o.(map[string]any)
			if out == nil {
				continue
			}
			if t, ok := out["text"]; ok {
				out["text"] = output(t)
			}
			data, _ := out["data"].(map[string]any)
			for mime, v := range data {
				if !isJSONMime(mime) {
					data[mime] = output(v)
				}
			}
		}
	}
}

// splitLines turns a string into nbformat's line array (each line keeps its
// newline), so that saved notebooks diff well line by line.
func splitLines(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	out := make([]any, len(lines))
	for i, l := range lines {
		out[i] = l
	}
	return out
}

// joinLines turns a line array back into one string, as Jupyter Server
// returns notebooks.
func joinLines(v any) any {
	a, ok := v.([]any)
	if !ok {
		return v
	}
	var b strings.Builder
	for _, l := range a {
		s, _ := l.(string)
		b.WriteString(s)
	}
	return b.String()
}

// encodeNotebook writes nb as nbformat does: one-space indent, sorted keys,
// a final newline, and its multiline strings in the forms f gives (a list of
// lines or one string). Values nested deeper than indentDepth are written
// compactly, so a deeply nested metadata value cannot make the file grow
// with the square of its depth.
func encodeNotebook(nb any, f lineForms) ([]byte, error) {
	multilineFields(nb, f.source.apply, f.outputs.apply)
	compact, err := jsonMarshal(nb)
	if err != nil {
		return nil, err
	}
	return append(indentBounded(bytes.TrimSuffix(compact, []byte("\n")), indentDepth), '\n'), nil
}

// indentDepth is how deep the layout indents: well past nbformat's own
// structure (the lines of an output's data are 7 deep) and the charts'
// JSON outputs, so every notebook we ship is laid out byte for byte as
// nbformat lays it out, while a value nested thousands deep costs at most
// indentDepth+2 bytes of output per byte of input rather than its depth.
const indentDepth = 16

// indentBounded lays out compact JSON with a one-space indent per level, as
// json.Indent(dst, src, "", " ") does, for containers up to maxDepth deep;
// deeper ones stay compact. Each byte of src costs at most maxDepth+2
// bytes of output.
func indentBounded(src []byte, maxDepth int) []byte {
	out := make([]byte, 0, len(src)+len(src)/2)
	newline := func(depth int) {
		out = append(out, '\n')
		for i := 0; i < depth; i++ {
			out = append(out, ' ')
		}
	}
	depth := 0 // containers open around the current byte
	var st stringState
	for i := 0; i < len(src); i++ {
		c := src[i]
		if st.step(c) {
			out = append(out, c)
			continue
		}
		switch c {
		case '{', '[':
			out = append(out, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				out = append(out, src[i+1]) // empty: [] and {} as nbformat writes them
				i++
				continue
			}
			depth++
			if depth <= maxDepth {
				newline(depth)
			}
		case '}', ']':
			if depth <= maxDepth {
				newline(depth - 1)
			}
			depth--
			out = append(out, c)
		case ',':
			out = append(out, c)
			if depth <= maxDepth {
				newline(depth)
			}
		case ':':
			out = append(out, c)
			if depth <= maxDepth {
				out = append(out, ' ')
			}
		default:
			out = append(out, c)
		}
	}
	return out
}

// NewNotebook is the content of a new, empty notebook.
func NewNotebook() map[string]any {
	return map[string]any{
		"cells":          []any{},
		"metadata":       map[string]any{},
		"nbformat":       json.Number("4"),
		"nbformat_minor": json.Number("5"),
	}
}

// stringState follows whether a stream of JSON bytes is inside a string
// literal, escapes included, for the scanners above that must not count or
// re-indent what a string holds.
type stringState struct{ in, escaped bool }

// step advances over c and reports whether c belongs to a string literal
// (its quotes included).
func (s *stringState) step(c byte) bool {
	if !s.in {
		s.in = c == '"'
		return s.in
	}
	switch {
	case s.escaped:
		s.escaped = false
	case c == '\\':
		s.escaped = true
	case c == '"':
		s.in = false
	}
	return true
}
