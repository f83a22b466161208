// Package exec runs notebook cells with the yaegi Go interpreter.
//
// A cell goes through stages, each in its own file:
//
//   - check (check.go, importer.go): the cell is type-checked with go/types
//     together with the declarations of earlier cells; packages come from
//     the interpreter's symbol tables;
//   - rewrite (rewrite.go, generic.go, rt.go): Go 1.22+ semantics that yaegi
//     (about Go 1.21) lacks are made by editing the cell's text, or the cell
//     is refused with a message that says what to write instead;
//   - evaluate (this file, split.go, define.go, zombie.go): the cell is split
//     into runs of imports, declarations and statements, evaluated in cell
//     order with imports first, through EvalWithContext (plain Eval of some
//     inputs can kill the process, and only the context version can be
//     interrupted). Imports an earlier cell made are dropped (yaegi fails on
//     a second import). State lives in the one interpreter;
//   - present (present.go): the last value as Go shows it;
//   - complete and inspect (complete.go), from the checked source.
//
// Positions in errors are lines and columns in the cell: each run is padded
// with newlines and spaces so that yaegi's positions are the cell's, and the
// rewrite never adds or removes a line.
package exec

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"io"
	"os"
	"reflect"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/unrestricted"

	"github.com/rlvrworld/rlvrworld/kernel/cell"
	"github.com/rlvrworld/rlvrworld/stdlib/display"
)

// Options configure an Executor.
type Options struct {
	// Stdout and Stderr receive interpreted code's output (fmt.Print*,
	// os.Stdout, log). Nil means os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
	// Stdin is what fmt.Scan* and os.Stdin read. Nil means os.Stdin.
	Stdin io.Reader
	// Symbols are extra symbol tables (the preloaded rlvr/ packages), keyed
	// as yaegi expects: "import/path/name".
	Symbols []interp.Exports
}

// Executor is one interpreter session. Execute must not be called
// concurrently; the kernel runs one cell at a time.
type Executor struct {
	in       *interp.Interpreter
	imported map[string]bool   // "name path" of successful imports
	pkgs     map[string]string // local package name -> import path
	rich     bool              // evaluate the last expression through resultVar

	bindImported bool     // the package of define.go's binding functions
	bindSeq      int      // its last function
	typeNames    []string // types declared in cells, oldest first

	decls       []string        // declarations of earlier cells, as run (for check.go)
	declNames   map[string]bool // the names they declare
	imp         *symImporter
	last        lastShape         // the running cell's last expression (present.go)
	globalTypes map[string]string // statement-defined globals' types, as the checker spells them
	// genericLoaded are the generic packages evaluated (generic.go).
	genericLoaded map[string]bool

	mu     sync.Mutex
	panics []string // yaegi's "L:C: panic: ..." lines for the running cell

	label  string    // pprof label of the running cell's evaluations
	zombie string    // label of an interrupted cell whose evaluation may still run
	warn   io.Writer // where the executor tells the user about a stuck zombie

	call *caller // the callback trampoline (call.go), made by the first Call

	byName map[string][]pkgEntry // importable packages by name (autoimport.go)
}

// Result is the outcome of one cell.
type Result struct {
	// Value is the cell's last expression when HasValue.
	Value    any
	HasValue bool
	// Err is non-nil when the cell failed.
	Err *Error
}

// Error is a failed cell, in Jupyter's terms.
type Error struct {
	Name      string   // ename: SyntaxError, CompileError, panic, Interrupted, Error
	Value     string   // evalue, with positions as cell:LINE:COL
	Traceback []string // lines, the first one "Name: Value"
}

func (e *Error) Error() string { return e.Name + ": " + e.Value }

// CellSymbols is the symbol table of the kernel-provided package "rlvr/cell".
// Only Context and Interrupted are exported to cells; SetContext is the
// kernel's.
var CellSymbols = interp.Exports{
	"rlvr/cell/cell": {
		"Context":     reflect.ValueOf(cell.Context),
		"Interrupted": reflect.ValueOf(cell.Interrupted),
	},
}

// ExecSymbols is os/exec, which yaegi's stdlib table leaves out: it ships it
// only in stdlib/unrestricted. Only that package is taken from there; the
// table's other entries (os.Exit, log.Fatal*, log.New) would replace the
// stdlib versions that panic instead of ending the process, and a cell that
// calls log.Fatal should fail, not take the kernel down.
var ExecSymbols = interp.Exports{"os/exec/exec": unrestricted.Symbols["os/exec/exec"]}

// New returns an executor with yaegi's standard library, os/exec, the
// rlvr/cell package and opts.Symbols loaded.
func New(opts Options) (*Executor, error) {
	e := &Executor{imported: map[string]bool{}, pkgs: map[string]string{}, declNames: map[string]bool{}, globalTypes: map[string]string{}, genericLoaded: map[string]bool{}}
	stdout, stderr, stdin := opts.Stdout, opts.Stderr, opts.Stdin
	if stdout == nil {
		stdout = os.Stdout
	}
	if stderr == nil {
		stderr = os.Stderr
	}
	if stdin == nil {
		stdin = os.Stdin
	}
	e.warn = stderr
	e.in = interp.New(interp.Options{
		Stdout: stdout,
		Stderr: &panicFilter{w: stderr, e: e},
		Stdin:  stdin,
		Env:    os.Environ(),
		Args:   []string{"rlvrworld-cell"},
		// Cells are the user's own code on the user's machine: they may run
		// processes and read the environment like any Go program.
		Unrestricted: true,
	})
	tables := append([]interp.Exports{stdlib.Symbols, ExecSymbols, CellSymbols}, opts.Symbols...)
	for _, t := range tables {
		if err := e.in.Use(t); err != nil {
			return nil, fmt.Errorf("exec: loading symbols: %w", err)
		}
	}
	e.indexPackages(tables)
	if err := e.useRT(stdin, stderr); err != nil {
		return nil, err
	}
	e.rich = true
	return e, nil
}

// panicLine matches what yaegi writes to its stderr for each interpreted
// frame of a panic: "12:5: panic: main.f(...)".
var panicLine = regexp.MustCompile(`^(?:_\.go:)?(\d+):(\d+): panic`)

// panicFilter passes output through, except yaegi's panic trace lines, which
// it keeps for the cell's traceback. yaegi writes each such line with one
// Write call.
type panicFilter struct {
	w io.Writer
	e *Executor
}

func (f *panicFilter) Write(p []byte) (int, error) {
	if panicLine.Match(p) {
		f.e.mu.Lock()
		f.e.panics = append(f.e.panics, strings.TrimSpace(string(p)))
		f.e.mu.Unlock()
		return len(p), nil
	}
	return f.w.Write(p)
}

// ZombieWait bounds how long a cell waits for an interrupted cell's
// evaluation to stop (see zombie.go).
var ZombieWait = 10 * time.Second

// Execute runs one cell. ctx cancels it (interrupt); the cell reaches the
// context through rlvr/cell's Context. Execute never panics: a panic in the
// cell is an Error result and the interpreter keeps its state.
func (e *Executor) Execute(ctx context.Context, code string) (res Result) {
	e.awaitZombie()
	e.label = strconv.FormatInt(cellSeq.Add(1), 10)
	defer func() {
		if res.Err != nil && res.Err.Name == "Interrupted" {
			e.zombie = e.label
		}
		addHint(res.Err, code)
		e.dropRoots()
	}()
	ctx, cancel := context.WithCancel(ctx)
	cell.SetContext(ctx)
	e.mu.Lock()
	e.panics = nil
	e.mu.Unlock()
	defer func() {
		cancel()
		cell.SetContext(nil)
		if r := recover(); r != nil {
			raw := fmt.Sprint(r)
			v, _ := goPanicText(raw, false)
			res = Result{Err: &Error{Name: "panic", Value: v, Traceback: []string{"panic: " + raw}}}
			if ce := undefinedName(raw); ce != nil {
				res = Result{Err: ce}
			}
		}
	}()

	// The stages: parse and rewrite, evaluate (imports first), present.
	// Each failure is mapped to an Error by toError. Packages used without
	// an import are imported first (autoimport.go).
	e.autoImport(ctx, code)
	code, chunks, err := e.prepare(ctx, code)
	if err != nil {
		return Result{Err: err}
	}
	if err := e.evalImports(ctx, code, chunks); err != nil {
		return Result{Err: err}
	}
	var body []chunk
	for _, c := range chunks {
		if c.kind != kindImport {
			body = append(body, c)
		}
	}
	out, final := e.evalBody(ctx, code, body)
	if final != nil {
		return *final
	}
	if ctx.Err() != nil {
		return Result{Err: e.toError(ctx, ctx.Err())}
	}
	return e.present(out)
}

// awaitZombie waits, a bounded time, for the compiled call an interrupted
// cell left running (zombie.go), and warns when it is still there.
func (e *Executor) awaitZombie() {
	if e.zombie == "" {
		return
	}
	if !waitZombie(e.zombie, ZombieWait) {
		fmt.Fprintf(e.warn, "warning: the interrupted cell is still inside a compiled call that ignores cell.Context(); it may resume when that call returns\n")
	}
	e.zombie = ""
}

// prepare is the parse and rewrite stage: the cell is checked and
// rewritten to what yaegi runs right (or refused), the generic packages it
// uses are loaded, and it is split into chunks. Top-level defer is refused.
func (e *Executor) prepare(ctx context.Context, code string) (string, []chunk, *Error) {
	code, generics, rerr := e.rewrite(code)
	if rerr != nil {
		return "", nil, rerr
	}
	for _, g := range generics {
		if err := e.loadGeneric(ctx, g); err != nil {
			return "", nil, e.toError(ctx, err)
		}
	}
	chunks := split(code)
	for _, c := range chunks {
		if c.deferStmt {
			msg := fmt.Sprintf("cell:%d:%d: defer at the top level of a cell is not supported (the interpreter would run it again after every later cell): put it inside a function", c.line, c.col)
			return "", nil, &Error{Name: "CompileError", Value: msg, Traceback: []string{"CompileError: " + msg}}
		}
	}
	return code, chunks, nil
}

// evalImports evaluates the cell's imports, whatever their place in the
// cell, one spec at a time so that those an earlier cell made are dropped.
func (e *Executor) evalImports(ctx context.Context, code string, chunks []chunk) *Error {
	for _, c := range chunks {
		if c.kind != kindImport {
			continue
		}
		text := code[c.start:c.end]
		specs, ok := parseImports(text)
		if !ok {
			if _, err := e.eval(ctx, c, text); err != nil {
				return e.toError(ctx, err)
			}
			continue
		}
		for _, sp := range specs {
			key := sp.name + " " + sp.path
			if e.imported[key] {
				continue
			}
			spc := chunk{kind: kindImport, line: c.line + sp.line - 1, col: 1}
			if _, err := e.eval(ctx, spc, "import "+sp.text); err != nil {
				return e.toError(ctx, err)
			}
			e.imported[key] = true
			name := sp.name
			if name == "" {
				name = pkgName(e.in, sp.path)
			}
			e.pkgs[name] = sp.path
		}
	}
	return nil
}

// lastValue is what the cell's last statement left: its value when it is
// an expression, and the call it is, if it is one.
type lastValue struct {
	v    reflect.Value
	call *ast.CallExpr
	ok   bool
}

// evalBody is the evaluate stage for declarations and statements, in cell
// order. It returns the last statement's value, or a final Result: an
// error, or a last expression presented as it was evaluated (a tuple, a
// rich value through evalRich).
func (e *Executor) evalBody(ctx context.Context, code string, body []chunk) (lastValue, *Result) {
	var last lastValue
	for i, c := range body {
		text := code[c.start:c.end]
		if i == len(body)-1 && c.kind == kindStmt && e.rich {
			off, call := lastExpr(text)
			if off == 0 && call != nil && e.last.results > 1 {
				r := e.evalTuple(ctx, c, text, e.last.results)
				return last, &r
			}
			if off >= 0 && (call == nil || e.results(call) == 1 || e.last.results == 1) {
				if r, ok := e.evalRich(ctx, c, text, off); ok {
					return last, &r
				}
			}
		}
		v, err := e.evalChunk(ctx, c, text, code)
		if err != nil {
			r := e.toError(ctx, err)
			if c.compound {
				compoundPanic(r, c, text)
			}
			return last, &Result{Err: r}
		}
		if c.kind == kindDecl {
			e.noteTypes(text)
			e.noteDecl(code[docStart(code, c.start):c.end])
		}
		if i == len(body)-1 && c.kind == kindStmt {
			off, call := lastExpr(text)
			last = lastValue{v: v, call: call, ok: off >= 0}
		}
	}
	return last, nil
}

// evalChunk evaluates one chunk, through define.go where yaegi cannot type
// a definition at the top level.
func (e *Executor) evalChunk(ctx context.Context, c chunk, text, code string) (reflect.Value, error) {
	var v reflect.Value
	var err error
	direct := false
	if multiValue(c, text) {
		v, direct, err = e.evalDefinition(ctx, c, text)
	} else if c.kind == kindDecl {
		// A multi-valued var among other declarations: one by one.
		if pieces := declPieces(c, text); len(pieces) > 1 && anyMultiValue(pieces, code) {
			direct, err = true, e.evalPieces(ctx, pieces, code)
		}
	}
	if !direct {
		v, err = e.eval(ctx, c, text)
	}
	if yaegiCompileFailure(err) && ctx.Err() == nil {
		if v2, ok, err2 := e.evalDefinition(ctx, c, text); ok {
			v, err = v2, err2
		} else if pieces := declPieces(c, text); len(pieces) > 1 {
			err = e.evalPieces(ctx, pieces, code)
		}
	}
	return v, err
}

// present is the present stage for a last value that was evaluated
// plainly: nothing for a statement or a call without results, else the
// value.
func (e *Executor) present(last lastValue) Result {
	if !last.ok || (last.call != nil && e.void(last.call, last.v)) {
		return Result{}
	}
	if !last.v.IsValid() {
		return Result{Value: nil, HasValue: true}
	}
	if last.v.CanInterface() {
		return Result{Value: last.v.Interface(), HasValue: true}
	}
	return Result{}
}

// resultVar holds a cell's last value in the interpreter, for rich values.
const resultVar = "_rlvrResult"

// evalRich evaluates a statement chunk whose last statement, at byte offset
// off, is a single-valued expression: it assigns the value to a variable,
// then renders it inside the interpreter, where a type declared in a cell
// is seen with its methods (a compiled type switch would not see them), so
// that its Render method makes it rich (a Render() display.Output method:
// declared in a cell, such a type cannot be asserted to display.Renderer).
// ok is false when the expression is not at the start of the chunk; the
// caller then runs the chunk as written.
func (e *Executor) evalRich(ctx context.Context, c chunk, text string, off int) (Result, bool) {
	if off != 0 {
		return Result{}, false
	}
	// The chunk is compiled as written first: yaegi may keep names from a
	// failed compile in scope and words some errors oddly for the rewritten
	// form, so errors are those of the user's code.
	if _, err := e.compile(source(c, text)); err != nil {
		return Result{Err: e.toError(ctx, err)}, true
	}
	// The assignment goes at the end of the line above the expression, so
	// that positions stay those of the cell (no semicolon is inserted after
	// ":=").
	prog, err := e.compile(strings.Repeat("\n", c.line-1) + resultVar + " :=\n" + strings.Repeat(" ", c.col-1) + text)
	if yaegiCompileFailure(err) {
		// An expression yaegi's global analysis cannot type (see define.go):
		// its value comes back through a function literal instead.
		ptrs, err := e.evalValues(ctx, text, 1, c.line, c.col)
		if err != nil {
			return Result{Err: e.toError(ctx, err)}, true
		}
		res := Result{HasValue: true}
		if v := ptrs[0].Elem(); v.CanInterface() {
			res.Value = v.Interface()
		}
		e.dropTmp(ctx, ptrs)
		return res, true
	}
	if err != nil {
		// Not a single value (a bare nil): run it as written, show nothing.
		if _, err := e.eval(ctx, c, text); err != nil {
			return Result{Err: e.toError(ctx, err)}, true
		}
		return Result{}, true
	}
	var v reflect.Value
	pprof.Do(ctx, pprof.Labels(labelKey, e.label), func(context.Context) {
		v, err = e.in.ExecuteWithContext(ctx, prog)
	})
	if err != nil {
		return Result{Err: e.toError(ctx, err)}, true
	}
	if ctx.Err() != nil {
		return Result{Err: e.toError(ctx, ctx.Err())}, true
	}
	res := Result{HasValue: true}
	if v.IsValid() && v.CanInterface() {
		res.Value = v.Interface()
	}
	if !v.IsValid() || !interpretedStruct(v.Type()) {
		if e.last.method != "" {
			if s, ok := e.showByMethod(ctx, e.last.method); ok {
				res.Value = s
			}
		}
		return res, true
	}
	// yaegi cannot assert an interpreted value to a compiled interface
	// (display.Renderer), so the Render method is called directly: on a type
	// without one this does not compile, and nothing runs.
	out, err := e.evalLabelled(ctx, "\n"+resultVar+".Render()")
	if err != nil {
		if ctx.Err() != nil {
			return Result{Err: e.toError(ctx, ctx.Err())}, true
		}
		if !isCompileError(err) {
			// A Render that panics: show the error rather than a half value.
			return Result{Err: e.toError(ctx, err)}, true
		}
		if e.last.method != "" {
			if s, ok := e.showByMethod(ctx, e.last.method); ok {
				res.Value = s
			}
		}
		return res, true
	}
	if out.IsValid() && out.CanInterface() {
		if o, ok := out.Interface().(display.Output); ok && o.Data != nil {
			res.Value = o
		}
	}
	return res, true
}

// interpretedStruct reports whether t looks like a type declared in a cell:
// yaegi builds those as unnamed struct types, which carry no methods for
// Go's reflection. Compiled types go through display.Of directly.
func interpretedStruct(t reflect.Type) bool {
	if t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && t.Name() == ""
}

// isCompileError reports whether err comes from parsing or type checking,
// before anything ran.
func isCompileError(err error) bool {
	var sl scanner.ErrorList
	return errors.As(err, &sl) || posRE.MatchString(err.Error()) && !strings.Contains(err.Error(), "panic")
}

// results is the number of results of call when the called function is
// known before it runs (see void), or -1.
func (e *Executor) results(call *ast.CallExpr) (n int) {
	defer func() {
		if recover() != nil {
			n = -1
		}
	}()
	if ft := e.funcType(call); ft != nil {
		return ft.NumOut()
	}
	if lit, ok := call.Fun.(*ast.FuncLit); ok {
		return lit.Type.Results.NumFields()
	}
	return -1
}

// funcType is the type of the function call calls, when it can be looked
// up: a package function, a global function, or a method of a global
// variable of a compiled type.
func (e *Executor) funcType(call *ast.CallExpr) reflect.Type {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		if g, ok := e.in.Globals()[fn.Name]; ok && g.IsValid() && g.Kind() == reflect.Func {
			return g.Type()
		}
	case *ast.SelectorExpr:
		x, ok := fn.X.(*ast.Ident)
		if !ok {
			break
		}
		if path, ok := e.pkgs[x.Name]; ok {
			if f, ok := e.in.Symbols(path)[path][fn.Sel.Name]; ok && f.IsValid() && f.Kind() == reflect.Func {
				return f.Type()
			}
		} else if g, ok := e.in.Globals()[x.Name]; ok && g.IsValid() {
			t := g.Type()
			if m, ok := t.MethodByName(fn.Sel.Name); ok {
				return m.Type
			} else if m, ok := reflect.PointerTo(t).MethodByName(fn.Sel.Name); ok {
				return m.Type
			}
		}
	}
	return nil
}

// void reports whether call has no result. yaegi returns junk for such a
// call (the receiver of a method, or an *interface{}), so the kernel looks
// the function's type up where it can: a package function, a global
// function, or a method of a global variable of a compiled type. Otherwise
// a *interface{} result is taken for no result.
func (e *Executor) void(call *ast.CallExpr, v reflect.Value) (isVoid bool) {
	defer func() {
		if recover() != nil {
			isVoid = true
		}
	}()
	ft := e.funcType(call)
	if ft != nil {
		return ft.NumOut() == 0
	}
	return v.IsValid() && v.Type() == reflect.TypeOf((*any)(nil))
}

// eval evaluates text, which starts at c's line and column in the cell, so
// that yaegi reports cell positions shifted down by one line (its wrapper
// takes line 1).
func (e *Executor) eval(ctx context.Context, c chunk, text string) (reflect.Value, error) {
	return e.evalLabelled(ctx, source(c, text))
}

// source pads text so that yaegi's positions are the cell's (its wrapper
// takes line 1). A statement gets a leading ";": yaegi first parses a
// source starting with "func" as declarations, and when that fails and it
// falls back to statements, the statement runs again on every later
// evaluation (a call of a function literal, say).
//
// A compound statement runs inside a function literal (see isCompound): the
// literal's header goes on the line of the ";", so positions do not move.
func source(c chunk, text string) string {
	if c.compound {
		return strings.Repeat("\n", c.line-1) + ";func() {\n" + strings.Repeat(" ", c.col-1) + text + "\n}()"
	}
	if c.kind == kindStmt {
		return strings.Repeat("\n", c.line-1) + ";\n" + strings.Repeat(" ", c.col-1) + text
	}
	if c.kind == kindVarSpec {
		// No semicolon is inserted after "var".
		return strings.Repeat("\n", c.line) + "var\n" + strings.Repeat(" ", c.col-1) + text
	}
	return strings.Repeat("\n", c.line) + strings.Repeat(" ", c.col-1) + text
}

// pkgName is the name a package imported without alias is known by: the
// last element of its path, as yaegi binds it, or the one before a
// major-version element (math/rand/v2 is rand).
func pkgName(_ *interp.Interpreter, path string) string {
	i := strings.LastIndex(path, "/")
	if last := path[i+1:]; i > 0 && majorVersion.MatchString(last) {
		path = path[:i] // math/rand/v2 is package rand
		i = strings.LastIndex(path, "/")
	}
	return path[i+1:]
}

// majorVersion is a module's major-version path element (v2, v3, ...).
var majorVersion = regexp.MustCompile(`^v[2-9][0-9]*$`)

// posRE matches a position yaegi puts in its messages.
var posRE = regexp.MustCompile(`(?:_\.go:)?(\d+):(\d+):`)

// cellPos rewrites yaegi positions in msg to "cell:LINE:COL:".
func cellPos(msg string) string {
	return posRE.ReplaceAllStringFunc(msg, func(m string) string {
		sm := posRE.FindStringSubmatch(m)
		l, _ := strconv.Atoi(sm[1])
		if l > 1 {
			l--
		}
		return "cell:" + strconv.Itoa(l) + ":" + sm[2] + ":"
	})
}

// toError turns an evaluation error into a Jupyter error.
func (e *Executor) toError(ctx context.Context, err error) *Error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		return &Error{Name: "Interrupted", Value: "cell interrupted", Traceback: []string{"Interrupted: cell interrupted; variables defined before the interrupt are kept"}}
	}
	var p interp.Panic
	if errors.As(err, &p) {
		v := fmt.Sprint(p.Value)
		if ce := undefinedName(v); ce != nil {
			return ce
		}
		v, interp := goPanicText(v, strings.HasPrefix(raisedBy(p.Callers), "reflect."))
		tb := []string{"panic: " + v}
		if interp != "" {
			tb[0] += " [the interpreter's message: " + interp + "]"
		}
		e.mu.Lock()
		for _, l := range e.panics {
			tb = append(tb, "    "+cellPos(l))
		}
		e.mu.Unlock()
		if len(tb) > 1 {
			// The first frame is where the panic happened.
			v += " (at " + strings.TrimSuffix(strings.Fields(cellPos(e.panics[0]))[0], ":") + ")"
		}
		return &Error{Name: "panic", Value: v, Traceback: tb}
	}
	var sl scanner.ErrorList
	if errors.As(err, &sl) {
		var msgs []string
		for _, se := range sl {
			l := se.Pos.Line
			if l > 1 {
				l--
			}
			msgs = append(msgs, fmt.Sprintf("cell:%d:%d: %s", l, se.Pos.Column, fixMsg(se.Msg)))
		}
		return &Error{Name: "SyntaxError", Value: strings.Join(msgs, "; "), Traceback: append([]string{"SyntaxError"}, msgs...)}
	}
	name := "Error"
	msg := err.Error()
	if posRE.MatchString(msg) {
		name = "CompileError"
	}
	msg = cellPos(msg)
	return &Error{Name: name, Value: msg, Traceback: []string{name + ": " + msg}}
}

var rangeInt = regexp.MustCompile(`range\s+[0-9A-Za-z_.()]+\s*\{`)

// addHint explains the errors that come from the interpreter's Go language
// level (about Go 1.21) or its limits rather than from the user's code.
func addHint(err *Error, code string) {
	if err == nil {
		return
	}
	hint := ""
	switch {
	case strings.Contains(err.Value, "nil type") && rangeInt.MatchString(code):
		hint = "the kernel could not tell the type of what this range statement ranges over; if it is an integer, write for i := 0; i < n; i++"
	case strings.Contains(err.Value, "definition loop"):
		hint = "the interpreter could not infer the type of a top-level variable here; declare it with its type, then assign it: var x T; x = ..."
	case strings.HasPrefix(strings.TrimSpace(code), "package "):
		hint = "a cell holds statements and declarations, without a package clause or func main"
	}
	if hint != "" {
		err.Value += " (" + hint + ")"
		err.Traceback = append(err.Traceback, "hint: "+hint)
	}
}

// compoundPanic gives a panic in a compound statement (run inside a
// function literal, see source) the position of the statement, as for any
// other statement, and drops the literal's frame from the traceback. A
// panic inside a function the statement called keeps that function's
// position.
func compoundPanic(r *Error, c chunk, text string) {
	if r == nil || r.Name != "panic" || len(r.Traceback) < 2 {
		return
	}
	wrapper := cellPos(fmt.Sprintf("%d:2:", c.line)) + " panic"
	tb := r.Traceback[:1]
	for _, l := range r.Traceback[1:] {
		if !strings.HasPrefix(strings.TrimSpace(l), wrapper) {
			tb = append(tb, l)
		}
	}
	r.Traceback = tb
	at := strings.LastIndex(r.Value, " (at cell:")
	if at < 0 {
		return
	}
	var line int
	if _, err := fmt.Sscanf(r.Value[at:], " (at cell:%d:", &line); err != nil {
		return
	}
	if len(tb) == 1 || line >= c.line && line <= c.line+strings.Count(text, "\n") {
		r.Value = r.Value[:at] + fmt.Sprintf(" (at cell:%d:%d)", c.line, c.col)
	}
}

// fixMsg hides yaegi's wrapper function from syntax messages.
func fixMsg(m string) string {
	return strings.ReplaceAll(m, "found '}'", "found end of cell")
}

// IsComplete says whether code is ready to run: "complete", "incomplete"
// (an open bracket or a dangling operator, wait for more lines) or
// "invalid".
func IsComplete(code string) string {
	if strings.TrimSpace(code) == "" {
		return "complete"
	}
	var s scanner.Scanner
	file := token.NewFileSet().AddFile("cell", -1, len(code))
	depth := 0
	var errs scanner.ErrorList
	s.Init(file, []byte(code), func(p token.Position, msg string) { errs.Add(p, msg) }, 0)
	for {
		_, tok, _ := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
		}
	}
	for _, e := range errs {
		if strings.Contains(e.Msg, "not terminated") {
			return "incomplete"
		}
	}
	if depth > 0 {
		return "incomplete"
	}
	if depth < 0 || len(errs) > 0 {
		return "invalid"
	}
	if err := parseCell(code); err != nil {
		if strings.Contains(err.Error(), "found 'EOF'") || strings.Contains(err.Error(), "found '}'") {
			return "incomplete"
		}
		return "invalid"
	}
	return "complete"
}
