package jupyter

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func kernelSample() *Message {
	return &Message{
		Identities:   [][]byte{[]byte("client-1")},
		Header:       NewHeader("execute_request", "sess", "me").JSON(),
		ParentHeader: json.RawMessage(`{}`),
		Metadata:     json.RawMessage(`{}`),
		Content:      json.RawMessage(`{"code":"1+1","silent":false}`),
	}
}

func TestRoundTrip(t *testing.T) {
	s, err := NewSigner("hmac-sha256", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	frames := s.Encode(kernelSample())
	m, h, err := s.Decode(frames)
	if err != nil {
		t.Fatal(err)
	}
	if h.MsgType != "execute_request" || string(m.Identities[0]) != "client-1" || string(m.Content) != `{"code":"1+1","silent":false}` {
		t.Fatalf("decoded %+v", m)
	}
}

// The signature is the known HMAC-SHA256 of the four frames (checked with
// Python's hmac module for the same key and bytes).
func TestSignatureKnown(t *testing.T) {
	s, _ := NewSigner("hmac-sha256", []byte("key"))
	got := string(s.Sign([]byte("a"), []byte("b"), []byte("c"), []byte("d")))
	// python3 -c 'import hmac,hashlib;print(hmac.new(b"key",b"abcd",hashlib.sha256).hexdigest())'
	want := "2a31ec0ee8d878c9eece9fb0df79b3b90b2256240163aa5ee50d176d3d1121f8"
	if got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	if !s.Verify([]byte(got), []byte("ab"), []byte("c"), []byte("d"), nil) {
		t.Fatal("signature over the concatenation differs")
	}
}

func TestBadSignatureRejected(t *testing.T) {
	s, _ := NewSigner("hmac-sha256", []byte("secret"))
	other, _ := NewSigner("hmac-sha256", []byte("other"))
	frames := other.Encode(kernelSample())
	if _, _, err := s.Decode(frames); !errors.Is(err, ErrSignature) {
		t.Fatalf("wrong key: err = %v, want ErrSignature", err)
	}
	frames = s.Encode(kernelSample())
	i := len(frames) - 1
	frames[i] = bytes.Replace(frames[i], []byte("1+1"), []byte("1+2"), 1)
	if _, _, err := s.Decode(frames); !errors.Is(err, ErrSignature) {
		t.Fatalf("tampered content: err = %v, want ErrSignature", err)
	}
}

func TestEmptyKeyAcceptsAny(t *testing.T) {
	s, _ := NewSigner("", nil)
	frames := s.Encode(kernelSample())
	if len(frames[2]) != 0 {
		t.Fatalf("signature with empty key = %q, want empty", frames[2])
	}
	if _, _, err := s.Decode(frames); err != nil {
		t.Fatal(err)
	}
}

func TestUnsupportedScheme(t *testing.T) {
	if _, err := NewSigner("hmac-md5", []byte("k")); err == nil {
		t.Fatal("hmac-md5 accepted")
	}
}

func TestMalformed(t *testing.T) {
	s, _ := NewSigner("hmac-sha256", []byte("k"))
	good := s.Encode(kernelSample())
	cases := map[string][][]byte{
		"empty":        nil,
		"no delimiter": {[]byte("a"), []byte("b")},
		"short":        {[]byte(Delimiter), []byte("sig"), []byte("{}")},
		"bad header":   append([][]byte{[]byte(Delimiter), s.Sign([]byte("{"), []byte("{}"), []byte("{}"), []byte("{}"))}, []byte("{"), []byte("{}"), []byte("{}"), []byte("{}")),
		"no msg_type":  append([][]byte{[]byte(Delimiter), s.Sign([]byte("{}"), []byte("{}"), []byte("{}"), []byte("{}"))}, []byte("{}"), []byte("{}"), []byte("{}"), []byte("{}")),
		"truncated":    good[:len(good)-1],
	}
	for name, frames := range cases {
		if _, _, err := s.Decode(frames); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// FuzzDecode feeds arbitrary frames to the parser: it must return an error
// or a message, never panic. The seeds run in plain `go test`.
func FuzzDecode(f *testing.F) {
	s, _ := NewSigner("hmac-sha256", []byte("k"))
	good := s.Encode(kernelSample())
	f.Add(bytes.Join(good, []byte{0}), true)
	f.Add([]byte("<IDS|MSG>\x00\x00{}\x00{}\x00{}\x00{}"), false)
	f.Add([]byte("\x00\x00\x00"), false)
	f.Add([]byte("<IDS|MSG>\x00sig\x00{\"msg_type\":1}\x00[]\x00null\x00\"x\""), false)
	empty, _ := NewSigner("", nil)
	f.Fuzz(func(t *testing.T, data []byte, signed bool) {
		frames := bytes.Split(data, []byte{0})
		sg := empty
		if signed {
			sg = s
		}
		m, h, err := sg.Decode(frames)
		if err == nil {
			if h.MsgType == "" {
				t.Fatal("decoded a message without msg_type")
			}
			// What decodes re-encodes to frames that decode the same.
			m2, h2, err := s.Decode(s.Encode(m))
			if err != nil || h2 != h || !bytes.Equal(m2.Content, m.Content) {
				t.Fatalf("re-decode: %v", err)
			}
		}
	})
}
