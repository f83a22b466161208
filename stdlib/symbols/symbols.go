package symbols

import (
	"reflect"
	"strings"
)

//go:generate go run ./gen

// Symbols is filled by the generated files, keyed by full import path as
// yaegi extract writes them ("github.com/rlvrworld/rlvrworld/stdlib/nn/nn").
var Symbols = map[string]map[string]reflect.Value{}

// modulePrefix is the import path of stdlib/, replaced by "rlvr/" so that
// cells write import "rlvr/nn".
const modulePrefix = "github.com/rlvrworld/rlvrworld/stdlib/"

// Short returns the symbol tables keyed by short import path
// ("rlvr/nn/nn"), the form cells import.
func Short() map[string]map[string]reflect.Value {
	out := make(map[string]map[string]reflect.Value, len(Symbols))
	for k, v := range Symbols {
		if strings.HasPrefix(k, modulePrefix) {
			k = "rlvr/" + strings.TrimPrefix(k, modulePrefix)
		}
		out[k] = v
	}
	return out
}
