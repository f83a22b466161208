package maps

import (
	std "maps"
	"slices"
	"strings"
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
	type kv struct {
		k string
		v int
	}
	pairs := func(seq func(func(string, int) bool)) (out []kv) {
		seq(func(k string, v int) bool { out = append(out, kv{k, v}); return true })
		slices.SortFunc(out, func(a, b kv) int { return strings.Compare(a.k, b.k) })
		return out
	}
	if !slices.Equal(pairs(All(m)), pairs(func(y func(string, int) bool) { std.All(m)(y) })) {
		t.Fatal("All differs")
	}
	if !std.Equal(Collect(All(m)), std.Collect(std.All(m))) {
		t.Fatal("Collect differs")
	}
	ins, stdIns := map[string]int{"a": 0, "q": 7}, map[string]int{"a": 0, "q": 7}
	Insert(ins, All(m))
	std.Insert(stdIns, std.All(m))
	if !std.Equal(ins, stdIns) {
		t.Fatal("Insert differs")
	}
	Copy(c, map[string]int{"z": 9})
	std.Copy(d, map[string]int{"z": 9})
	if !std.Equal(c, d) {
		t.Fatal("Copy differs")
	}
}
