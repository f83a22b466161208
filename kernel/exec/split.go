package exec

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"strconv"
	"strings"
)

// chunkKind says how a run of top-level code in a cell is evaluated.
type chunkKind int

const (
	kindImport  chunkKind = iota // import declarations
	kindDecl                     // func, type, var, const declarations
	kindStmt                     // statements and expressions
	kindVarSpec                  // one spec of a var declaration, without "var" (see declPieces)
)

// chunk is a run of top-level code of one kind, in cell order.
type chunk struct {
	kind       chunkKind
	start, end int  // byte offsets in the cell
	line, col  int  // position of start in the cell (1-based)
	deferStmt  bool // a top-level defer statement
	// compound is a top-level if, for, switch, select, block or labelled
	// statement: it is run inside a function literal (see source).
	compound bool
}

// split cuts a cell into chunks. yaegi parses an Eval whose first token is
// import/func/type/var/const as declarations only, so a cell mixing both must
// be evaluated piecewise. The split works on tokens: a top-level statement
// ends at a semicolon (written or inserted at a newline) at bracket depth 0.
// A scan error returns one statement chunk with the whole cell, so that yaegi
// reports the syntax error with its position.
func split(src string) []chunk {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(src))
	var s scanner.Scanner
	var scanErr bool
	s.Init(file, []byte(src), func(token.Position, string) { scanErr = true }, 0)

	type tok struct {
		pos token.Pos
		tok token.Token
		lit string
	}
	var toks []tok
	for {
		p, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		toks = append(toks, tok{p, t, lit})
	}
	if scanErr || len(toks) == 0 {
		if strings.TrimSpace(src) == "" {
			return nil
		}
		return []chunk{{kind: kindStmt, start: 0, end: len(src), line: 1, col: 1}}
	}

	var out []chunk
	add := func(k chunkKind, from, to int) {
		startOff := file.Offset(toks[from].pos)
		endOff := len(src)
		if to < len(toks) {
			endOff = file.Offset(toks[to].pos)
		}
		// Consecutive pieces of one kind merge; statements are split again
		// by the parser below.
		if n := len(out); n > 0 && out[n-1].kind == k && k != kindImport {
			out[n-1].end = endOff
			return
		}
		p := file.Position(toks[from].pos)
		out = append(out, chunk{kind: k, start: startOff, end: endOff, line: p.Line, col: p.Column})
	}

	i := 0
	for i < len(toks) {
		if toks[i].tok == token.SEMICOLON {
			i++
			continue
		}
		// Find the end of this top-level statement.
		depth, j := 0, i
		for ; j < len(toks); j++ {
			switch toks[j].tok {
			case token.LPAREN, token.LBRACK, token.LBRACE:
				depth++
			case token.RPAREN, token.RBRACK, token.RBRACE:
				depth--
			}
			if depth <= 0 && toks[j].tok == token.SEMICOLON {
				break
			}
		}
		kind := kindStmt
		switch toks[i].tok {
		case token.IMPORT:
			kind = kindImport
		case token.TYPE, token.CONST, token.VAR:
			kind = kindDecl
		case token.FUNC:
			rest := make([]token.Token, 0, j-i)
			for _, t := range toks[i+1 : j] {
				rest = append(rest, t.tok)
			}
			if isFuncDecl(rest) {
				kind = kindDecl
			}
		}
		add(kind, i, j)
		i = j + 1
	}
	return splitStmts(src, out)
}

// splitStmts cuts each run of statements into one chunk per top-level
// statement, using the Go parser (the token scan above cannot tell the
// semicolons of a "for i := 0; i < n; i++" header from statement ends).
// One statement per evaluation makes a runtime panic report the line of the
// statement that raised it: yaegi gives the position of the enclosing
// evaluation for code outside functions. A run that does not parse stays
// whole, for yaegi to report the syntax error.
func splitStmts(src string, in []chunk) []chunk {
	const wrap = "package p; func _() {\n"
	var out []chunk
	for _, c := range in {
		if c.kind != kindStmt {
			out = append(out, c)
			continue
		}
		text := src[c.start:c.end]
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "", wrap+text+"\n}", 0)
		if err != nil {
			out = append(out, c)
			continue
		}
		body := f.Decls[0].(*ast.FuncDecl).Body.List
		if len(body) == 0 {
			out = append(out, c)
			continue
		}
		for k, st := range body {
			start := fset.Position(st.Pos()).Offset - len(wrap)
			end := len(text)
			if k+1 < len(body) {
				end = fset.Position(body[k+1].Pos()).Offset - len(wrap)
			}
			abs := c.start + start
			line := 1 + strings.Count(src[:abs], "\n")
			col := abs - (strings.LastIndex(src[:abs], "\n") + 1) + 1
			_, isDefer := st.(*ast.DeferStmt)
			out = append(out, chunk{kind: kindStmt, start: abs, end: c.start + end, line: line, col: col, deferStmt: isDefer, compound: isCompound(st)})
		}
	}
	return out
}

// isCompound reports whether st is a statement with blocks of its own, whose
// declarations are local to it. yaegi compiles the blocks of a top-level
// statement with no enclosing function: it then skips some local
// declarations there ("a, b := f()", "v, ok := m[k]", local types), which
// later read as undefined. Inside a function literal they compile as in any
// function, and the statement declares nothing at the top level anyway.
func isCompound(st ast.Stmt) bool {
	switch st.(type) {
	case *ast.IfStmt, *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt,
		*ast.SelectStmt, *ast.BlockStmt, *ast.LabeledStmt:
		return true
	}
	return false
}

// isFuncDecl tells a function or method declaration from a function literal
// at the start of a statement: "func f(", "func (r T) M(" versus
// "func() {...}()" or "func(x int) int {...}(3)".
func isFuncDecl(rest []token.Token) bool {
	at := func(k int) token.Token { return rest[k] }
	if len(rest) == 0 {
		return false
	}
	if at(0) == token.IDENT {
		return true
	}
	if at(0) != token.LPAREN {
		return false
	}
	depth := 0
	for k := 0; k < len(rest); k++ {
		switch at(k) {
		case token.LPAREN:
			depth++
		case token.RPAREN:
			depth--
			if depth == 0 {
				// A method: "(recv) Name(". A literal has its result type
				// or body there: "() int {", "() (int, error) {", "() {".
				return k+2 < len(rest) && at(k+1) == token.IDENT && at(k+2) == token.LPAREN
			}
		}
	}
	return false
}

// importSpec is one imported package of a cell.
type importSpec struct {
	name, path string
	text       string // the spec as written, e.g. `m "math"`
	line       int    // line in the chunk, 1-based
}

// parseImports returns the specs of an import chunk; ok is false when the
// chunk does not parse (yaegi then reports the error).
func parseImports(code string) (specs []importSpec, ok bool) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", "package p;"+code, parser.ImportsOnly)
	if err != nil {
		return nil, false
	}
	for _, im := range f.Imports {
		p, err := strconv.Unquote(im.Path.Value)
		if err != nil {
			return nil, false
		}
		sp := importSpec{path: p, text: im.Path.Value, line: fset.Position(im.Pos()).Line}
		if im.Name != nil {
			sp.name = im.Name.Name
			sp.text = im.Name.Name + " " + im.Path.Value
		}
		specs = append(specs, sp)
	}
	return specs, true
}

// lastExpr finds the expression statement that ends the statement chunk
// code, whose value a user expects to see: not a call of a printing
// function, whose byte count nobody wants shown. It returns its byte offset
// in code, or -1, and the call when the expression is one.
func lastExpr(code string) (int, *ast.CallExpr) {
	const wrap = "package p; func _() {\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", wrap+code+"\n}", 0)
	if err != nil || len(f.Decls) == 0 {
		return -1, nil
	}
	fd, ok := f.Decls[0].(*ast.FuncDecl)
	if !ok || fd.Body == nil || len(fd.Body.List) == 0 {
		return -1, nil
	}
	es, ok := fd.Body.List[len(fd.Body.List)-1].(*ast.ExprStmt)
	if !ok {
		return -1, nil
	}
	off := fset.Position(es.Pos()).Offset - len(wrap)
	call, ok := ast.Unparen(es.X).(*ast.CallExpr)
	if !ok {
		return off, nil
	}
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		if fn.Name == "print" || fn.Name == "println" || fn.Name == "panic" {
			return -1, nil
		}
	case *ast.SelectorExpr:
		if pkg, ok := fn.X.(*ast.Ident); ok {
			switch pkg.Name {
			case "fmt":
				if strings.HasPrefix(fn.Sel.Name, "Print") || strings.HasPrefix(fn.Sel.Name, "Fprint") {
					return -1, nil
				}
			}
		}
	}
	return off, call
}

// parseCell parses every chunk of code as Go, the way the executor will
// evaluate it, and returns the first syntax error.
func parseCell(code string) error {
	fset := token.NewFileSet()
	for _, c := range split(code) {
		text := code[c.start:c.end]
		var err error
		if c.kind == kindStmt {
			_, err = parser.ParseFile(fset, "", "package p; func _() {\n"+text+"\n}", 0)
		} else {
			_, err = parser.ParseFile(fset, "", "package p;"+text, 0)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
