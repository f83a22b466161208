// Package jupyter is the one home of the Jupyter messaging protocol
// (version 5.3) in this repository: messages and their HMAC-SHA256
// signatures, the ZMQ multipart framing a kernel speaks, the websocket
// framings a browser speaks, connection files, loopback port picking, the
// launch of a kernel process, the five channels' sockets and the
// heartbeat. The kernel (kernel/), its client (kernel/client) and the
// playground's bridge (playground/) all use it; none of them imports
// another for the protocol.
//
// A message on a ZMQ socket is
//
//	[identities...] "<IDS|MSG>" signature header parent_header metadata content [buffers...]
//
// where the signature is the hex HMAC of the four JSON frames after it. A
// Message keeps those four parts as raw JSON, so that a bridge forwards
// them byte for byte and a kernel echoes a request's header as the parent
// of its replies exactly as it came; ParseHeader decodes the fields a
// reader routes by. Decoders return an error, never panic, on malformed
// input, so that a reader can log and drop the message.
package jupyter

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
	"sync"
	"time"
)

// Version is the protocol version spoken and stamped on new headers.
const Version = "5.3"

// Delimiter separates the ZMQ routing identities from the signed frames.
const Delimiter = "<IDS|MSG>"

// Header is a message header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
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

// JSON returns the header's JSON encoding.
func (h Header) JSON() json.RawMessage {
	b, err := json.Marshal(h)
	if err != nil {
		// A struct of strings always encodes; this is unreachable.
		panic("jupyter: encode header: " + err.Error())
	}
	return b
}

// ParseHeader decodes a raw header. An empty or null header (a parent
// header of a message that has none) gives the zero Header.
func ParseHeader(raw json.RawMessage) (Header, error) {
	var h Header
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		return h, nil
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, fmt.Errorf("jupyter: bad header: %w", err)
	}
	return h, nil
}

// Message is one Jupyter message. The four JSON parts stay raw.
type Message struct {
	// Identities are the ZMQ routing identities before the delimiter, as a
	// ROUTER socket receives them; a reply carries its request's back. A
	// DEALER's messages and websocket messages have none.
	Identities [][]byte
	// Channel is shell, control, stdin or iopub. The websocket framings
	// carry it; on ZMQ the socket a message came from says it.
	Channel      string
	Header       json.RawMessage
	ParentHeader json.RawMessage
	Metadata     json.RawMessage
	Content      json.RawMessage
	Buffers      [][]byte
}

// NewMessage returns a message of type msgType with a new header and
// content encoded from v, and the header. The parent header and metadata
// are empty objects.
func NewMessage(channel, msgType, session, username string, content any) (*Message, Header, error) {
	c, err := json.Marshal(content)
	if err != nil {
		return nil, Header{}, fmt.Errorf("jupyter: encode %s content: %w", msgType, err)
	}
	h := NewHeader(msgType, session, username)
	return &Message{Channel: channel, Header: h.JSON(), ParentHeader: json.RawMessage("{}"), Metadata: json.RawMessage("{}"), Content: c}, h, nil
}

// Signer signs and verifies messages with HMAC-SHA256. A Signer with an
// empty key signs with "" and accepts any signature, as the protocol says
// for an empty key. It is safe for concurrent use.
type Signer struct {
	key  []byte
	pool sync.Pool
}

// NewSigner returns a signer for key. The scheme must be "hmac-sha256" (or
// empty, which means the same).
func NewSigner(scheme string, key []byte) (*Signer, error) {
	if scheme != "" && scheme != "hmac-sha256" {
		return nil, fmt.Errorf("jupyter: unsupported signature scheme %q (want hmac-sha256)", scheme)
	}
	s := &Signer{key: append([]byte(nil), key...)}
	s.pool.New = func() any { return hmac.New(sha256.New, s.key) }
	return s, nil
}

// Sign returns the hex signature of the four JSON parts.
func (s *Signer) Sign(parts ...[]byte) []byte {
	if len(s.key) == 0 {
		return nil
	}
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	for _, p := range parts {
		h.Write(p)
	}
	var sum [sha256.Size]byte
	out := make([]byte, hex.EncodedLen(sha256.Size))
	hex.Encode(out, h.Sum(sum[:0]))
	s.pool.Put(h)
	return out
}

// Verify reports whether sig is the signature of the parts, in constant time.
func (s *Signer) Verify(sig []byte, parts ...[]byte) bool {
	if len(s.key) == 0 {
		return true
	}
	return hmac.Equal(sig, s.Sign(parts...))
}

// ErrSignature is returned by Decode for a message whose signature is wrong.
var ErrSignature = errors.New("jupyter: bad message signature")

// Encode returns the ZMQ frames of m: its identities, the delimiter, the
// signature, the four JSON parts (an empty part is sent as {}) and the
// buffers.
func (s *Signer) Encode(m *Message) [][]byte {
	h, p, md, c := orEmpty(m.Header), orEmpty(m.ParentHeader), orEmpty(m.Metadata), orEmpty(m.Content)
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, []byte(Delimiter), s.Sign(h, p, md, c), h, p, md, c)
	return append(frames, m.Buffers...)
}

// Decode parses the ZMQ frames of one message, checks its signature and
// that its header names a msg_type, and returns the message with its
// decoded header. The JSON parts must be objects (an empty part reads as
// {}); the content is checked in full by whoever decodes it.
func (s *Signer) Decode(frames [][]byte) (*Message, Header, error) {
	i := 0
	for i < len(frames) && string(frames[i]) != Delimiter {
		i++
	}
	if i == len(frames) {
		return nil, Header{}, fmt.Errorf("jupyter: no %s delimiter in %d frames", Delimiter, len(frames))
	}
	rest := frames[i+1:]
	if len(rest) < 5 {
		return nil, Header{}, fmt.Errorf("jupyter: %d frames after the delimiter, want at least 5", len(rest))
	}
	if !s.Verify(rest[0], rest[1], rest[2], rest[3], rest[4]) {
		return nil, Header{}, ErrSignature
	}
	m := &Message{Identities: frames[:i], Header: rest[1], ParentHeader: rest[2], Metadata: rest[3], Content: rest[4], Buffers: rest[5:]}
	if len(m.Buffers) == 0 {
		m.Buffers = nil
	}
	if err := m.check(false); err != nil {
		return nil, Header{}, err
	}
	h, err := ParseHeader(m.Header)
	if err != nil {
		return nil, Header{}, err
	}
	if h.MsgType == "" {
		return nil, Header{}, errors.New("jupyter: header has no msg_type")
	}
	return m, h, nil
}

// check makes sure the header is present and that the four JSON parts are
// objects (empty or null reads as {}, and is replaced by it). A websocket
// message must also name its channel.
func (m *Message) check(needChannel bool) error {
	if needChannel && m.Channel == "" {
		return errors.New("jupyter: message has no channel")
	}
	for _, p := range []struct {
		name string
		raw  *json.RawMessage
		need bool
	}{{"header", &m.Header, true}, {"parent_header", &m.ParentHeader, false}, {"metadata", &m.Metadata, false}, {"content", &m.Content, false}} {
		t := bytes.TrimSpace(*p.raw)
		if len(t) == 0 || string(t) == "null" {
			if p.need {
				return fmt.Errorf("jupyter: message has no %s", p.name)
			}
			*p.raw = json.RawMessage("{}")
			continue
		}
		if t[0] != '{' || t[len(t)-1] != '}' {
			return fmt.Errorf("jupyter: message %s is not a JSON object", p.name)
		}
	}
	if !json.Valid(m.Header) {
		return errors.New("jupyter: message header is not valid JSON")
	}
	return nil
}

func orEmpty(b []byte) []byte {
	if t := bytes.TrimSpace(b); len(t) == 0 || string(t) == "null" {
		return []byte("{}")
	}
	return b
}

// NewID returns a random UUID-4 string, as Jupyter's msg_ids, session ids
// and kernel ids are.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand never fails on Linux (Go 1.24+ documents that Read
		// does not return an error); a broken system ends here.
		panic("jupyter: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
