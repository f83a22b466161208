package exp

import (
	"reflect"
	"testing"
)

func TestParseSeeds(t *testing.T) {
	for in, want := range map[string][]int64{"1-5": {1, 2, 3, 4, 5}, "1,3,7": {1, 3, 7}, "2-3, 9": {2, 3, 9}, "4": {4}} {
		got, err := ParseSeeds(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseSeeds(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a", "5-1", "1-x", "1-5000"} {
		if got, err := ParseSeeds(bad); err == nil {
			t.Errorf("ParseSeeds(%q) = %v, want an error", bad, got)
		}
	}
}

func TestSeedPath(t *testing.T) {
	for _, c := range []struct {
		out     string
		several bool
		want    string
	}{
		{"r/web-{seed}.json", true, "r/web-3.json"},
		{"r/web-{seed}.json", false, "r/web-3.json"},
		{"r/web.json", true, "r/web-3.json"},
		{"r/web.json", false, "r/web.json"},
	} {
		if got := SeedPath(c.out, 3, c.several); got != c.want {
			t.Errorf("SeedPath(%q, 3, %v) = %q, want %q", c.out, c.several, got, c.want)
		}
	}
}
