package exec

import (
	"cmp"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"
)

// The kernel's runtime for rewritten cells (see rewrite.go): compiled
// helpers that rewritten code calls through a package cells never see by
// name. Each executor gets its own table, bound to its stderr.

const (
	rtPath  = "rlvr/kernel/rt"
	rtAlias = "_rlvrRT"
)

// rtExports is the helper package of one executor.
func rtExports(stdin io.Reader, stderr io.Writer) interp.Exports {
	var mu sync.Mutex
	report := func(v any) { // called while the panic is recovered, as recovered needs
		if v == nil {
			return
		}
		v = recovered(v)
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stderr, "panic in a goroutine started by a cell: %v\n(the goroutine ended; the kernel and its variables are kept)\n", v)
	}
	syms := map[string]reflect.Value{
		// Recovered is what recover() gives a cell (the rewrite wraps every
		// call): a panic raised inside reflect for the cell is Go's
		// runtime.Error, not the reflect call's message.
		"Recovered": reflect.ValueOf(recovered),
		// GoPanic reports a panic that ended a goroutine a cell started
		// (the rewrite defers it in every go statement): without it the
		// panic would end the kernel process.
		"GoPanic": reflect.ValueOf(report),
		// Go and GoSpread run f(args...) in a goroutine under the same
		// recover, for a go statement that calls a named function: f and
		// its arguments are evaluated by the caller, as go does.
		"Go": reflect.ValueOf(func(f any, args ...any) {
			goCall(report, f, args, false)
		}),
		"GoSpread": reflect.ValueOf(func(f any, args ...any) {
			goCall(report, f, args, true)
		}),
		// Clear is the clear builtin (Go 1.21) for maps and slices.
		"Clear": reflect.ValueOf(func(x any) {
			v := reflect.ValueOf(x)
			if v.Kind() == reflect.Map || v.Kind() == reflect.Slice {
				v.Clear()
			}
		}),
	}
	// The sorts of the slices package, compiled: interpreted generic code
	// took 5 s for 10,000 ints. The slice is shared, so sorting the
	// interface's copy of it sorts the cell's.
	syms["SlicesSort"] = reflect.ValueOf(sortOrdered)
	syms["SlicesSortFunc"] = reflect.ValueOf(func(x, c any) { sortFunc(x, c, false) })
	syms["SlicesSortStableFunc"] = reflect.ValueOf(func(x, c any) { sortFunc(x, c, true) })
	// Stdin is the executor's standard input, for cells that hand os.Stdin
	// to a reader (see callArgs in rewrite.go).
	syms["Stdin"] = reflect.ValueOf(&stdin).Elem()
	addMinMax(syms)
	return interp.Exports{rtPath + "/rt": syms}
}

// addMinMax adds MinT and MaxT for every ordered basic type T: the min and
// max builtins of Go 1.21, compiled, so that NaN and -0 follow the spec.
func addMinMax(syms map[string]reflect.Value) {
	add := func(name string, mn, mx any) {
		syms["Min"+name] = reflect.ValueOf(mn)
		syms["Max"+name] = reflect.ValueOf(mx)
	}
	add("Int", minOf[int], maxOf[int])
	add("Int8", minOf[int8], maxOf[int8])
	add("Int16", minOf[int16], maxOf[int16])
	add("Int32", minOf[int32], maxOf[int32])
	add("Int64", minOf[int64], maxOf[int64])
	add("Uint", minOf[uint], maxOf[uint])
	add("Uint8", minOf[uint8], maxOf[uint8])
	add("Uint16", minOf[uint16], maxOf[uint16])
	add("Uint32", minOf[uint32], maxOf[uint32])
	add("Uint64", minOf[uint64], maxOf[uint64])
	add("Uintptr", minOf[uintptr], maxOf[uintptr])
	add("Float32", minOf[float32], maxOf[float32])
	add("Float64", minOf[float64], maxOf[float64])
	add("String", minOf[string], maxOf[string])
}

type ordered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr |
		~float32 | ~float64 | ~string
}

func minOf[T ordered](x T, ys ...T) T {
	for _, y := range ys {
		x = min(x, y)
	}
	return x
}

func maxOf[T ordered](x T, ys ...T) T {
	for _, y := range ys {
		x = max(x, y)
	}
	return x
}

// useRT loads the helper package into the interpreter under its alias.
func (e *Executor) useRT(stdin io.Reader, stderr io.Writer) error {
	if err := e.in.Use(rtExports(stdin, stderr)); err != nil {
		return err
	}
	if _, err := e.in.Eval("import " + rtAlias + " " + strconv.Quote(rtPath)); err != nil {
		return fmt.Errorf("exec: import %s: %w", rtPath, err)
	}
	e.pkgs[rtAlias] = rtPath
	return nil
}

// goCall calls f with args in a new goroutine, reporting a panic; spread
// passes the last argument as the variadic slice (f(a, xs...)).
func goCall(report func(any), f any, args []any, spread bool) {
	fv := reflect.ValueOf(f)
	if fv.Kind() != reflect.Func {
		report(fmt.Sprintf("go: %T is not a function", f))
		return
	}
	ft := fv.Type()
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		var pt reflect.Type
		switch {
		case ft.IsVariadic() && i >= ft.NumIn()-1 && !spread:
			pt = ft.In(ft.NumIn() - 1).Elem()
		case i < ft.NumIn():
			pt = ft.In(i)
		}
		in[i] = argValue(a, pt)
	}
	go func() {
		defer func() { report(recover()) }()
		if spread {
			fv.CallSlice(in)
		} else {
			fv.Call(in)
		}
	}()
}

// argValue is a as an argument of type t: nil becomes t's zero value, and
// an untyped constant the cell wrote (which arrives with its default type,
// go f(1) for a float64 parameter) is converted between numeric kinds.
func argValue(a any, t reflect.Type) reflect.Value {
	if a == nil {
		if t == nil {
			return reflect.Value{}
		}
		return reflect.Zero(t)
	}
	v := reflect.ValueOf(a)
	if t != nil && !v.Type().AssignableTo(t) && numeric(v.Kind()) && numeric(t.Kind()) {
		return v.Convert(t)
	}
	return v
}

func numeric(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Complex128
}

// sortOrdered is slices.Sort for a slice of any ordered element type:
// ascending, NaNs first.
func sortOrdered(x any) {
	switch s := x.(type) {
	case []int:
		slices.Sort(s)
		return
	case []float64:
		slices.Sort(s)
		return
	case []string:
		slices.Sort(s)
		return
	}
	v := reflect.ValueOf(x)
	if v.Kind() != reflect.Slice {
		return
	}
	var less func(i, j int) bool
	switch v.Type().Elem().Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		less = func(i, j int) bool { return v.Index(i).Int() < v.Index(j).Int() }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		less = func(i, j int) bool { return v.Index(i).Uint() < v.Index(j).Uint() }
	case reflect.Float32, reflect.Float64:
		less = func(i, j int) bool { return cmp.Less(v.Index(i).Float(), v.Index(j).Float()) }
	case reflect.String:
		less = func(i, j int) bool { return v.Index(i).String() < v.Index(j).String() }
	default:
		panic(fmt.Sprintf("slices.Sort: %v is not an ordered element type", v.Type().Elem()))
	}
	sort.Slice(x, less)
}

// sortFunc is slices.SortFunc (stable: SortStableFunc) with an interpreted
// comparison function.
func sortFunc(x, c any, stable bool) {
	v, cv := reflect.ValueOf(x), reflect.ValueOf(c)
	if v.Kind() != reflect.Slice || cv.Kind() != reflect.Func {
		panic(fmt.Sprintf("slices.SortFunc: %T and %T are not a slice and a function", x, c))
	}
	in := make([]reflect.Value, 2)
	less := func(i, j int) bool {
		in[0], in[1] = v.Index(i), v.Index(j)
		return cv.Call(in)[0].Int() < 0
	}
	if stable {
		sort.SliceStable(x, less)
	} else {
		sort.Slice(x, less)
	}
}

// goRuntimeError is a run-time error that reflect raised for a cell, worded
// as Go's runtime words it; like the runtime's own, it is a runtime.Error.
type goRuntimeError struct{ msg string }

func (e goRuntimeError) Error() string { return e.msg }

// RuntimeError marks the error as a runtime.Error.
func (goRuntimeError) RuntimeError() {}

// recovered is a recovered panic value as a Go program sees it: a panic
// that reflect raised on the cell's behalf (xs[3] past the end, a nil
// pointer's field) becomes the runtime.Error Go would raise (goPanics);
// anything else is left as it is. It must run while the panic is being
// recovered, since it reads the panicking frames from the stack.
func recovered(v any) any {
	if v == nil {
		return nil
	}
	pcs := make([]uintptr, 512)
	pcs = pcs[:runtime.Callers(1, pcs)]
	if !strings.HasPrefix(raisedBy(pcs), "reflect.") {
		return v
	}
	if text, interp := goPanicText(fmt.Sprint(v), true); interp != "" {
		return goRuntimeError{text}
	}
	return v
}
