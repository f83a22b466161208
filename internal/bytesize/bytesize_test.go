package bytesize

import "testing"

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "512": 512, "64MiB": 64 << 20, "8GiB": 8 << 30, "1.5G": 3 << 29, "4k": 4096, " 2 TB": 2 << 40} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "GiB", "-1", "8 parsecs", "1e30", "99999999TiB"} {
		if got, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %d, want an error", bad, got)
		}
	}
	if s := Format(64 << 20); s != "64MiB" {
		t.Errorf("Format(64 MiB) = %q", s)
	}
}
