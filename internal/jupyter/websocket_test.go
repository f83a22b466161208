package jupyter

import (
	"bytes"
	"encoding/json"
	"testing"
)

func sample() *Message {
	return &Message{
		Channel:      "shell",
		Header:       json.RawMessage(`{"msg_id":"m1","msg_type":"execute_request","session":"s1","username":"u","version":"5.3"}`),
		ParentHeader: json.RawMessage(`{}`),
		Metadata:     json.RawMessage(`{}`),
		Content:      json.RawMessage(`{"code":"1+1"}`),
	}
}

func TestSignAndVerifyZMQ(t *testing.T) {
	s, _ := NewSigner("hmac-sha256", []byte("secret"))
	other, _ := NewSigner("hmac-sha256", []byte("other"))
	m := sample()
	m.Buffers = [][]byte{{1, 2, 3}}
	m.Identities = [][]byte{[]byte("identity")}
	frames := s.Encode(m)
	got, _, err := s.Decode(frames)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Content, m.Content) || len(got.Buffers) != 1 {
		t.Fatalf("round trip = %+v", got)
	}
	// A tampered content or a different key fails the signature.
	frames[len(frames)-2] = []byte(`{"code":"rm -rf"}`)
	if _, _, err := s.Decode(frames); err == nil {
		t.Error("tampered message accepted")
	}
	if _, _, err := other.Decode(s.Encode(m)); err == nil {
		t.Error("message signed with another key accepted")
	}
	if _, _, err := s.Decode([][]byte{[]byte("no delimiter")}); err == nil {
		t.Error("frames without delimiter accepted")
	}
}

func TestWebsocketFramings(t *testing.T) {
	m := sample()
	m.Channel = "iopub"
	m.Buffers = [][]byte{[]byte("buf0"), {}, []byte("buf2")}
	h, _ := ParseHeader(m.Header)

	v1, err := DecodeV1(EncodeV1(m))
	if err != nil {
		t.Fatal(err)
	}
	if v1.Channel != "iopub" || !bytes.Equal(v1.Content, m.Content) || len(v1.Buffers) != 3 || string(v1.Buffers[2]) != "buf2" {
		t.Fatalf("v1 round trip = %+v", v1)
	}
	lb, err := DecodeLegacyBinary(EncodeLegacyBinary(m, h))
	if err != nil {
		t.Fatal(err)
	}
	if lb.Channel != "iopub" || len(lb.Buffers) != 3 || string(lb.Buffers[0]) != "buf0" {
		t.Fatalf("legacy binary round trip = %+v", lb)
	}
	js := EncodeJSON(m, h)
	var top map[string]any
	if err := json.Unmarshal(js, &top); err != nil {
		t.Fatalf("EncodeJSON made invalid JSON %s: %v", js, err)
	}
	if top["msg_type"] != "execute_request" || top["channel"] != "iopub" {
		t.Errorf("JSON frame = %s", js)
	}
	if _, err := DecodeJSON([]byte(`{"channel":"shell","header":"x"}`)); err == nil {
		t.Error("a string header accepted")
	}
	if _, err := DecodeJSON([]byte(`{"header":{"msg_id":"a"}}`)); err == nil {
		t.Error("a message without channel accepted")
	}
}

// The v1 framing as @jupyterlab/services writes it (serialize.js), built by
// hand: 7 offsets for no buffers (count, then start of each part and end).
func TestDecodeV1FromJupyterLab(t *testing.T) {
	parts := []string{"shell", `{"msg_id":"a","msg_type":"kernel_info_request","session":"s","username":"","version":"5.2"}`, "{}", "{}", "{}"}
	n := len(parts) + 1
	var b bytes.Buffer
	le := func(v uint64) {
		var w [8]byte
		for i := range w {
			w[i] = byte(v >> (8 * i))
		}
		b.Write(w[:])
	}
	le(uint64(n))
	off := uint64(8 * (n + 1))
	le(off)
	for _, p := range parts {
		off += uint64(len(p))
		le(off)
	}
	for _, p := range parts {
		b.WriteString(p)
	}
	m, err := DecodeV1(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := ParseHeader(m.Header); h.MsgType != "kernel_info_request" || m.Channel != "shell" {
		t.Fatalf("decoded %+v", m)
	}
}

func FuzzDecodeV1(f *testing.F) {
	m := sample()
	f.Add(EncodeV1(m))
	m.Buffers = [][]byte{[]byte("x")}
	f.Add(EncodeV1(m))
	f.Add([]byte{6, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeV1(data)
		if err != nil {
			return
		}
		// What decodes re-encodes to something that decodes the same.
		m2, err := DecodeV1(EncodeV1(m))
		if err != nil || m2.Channel != m.Channel || !bytes.Equal(m2.Content, orEmpty(m.Content)) {
			t.Fatalf("re-decode: %v", err)
		}
	})
}

func FuzzDecodeLegacyBinary(f *testing.F) {
	m := sample()
	m.Buffers = [][]byte{[]byte("abc")}
	h, _ := ParseHeader(m.Header)
	f.Add(EncodeLegacyBinary(m, h))
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		DecodeLegacyBinary(data) // must not panic
	})
}

func FuzzFromZMQ(f *testing.F) {
	s, _ := NewSigner("hmac-sha256", []byte("k"))
	f.Add([]byte(Delimiter), []byte("sig"), []byte("{}"), []byte("{}"))
	f.Fuzz(func(t *testing.T, a, b, c, d []byte) {
		s.Decode([][]byte{a, b, c, d, c, d})
		s.Decode([][]byte{[]byte(Delimiter), a, b, c, d, a})
	})
}
