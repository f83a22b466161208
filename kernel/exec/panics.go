package exec

import (
	"regexp"
	"runtime"
	"strings"
)

// Go's run-time panics inside interpreted code surface as the messages of
// the reflect calls yaegi makes for them ("reflect: slice index out of
// range" for xs[3]), which name the interpreter instead of the mistake. A
// cell's panic is shown with the message the Go runtime gives for the same
// mistake (without the operands' values, which the interpreter does not
// keep), and the traceback keeps the interpreter's own words. Only panics
// raised inside reflect are reworded, not a cell's own panic("...").
var goPanics = []struct {
	re  *regexp.Regexp
	msg string
}{
	{regexp.MustCompile(`^reflect: (slice|array|string) index out of range$`), "runtime error: index out of range"},
	{regexp.MustCompile(`^reflect\.Value\.Slice3?: (string )?slice index out of bounds$`), "runtime error: slice bounds out of range"},
	{regexp.MustCompile(`^reflect: call of reflect\.Value\.\w+ on zero Value$|^reflect: Method on nil interface value$|^reflect\.Value\.Call: call of nil function$`),
		"runtime error: invalid memory address or nil pointer dereference"},
	{regexp.MustCompile(`^reflect\.MakeSlice: (negative len|len > cap)$`), "runtime error: makeslice: len out of range"},
	{regexp.MustCompile(`^reflect\.MakeSlice: negative cap$`), "runtime error: makeslice: cap out of range"},
}

// interpPos is the position yaegi puts before some panic values
// ("3:5: interface conversion: ..."); the cell position is added apart.
var interpPos = regexp.MustCompile(`^\d+:\d+: `)

// goPanicText is the panic value v as the Go runtime would word it, and
// the interpreter's own message where that differs ("" otherwise);
// reflect says whether reflect raised it (raisedBy), as opposed to the
// cell's own panic or the interpreter.
func goPanicText(v string, reflect bool) (text, interp string) {
	if reflect {
		for _, p := range goPanics {
			if p.re.MatchString(v) {
				return p.msg, v
			}
		}
	}
	if interpPos.MatchString(v) && strings.Contains(v, "interface conversion: ") {
		return interpPos.ReplaceAllString(v, ""), ""
	}
	return v, ""
}

// incompleteType is how yaegi's compiler fails, as a panic, on a name that
// is defined nowhere when it is used as a value (x := typo + 1).
// The position first is the use's (the second can point past the name).
var incompleteType = regexp.MustCompile(`^(\d+:\d+:) CFG post-order panic: \d+:\d+: incomplete type ([\pL_][\pL\pN_]*)$`)

// undefinedName is the compile error Go gives for what yaegi reports as
// the panic v, when v is such a failure; nil otherwise.
func undefinedName(v string) *Error {
	m := incompleteType.FindStringSubmatch(v)
	if m == nil {
		return nil
	}
	msg := cellPos(m[1]) + " undefined: " + m[2]
	return &Error{Name: "CompileError", Value: msg, Traceback: []string{"CompileError: " + msg}}
}

// raisedBy is the function that first called panic in the stack pcs (from
// a deferred recover, the panicking frames are still on it: yaegi's own
// recover and re-panic sit above the first), "" when none did.
func raisedBy(pcs []uintptr) string {
	frames := runtime.CallersFrames(pcs)
	by, after := "", false
	for {
		f, more := frames.Next()
		if after {
			by = f.Function
		}
		after = f.Function == "runtime.gopanic"
		if !more {
			return by
		}
	}
}
