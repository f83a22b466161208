package exec

import (
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"strconv"
	"strings"
)

// symImporter gives go/types the packages a cell can import, built from the
// interpreter's symbol tables by reflection: no Go toolchain or export data
// is needed at run time. Generic functions are missing from the tables
// (yaegi's extraction skips them), and so from these packages.
type symImporter struct {
	e     *Executor
	pkgs  map[string]*types.Package // by import path as cells write it
	named map[reflect.Type]*types.Named
	// short maps a compiled package's real path to the path cells import
	// it by (rlvr/plot for github.com/.../stdlib/plot).
	short map[string]string
	gen   map[string]*genericPkg // the kernel's generic packages (generic.go)
}

// importer returns the session's importer, built on first use and kept:
// the symbol tables do not change.
func (e *Executor) importer() *symImporter {
	if e.imp == nil {
		e.imp = &symImporter{e: e, pkgs: map[string]*types.Package{}, named: map[reflect.Type]*types.Named{}, short: map[string]string{}, gen: map[string]*genericPkg{}}
	}
	return e.imp
}

func (im *symImporter) Import(path string) (*types.Package, error) {
	if p, ok := im.pkgs[path]; ok {
		return p, nil
	}
	if _, ok := genericDeps[path]; ok {
		g, err := im.generic(path)
		if err != nil {
			return nil, err
		}
		return g.pkg, nil
	}
	syms := im.e.in.Symbols(path)[path]
	for _, v := range syms {
		if v.IsValid() && v.Kind() == reflect.Ptr && v.IsNil() && v.Type().Elem().PkgPath() != "" {
			im.short[v.Type().Elem().PkgPath()] = path
		}
	}
	pkg := im.pkg(path)
	scope := pkg.Scope()
	for name, v := range syms {
		if strings.HasPrefix(name, "_") || !v.IsValid() || scope.Lookup(name) != nil {
			continue
		}
		if obj := im.object(pkg, name, v); obj != nil {
			scope.Insert(obj)
		}
	}
	pkg.MarkComplete()
	return pkg, nil
}

// pkg is the package of a path, created empty on first sight.
func (im *symImporter) pkg(path string) *types.Package {
	if s, ok := im.short[path]; ok {
		path = s
	}
	if p, ok := im.pkgs[path]; ok {
		return p
	}
	p := types.NewPackage(path, pkgName(nil, path))
	im.pkgs[path] = p
	return p
}

// object is the package-level object of one symbol: a type (exported as a
// nil pointer to it), a variable (addressable), a function, or a constant.
func (im *symImporter) object(pkg *types.Package, name string, v reflect.Value) types.Object {
	switch {
	case v.CanAddr():
		return types.NewVar(token.NoPos, pkg, name, im.typ(v.Type()))
	case v.Kind() == reflect.Func:
		sig, _ := im.typ(v.Type()).(*types.Signature)
		if sig == nil {
			return nil
		}
		return types.NewFunc(token.NoPos, pkg, name, sig)
	case v.Kind() == reflect.Ptr && v.IsNil():
		if n, ok := im.typ(v.Type().Elem()).(*types.Named); ok {
			return n.Obj()
		}
		return nil
	}
	if c, ok := v.Interface().(constant.Value); ok {
		t := types.Typ[types.UntypedInt]
		switch c.Kind() {
		case constant.Float:
			t = types.Typ[types.UntypedFloat]
		case constant.String:
			t = types.Typ[types.UntypedString]
		case constant.Bool:
			t = types.Typ[types.UntypedBool]
		case constant.Complex:
			t = types.Typ[types.UntypedComplex]
		}
		return types.NewConst(token.NoPos, pkg, name, t, c)
	}
	c := constant.Make(v.Interface())
	if c.Kind() == constant.Unknown {
		switch v.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			c = constant.MakeInt64(v.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			c = constant.MakeUint64(v.Uint())
		case reflect.Float32, reflect.Float64:
			c = constant.MakeFloat64(v.Float())
		case reflect.String:
			c = constant.MakeString(v.String())
		case reflect.Bool:
			c = constant.MakeBool(v.Bool())
		default:
			return types.NewVar(token.NoPos, pkg, name, im.typ(v.Type()))
		}
	}
	return types.NewConst(token.NoPos, pkg, name, im.typ(v.Type()), c)
}

var basicKinds = map[reflect.Kind]types.BasicKind{
	reflect.Bool: types.Bool, reflect.Int: types.Int, reflect.Int8: types.Int8, reflect.Int16: types.Int16,
	reflect.Int32: types.Int32, reflect.Int64: types.Int64, reflect.Uint: types.Uint, reflect.Uint8: types.Uint8,
	reflect.Uint16: types.Uint16, reflect.Uint32: types.Uint32, reflect.Uint64: types.Uint64,
	reflect.Uintptr: types.Uintptr, reflect.Float32: types.Float32, reflect.Float64: types.Float64,
	reflect.Complex64: types.Complex64, reflect.Complex128: types.Complex128, reflect.String: types.String,
	reflect.UnsafePointer: types.UnsafePointer,
}

// typ converts a reflected type; named types keep their name, package and
// methods.
func (im *symImporter) typ(t reflect.Type) types.Type {
	if t.Name() != "" {
		if t.PkgPath() == "" {
			if o := types.Universe.Lookup(t.Name()); o != nil {
				return o.Type()
			}
		} else {
			return im.namedType(t)
		}
	}
	return im.structure(t)
}

func (im *symImporter) namedType(t reflect.Type) types.Type {
	if n, ok := im.named[t]; ok {
		return n
	}
	pkg := im.pkg(t.PkgPath())
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i] // an instantiated generic type: keep its base name
	}
	obj := types.NewTypeName(token.NoPos, pkg, name, nil)
	n := types.NewNamed(obj, nil, nil)
	im.named[t] = n
	n.SetUnderlying(im.structure(t))
	if t.Kind() != reflect.Interface {
		ptr := types.NewPointer(n)
		seen := map[string]bool{}
		for _, rt := range []reflect.Type{t, reflect.PointerTo(t)} {
			for i := 0; i < rt.NumMethod(); i++ {
				m := rt.Method(i)
				if seen[m.Name] || !m.IsExported() {
					continue
				}
				seen[m.Name] = true
				recvT := types.Type(n)
				if rt.Kind() == reflect.Ptr {
					recvT = ptr
				}
				n.AddMethod(types.NewFunc(token.NoPos, pkg, m.Name, im.signature(m.Type, 1, types.NewVar(token.NoPos, pkg, "", recvT))))
			}
		}
	}
	if pkg.Scope().Lookup(name) == nil && token.IsExported(name) {
		pkg.Scope().Insert(obj)
	}
	return n
}

// structure converts t's structure (for a named type, its underlying type).
func (im *symImporter) structure(t reflect.Type) types.Type {
	if k, ok := basicKinds[t.Kind()]; ok {
		return types.Typ[k]
	}
	switch t.Kind() {
	case reflect.Ptr:
		return types.NewPointer(im.typ(t.Elem()))
	case reflect.Slice:
		return types.NewSlice(im.typ(t.Elem()))
	case reflect.Array:
		return types.NewArray(im.typ(t.Elem()), int64(t.Len()))
	case reflect.Map:
		return types.NewMap(im.typ(t.Key()), im.typ(t.Elem()))
	case reflect.Chan:
		dir := types.SendRecv
		switch t.ChanDir() {
		case reflect.SendDir:
			dir = types.SendOnly
		case reflect.RecvDir:
			dir = types.RecvOnly
		}
		return types.NewChan(dir, im.typ(t.Elem()))
	case reflect.Func:
		return im.signature(t, 0, nil)
	case reflect.Struct:
		var fields []*types.Var
		var tags []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			pkg := im.pkg(t.PkgPath())
			if f.PkgPath != "" {
				pkg = im.pkg(f.PkgPath)
			}
			fields = append(fields, types.NewField(token.NoPos, pkg, f.Name, im.typ(f.Type), f.Anonymous))
			tags = append(tags, string(f.Tag))
		}
		return types.NewStruct(fields, tags)
	case reflect.Interface:
		var methods []*types.Func
		for i := 0; i < t.NumMethod(); i++ {
			m := t.Method(i)
			pkg := im.pkg(t.PkgPath())
			methods = append(methods, types.NewFunc(token.NoPos, pkg, m.Name, im.signature(m.Type, 0, nil)))
		}
		it := types.NewInterfaceType(methods, nil)
		it.Complete()
		return it
	}
	return types.Typ[types.Invalid]
}

// signature converts a function type, skipping its first skip parameters
// (a method's receiver).
func (im *symImporter) signature(t reflect.Type, skip int, recv *types.Var) *types.Signature {
	var params, results []*types.Var
	for i := skip; i < t.NumIn(); i++ {
		params = append(params, types.NewParam(token.NoPos, nil, "", im.typ(t.In(i))))
	}
	for i := 0; i < t.NumOut(); i++ {
		results = append(results, types.NewParam(token.NoPos, nil, "", im.typ(t.Out(i))))
	}
	return types.NewSignatureType(recv, nil, nil, types.NewTuple(params...), types.NewTuple(results...), t.IsVariadic())
}

func itoa(n int) string { return strconv.Itoa(n) }

func strconvQuote(s string) string { return strconv.Quote(s) }
