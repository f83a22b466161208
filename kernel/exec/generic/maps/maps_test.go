package maps

import (
	std "maps"
	"slices"
	"testing"
)

func TestMatchesStandardLibrary(t *testing.T) {
	m := map[string]int{"a": 1, "b": 2, "c": 3}
	if !slices.Equal(slices.Sorted(Keys(m)), slices.Sorted(std.Keys(m))) {
		t.Fatal("Keys differ")
	}
	if !slices.Equal(slices.Sorted(Values(m)), slices.Sorted(std.Values(m))) {
		t.Fatal("Values differ")
	}
	c := Clone(m)
	DeleteFunc(c, func(k string, v int) bool { return v > 1 })
	d := std.Clone(m)
	std.DeleteFunc(d, func(k string, v int) bool { return v > 1 })
	if !Equal(c, d) || !std.Equal(c, d) || Equal(c, m) != std.Equal(c, m) {
		t.Fatal("Clone/DeleteFunc/Equal differ")
	}
	Copy(c, map[string]int{"z": 9})
	std.Copy(d, map[string]int{"z": 9})
	if !std.Equal(c, d) {
		t.Fatal("Copy differs")
	}
}
