// Package bytesize reads and writes sizes in bytes as people write them on
// command lines: a number with an optional binary unit (512MiB, 8GiB).
package bytesize

import (
	"fmt"
	"strconv"
	"strings"
)

// Size is a flag value (flag.Value) for a size in bytes: a number with an
// optional unit, KiB MiB GiB TiB (powers of 1024; K M G T and KB MB GB TB
// mean the same here, as memory limits are usually meant).
type Size int64

// String is Format of the size.
func (b *Size) String() string { return Format(int64(*b)) }

// Set parses v as Parse does.
func (b *Size) Set(v string) error {
	n, err := Parse(v)
	if err != nil {
		return err
	}
	*b = Size(n)
	return nil
}

// Parse reads a size such as 512, 64MiB, 1.5G or 2 TB; negative, unknown
// units and sizes past 2^62 bytes are errors.
func Parse(v string) (int64, error) {
	s := strings.TrimSpace(v)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	}
	shift := map[string]uint{"": 0, "b": 0, "k": 10, "kb": 10, "kib": 10, "m": 20, "mb": 20, "mib": 20,
		"g": 30, "gb": 30, "gib": 30, "t": 40, "tb": 40, "tib": 40}
	sh, ok := shift[unit]
	f, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || f < 0 || f*float64(int64(1)<<sh) > 1<<62 {
		return 0, fmt.Errorf("bad size %q: want a number with an optional unit such as 512MiB or 8GiB", v)
	}
	return int64(f * float64(int64(1)<<sh)), nil
}

// Format writes n in the largest binary unit that divides it exactly
// (64MiB), or in plain bytes.
func Format(n int64) string {
	for _, u := range []struct {
		name  string
		shift uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d%s", n>>u.shift, u.name)
		}
	}
	return strconv.FormatInt(n, 10)
}
