package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// maxLooseJSON bounds the text ParseLooseJSON accepts, so that a runaway
// generation cannot make a verifier slow.
const maxLooseJSON = 1 << 20

// ParseLooseJSON parses a JSON value written by a language model, tolerating
// the small slips models make: text around the outermost object or array,
// Markdown code fences, single-quoted strings, trailing commas, Python's
// True/False/None and unquoted keys are repaired before parsing. Anything
// else is an error. Numbers decode as float64, as in encoding/json.
func ParseLooseJSON(s string) (any, error) {
	if len(s) > maxLooseJSON {
		return nil, fmt.Errorf("verify: json text of %d bytes exceeds the %d-byte limit", len(s), maxLooseJSON)
	}
	start := strings.IndexAny(s, "{[")
	if start < 0 {
		return nil, errors.New("verify: no JSON object or array in the text")
	}
	end := strings.LastIndexAny(s, "}]")
	if end < start {
		return nil, errors.New("verify: JSON object is not closed")
	}
	body := s[start : end+1]
	var v any
	if err := json.Unmarshal([]byte(body), &v); err == nil {
		return v, nil
	}
	fixed := RepairJSON(body)
	if err := json.Unmarshal([]byte(fixed), &v); err != nil {
		return nil, fmt.Errorf("verify: bad JSON even after repair: %w", err)
	}
	return v, nil
}

// RepairJSON rewrites the common slips of generated JSON into valid JSON
// where it can: single-quoted strings become double-quoted, trailing commas
// before } or ] are dropped, bare True/False/None become true/false/null, and
// bare identifier keys are quoted. It does not validate; the result may still
// be invalid.
func RepairJSON(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	n := len(s)
	for i := 0; i < n; i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\'':
			// Copy a string, converting the quote style to double quotes.
			q := c
			b.WriteByte('"')
			i++
			for ; i < n && s[i] != q; i++ {
				switch {
				case s[i] == '\\' && i+1 < n:
					if q == '\'' && s[i+1] == '\'' {
						b.WriteByte('\'')
					} else {
						b.WriteByte('\\')
						b.WriteByte(s[i+1])
					}
					i++
				case s[i] == '"' && q == '\'':
					b.WriteString(`\"`)
				default:
					b.WriteByte(s[i])
				}
			}
			b.WriteByte('"')
		case c == ',':
			// Drop a comma followed only by spaces and a closer.
			j := i + 1
			for j < n && (s[j] == ' ' || s[j] == '\n' || s[j] == '\t' || s[j] == '\r') {
				j++
			}
			if j < n && (s[j] == '}' || s[j] == ']') {
				continue
			}
			b.WriteByte(c)
		case isIdentStart(c):
			j := i + 1
			for j < n && isIdentPart(s[j]) {
				j++
			}
			word := s[i:j]
			k := j
			for k < n && (s[k] == ' ' || s[k] == '\t') {
				k++
			}
			switch {
			case k < n && s[k] == ':':
				b.WriteByte('"')
				b.WriteString(word)
				b.WriteByte('"')
			case word == "True":
				b.WriteString("true")
			case word == "False":
				b.WriteString("false")
			case word == "None":
				b.WriteString("null")
			default:
				b.WriteString(word)
			}
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9')
}

// CanonicalValue returns a canonical text of a decoded JSON scalar or value,
// so that values compare with ==: numbers drop a trailing ".0" (20 and 20.0
// are equal), strings are JSON-quoted, and arrays and objects are their JSON
// encoding with sorted keys.
func CanonicalValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		if x == float64(int64(x)) && x > -1e15 && x < 1e15 {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprintf("%g", x)
	case string:
		out, _ := json.Marshal(x)
		return string(out)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(out)
}
