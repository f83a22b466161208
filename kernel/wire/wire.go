// Package wire is the Jupyter messaging protocol (version 5.3) as frames on a
// ZMQ socket: message encoding and decoding, HMAC-SHA256 signatures, and the
// connection file.
//
// A message on the wire is
//
//	[identities...] "<IDS|MSG>" signature header parent_header metadata content [buffers...]
//
// where the signature is the hex HMAC of the four JSON frames after it. The
// parser never panics on malformed input: it returns an error, so that a
// kernel can log and drop the message.
package wire

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"sync"
	"time"
)

// Version is the protocol version the kernel speaks.
const Version = "5.3"

// Delimiter separates the routing identities from the message proper.
var Delimiter = []byte("<IDS|MSG>")

// Header is a message header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one decoded Jupyter message. Content stays raw so that each
// handler decodes the shape it expects; ParentHeader and Metadata are kept
// raw too so that they can be echoed back unchanged.
type Message struct {
	Identities   [][]byte
	Header       Header
	ParentHeader json.RawMessage
	Metadata     json.RawMessage
	Content      json.RawMessage
	Buffers      [][]byte
}

// Signer signs and verifies messages with HMAC-SHA256. A Signer with an
// empty key signs with "" and accepts any signature, as the protocol says
// for an empty key. It is safe for concurrent use.
type Signer struct {
	key  []byte
	mu   sync.Mutex
	hmac hash.Hash
}

// NewSigner returns a signer for key. The scheme must be "hmac-sha256" (or
// empty, which means the same).
func NewSigner(scheme string, key []byte) (*Signer, error) {
	if scheme != "" && scheme != "hmac-sha256" {
		return nil, fmt.Errorf("wire: unsupported signature scheme %q (want hmac-sha256)", scheme)
	}
	s := &Signer{key: append([]byte(nil), key...)}
	if len(key) > 0 {
		s.hmac = hmac.New(sha256.New, s.key)
	}
	return s, nil
}

// Sign returns the hex signature of the four JSON frames.
func (s *Signer) Sign(frames ...[]byte) []byte {
	if s.hmac == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hmac.Reset()
	for _, f := range frames {
		s.hmac.Write(f)
	}
	sum := s.hmac.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// Verify reports whether sig is the signature of frames, in constant time.
func (s *Signer) Verify(sig []byte, frames ...[]byte) bool {
	if s.hmac == nil {
		return true
	}
	want := s.Sign(frames...)
	return hmac.Equal(want, sig)
}

// ErrSignature is returned by Decode for a message whose signature is wrong.
var ErrSignature = errors.New("wire: bad message signature")

// Decode parses the frames of one message and checks its signature. It
// returns an error, never panics, for any malformed input.
func Decode(frames [][]byte, s *Signer) (*Message, error) {
	i := 0
	for i < len(frames) && !bytes.Equal(frames[i], Delimiter) {
		i++
	}
	if i == len(frames) {
		return nil, fmt.Errorf("wire: no %s delimiter in %d frames", Delimiter, len(frames))
	}
	if len(frames)-i-1 < 5 {
		return nil, fmt.Errorf("wire: %d frames after the delimiter, want at least 5", len(frames)-i-1)
	}
	sig, h, p, md, c := frames[i+1], frames[i+2], frames[i+3], frames[i+4], frames[i+5]
	if s != nil && !s.Verify(sig, h, p, md, c) {
		return nil, ErrSignature
	}
	m := &Message{Identities: frames[:i]}
	if err := json.Unmarshal(h, &m.Header); err != nil {
		return nil, fmt.Errorf("wire: header: %w", err)
	}
	if m.Header.MsgType == "" {
		return nil, errors.New("wire: header has no msg_type")
	}
	for _, f := range []struct {
		name string
		raw  []byte
		dst  *json.RawMessage
	}{{"parent_header", p, &m.ParentHeader}, {"metadata", md, &m.Metadata}, {"content", c, &m.Content}} {
		if len(f.raw) == 0 {
			*f.dst = json.RawMessage("{}")
			continue
		}
		if !json.Valid(f.raw) {
			return nil, fmt.Errorf("wire: %s is not valid JSON", f.name)
		}
		*f.dst = append(json.RawMessage(nil), f.raw...)
	}
	m.Buffers = frames[i+6:]
	return m, nil
}

// Encode returns the frames of m, signed by s.
func Encode(m *Message, s *Signer) ([][]byte, error) {
	h, err := json.Marshal(m.Header)
	if err != nil {
		return nil, fmt.Errorf("wire: header: %w", err)
	}
	p, md, c := orEmpty(m.ParentHeader), orEmpty(m.Metadata), orEmpty(m.Content)
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, Delimiter, s.Sign(h, p, md, c), h, p, md, c)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

func orEmpty(r json.RawMessage) []byte {
	if len(r) == 0 {
		return []byte("{}")
	}
	return r
}

// NewID returns a random message id (a UUID-4 string).
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// NewHeader returns a header for a new message of type msgType.
func NewHeader(msgType, session, username string) Header {
	return Header{
		MsgID:    NewID(),
		Session:  session,
		Username: username,
		Date:     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		MsgType:  msgType,
		Version:  Version,
	}
}

// MustJSON encodes v; it is for values that always encode (maps of strings
// and numbers), and falls back to an error object rather than panicking.
func MustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"encode_error": err.Error()})
	}
	return b
}

// Connection is the content of a Jupyter connection file.
type Connection struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	ControlPort     int    `json:"control_port"`
	HBPort          int    `json:"hb_port"`
	SignatureScheme string `json:"signature_scheme"`
	Key             string `json:"key"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnection reads and checks a connection file.
func ReadConnection(path string) (*Connection, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("connection file: %w", err)
	}
	var c Connection
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("connection file %s: %w", path, err)
	}
	if c.Transport == "" {
		c.Transport = "tcp"
	}
	if c.Transport != "tcp" && c.Transport != "ipc" {
		return nil, fmt.Errorf("connection file %s: transport %q not supported", path, c.Transport)
	}
	if c.IP == "" {
		c.IP = "127.0.0.1"
	}
	for name, p := range map[string]int{"shell_port": c.ShellPort, "iopub_port": c.IOPubPort, "stdin_port": c.StdinPort, "control_port": c.ControlPort, "hb_port": c.HBPort} {
		if p <= 0 || p > 65535 {
			return nil, fmt.Errorf("connection file %s: %s %d out of range", path, name, p)
		}
	}
	return &c, nil
}

// Endpoint returns the ZMQ endpoint for port.
func (c *Connection) Endpoint(port int) string {
	if c.Transport == "ipc" {
		return fmt.Sprintf("ipc://%s-%d", c.IP, port)
	}
	return fmt.Sprintf("tcp://%s:%d", c.IP, port)
}
