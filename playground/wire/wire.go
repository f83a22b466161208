// Package wire holds the two encodings of a Jupyter message that the
// playground moves between: the ZMQ multipart frames a kernel speaks
// (signed with HMAC-SHA256), and the websocket frames a browser or
// @jupyterlab/services speaks (JSON text, the legacy binary framing for
// messages with buffers, and the v1.kernel.websocket.jupyter.org framing).
//
// A Message keeps its header, parent header, metadata and content as raw
// JSON, so the bridge forwards them byte for byte and never re-encodes a
// message it does not need to look into.
package wire

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"time"
)

// Delimiter separates the ZMQ routing identities from the signed frames.
const Delimiter = "<IDS|MSG>"

// ProtocolV1 is the websocket subprotocol of Jupyter Server 2 with binary
// framing of every message.
const ProtocolV1 = "v1.kernel.websocket.jupyter.org"

// ProtocolVersion is the Jupyter messaging version the server stamps on the
// messages it makes itself.
const ProtocolVersion = "5.3"

// Message is one Jupyter message. The four JSON parts stay raw.
type Message struct {
	Channel      string // shell, control, stdin, iopub; empty on ZMQ input
	Header       json.RawMessage
	ParentHeader json.RawMessage
	Metadata     json.RawMessage
	Content      json.RawMessage
	Buffers      [][]byte
}

// Header is the part of a header the server routes by.
type Header struct {
	MsgID   string `json:"msg_id"`
	MsgType string `json:"msg_type"`
	Session string `json:"session"`
}

// ParseHeader decodes the routing fields of a raw header; an empty or null
// header gives the zero Header.
func ParseHeader(raw json.RawMessage) (Header, error) {
	var h Header
	if len(raw) == 0 || string(raw) == "null" {
		return h, nil
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, fmt.Errorf("wire: bad header: %w", err)
	}
	return h, nil
}

// Signer signs and verifies messages with the connection's key. An empty key
// disables signing, as Jupyter does.
type Signer struct {
	key  []byte
	pool sync.Pool
}

// NewSigner returns a Signer for HMAC-SHA256 with key.
func NewSigner(key []byte) *Signer {
	s := &Signer{key: append([]byte(nil), key...)}
	s.pool.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
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

// ToZMQ returns the frames to send to a kernel from a DEALER socket: the
// delimiter, the signature, the four JSON parts and the buffers.
func (s *Signer) ToZMQ(m *Message) [][]byte {
	h, p, md, c := orEmpty(m.Header), orEmpty(m.ParentHeader), orEmpty(m.Metadata), orEmpty(m.Content)
	frames := make([][]byte, 0, 6+len(m.Buffers))
	frames = append(frames, []byte(Delimiter), s.Sign(h, p, md, c), h, p, md, c)
	return append(frames, m.Buffers...)
}

// FromZMQ parses frames received from a kernel and checks the signature.
// Routing identities before the delimiter are dropped.
func (s *Signer) FromZMQ(frames [][]byte) (*Message, error) {
	i := 0
	for ; i < len(frames); i++ {
		if string(frames[i]) == Delimiter {
			break
		}
	}
	if i == len(frames) {
		return nil, errors.New("wire: no <IDS|MSG> delimiter in ZMQ message")
	}
	rest := frames[i+1:]
	if len(rest) < 5 {
		return nil, fmt.Errorf("wire: ZMQ message has %d frames after the delimiter, want at least 5", len(rest))
	}
	if !s.Verify(rest[0], rest[1], rest[2], rest[3], rest[4]) {
		return nil, errors.New("wire: bad message signature")
	}
	m := &Message{Header: rest[1], ParentHeader: rest[2], Metadata: rest[3], Content: rest[4]}
	if len(rest) > 5 {
		m.Buffers = rest[5:]
	}
	return m, nil
}

func orEmpty(b []byte) []byte {
	if len(bytes.TrimSpace(b)) == 0 || string(b) == "null" {
		return []byte("{}")
	}
	return b
}

// jsonMessage is the JSON shape of a message on the websocket.
type jsonMessage struct {
	Channel      string          `json:"channel"`
	Header       json.RawMessage `json:"header"`
	ParentHeader json.RawMessage `json:"parent_header"`
	Metadata     json.RawMessage `json:"metadata"`
	Content      json.RawMessage `json:"content"`
	Buffers      json.RawMessage `json:"buffers,omitempty"`
}

// DecodeJSON parses a JSON text frame from a websocket client. Buffers in a
// text frame are ignored (Jupyter clients send them only in binary frames).
func DecodeJSON(data []byte) (*Message, error) {
	var jm jsonMessage
	if err := json.Unmarshal(data, &jm); err != nil {
		return nil, fmt.Errorf("wire: bad websocket JSON message: %w", err)
	}
	m := &Message{Channel: jm.Channel, Header: jm.Header, ParentHeader: jm.ParentHeader, Metadata: jm.Metadata, Content: jm.Content}
	return m, m.check()
}

// check makes sure the parts a kernel needs are JSON objects.
func (m *Message) check() error {
	if m.Channel == "" {
		return errors.New("wire: message has no channel")
	}
	for _, p := range []struct {
		name string
		raw  json.RawMessage
		need bool
	}{{"header", m.Header, true}, {"parent_header", m.ParentHeader, false}, {"metadata", m.Metadata, false}, {"content", m.Content, false}} {
		t := bytes.TrimSpace(p.raw)
		if len(t) == 0 || string(t) == "null" {
			if p.need {
				return fmt.Errorf("wire: message has no %s", p.name)
			}
			continue
		}
		if t[0] != '{' || !json.Valid(t) {
			return fmt.Errorf("wire: message %s is not a JSON object", p.name)
		}
	}
	return nil
}

// EncodeJSON writes the message as a JSON text frame for the default
// websocket protocol. The header's msg_id and msg_type are repeated at the
// top level, as Jupyter Server does.
func EncodeJSON(m *Message, h Header) []byte {
	var b bytes.Buffer
	b.Grow(len(m.Header) + len(m.ParentHeader) + len(m.Metadata) + len(m.Content) + 128)
	b.WriteString(`{"channel":`)
	b.WriteString(strconv.Quote(m.Channel))
	b.WriteString(`,"msg_id":`)
	writeJSONString(&b, h.MsgID)
	b.WriteString(`,"msg_type":`)
	writeJSONString(&b, h.MsgType)
	b.WriteString(`,"header":`)
	b.Write(orEmpty(m.Header))
	b.WriteString(`,"parent_header":`)
	b.Write(orEmpty(m.ParentHeader))
	b.WriteString(`,"metadata":`)
	b.Write(orEmpty(m.Metadata))
	b.WriteString(`,"content":`)
	b.Write(orEmpty(m.Content))
	b.WriteString(`,"buffers":[]}`)
	return b.Bytes()
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always encodes
	b.Write(enc)
}

// EncodeLegacyBinary writes a message with buffers in the default protocol's
// binary framing: a big-endian uint32 count n, n uint32 offsets, the JSON
// message, then each buffer.
func EncodeLegacyBinary(m *Message, h Header) []byte {
	js := EncodeJSON(m, h)
	n := 1 + len(m.Buffers)
	size := 4 * (n + 1)
	offsets := make([]uint32, n)
	offsets[0] = uint32(size)
	size += len(js)
	for i, buf := range m.Buffers {
		offsets[i+1] = uint32(size)
		size += len(buf)
	}
	out := make([]byte, 0, size)
	out = binary.BigEndian.AppendUint32(out, uint32(n))
	for _, o := range offsets {
		out = binary.BigEndian.AppendUint32(out, o)
	}
	out = append(out, js...)
	for _, buf := range m.Buffers {
		out = append(out, buf...)
	}
	return out
}

// DecodeLegacyBinary parses the default protocol's binary framing.
func DecodeLegacyBinary(data []byte) (*Message, error) {
	if len(data) < 4 {
		return nil, errors.New("wire: binary frame shorter than its count")
	}
	n := binary.BigEndian.Uint32(data)
	if n < 1 || 4*(uint64(n)+1) > uint64(len(data)) {
		return nil, fmt.Errorf("wire: binary frame claims %d parts", n)
	}
	offsets := make([]int, n+1)
	for i := 0; i < int(n); i++ {
		offsets[i] = int(binary.BigEndian.Uint32(data[4*(i+1):]))
	}
	offsets[n] = len(data)
	parts, err := slices(data, offsets, 4*(int(n)+1))
	if err != nil {
		return nil, err
	}
	m, err := DecodeJSON(parts[0])
	if err != nil {
		return nil, err
	}
	m.Buffers = parts[1:]
	return m, nil
}

// EncodeV1 writes a message in the v1.kernel.websocket.jupyter.org framing:
// a little-endian uint64 count n, n uint64 offsets (the last one is the end),
// then channel, header, parent header, metadata, content and buffers.
func EncodeV1(m *Message) []byte {
	parts := make([][]byte, 0, 5+len(m.Buffers))
	parts = append(parts, []byte(m.Channel), orEmpty(m.Header), orEmpty(m.ParentHeader), orEmpty(m.Metadata), orEmpty(m.Content))
	parts = append(parts, m.Buffers...)
	n := len(parts) + 1
	size := 8 * (n + 1)
	for _, p := range parts {
		size += len(p)
	}
	out := make([]byte, 0, size)
	out = binary.LittleEndian.AppendUint64(out, uint64(n))
	off := uint64(8 * (n + 1))
	out = binary.LittleEndian.AppendUint64(out, off)
	for _, p := range parts {
		off += uint64(len(p))
		out = binary.LittleEndian.AppendUint64(out, off)
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// DecodeV1 parses the v1.kernel.websocket.jupyter.org framing.
func DecodeV1(data []byte) (*Message, error) {
	if len(data) < 8 {
		return nil, errors.New("wire: v1 frame shorter than its count")
	}
	n := binary.LittleEndian.Uint64(data)
	if n < 6 || n >= uint64(len(data)/8) {
		return nil, fmt.Errorf("wire: v1 frame claims %d offsets", n)
	}
	offsets := make([]int, n)
	for i := range offsets {
		o := binary.LittleEndian.Uint64(data[8*(i+1):])
		if o > uint64(len(data)) {
			return nil, fmt.Errorf("wire: v1 offset %d beyond the frame", o)
		}
		offsets[i] = int(o)
	}
	parts, err := slices(data, offsets, 8*(int(n)+1))
	if err != nil {
		return nil, err
	}
	m := &Message{Channel: string(parts[0]), Header: parts[1], ParentHeader: parts[2], Metadata: parts[3], Content: parts[4]}
	if len(parts) > 5 {
		m.Buffers = parts[5:]
	}
	return m, m.check()
}

// slices cuts data at the offsets, which must rise from the end of the
// offset table to the end of data. The parts alias data.
func slices(data []byte, offsets []int, tableEnd int) ([][]byte, error) {
	if len(offsets) < 2 || offsets[0] < tableEnd {
		return nil, errors.New("wire: frame offsets overlap the offset table")
	}
	parts := make([][]byte, len(offsets)-1)
	for i := 0; i+1 < len(offsets); i++ {
		a, b := offsets[i], offsets[i+1]
		if a > b || b > len(data) {
			return nil, fmt.Errorf("wire: frame offsets %d..%d out of order or past the end (%d bytes)", a, b, len(data))
		}
		parts[i] = data[a:b:b]
	}
	return parts, nil
}

// NewID returns a random hex id, as Jupyter's msg_ids and kernel ids are
// UUID-like strings.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("wire: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// NewHeader builds a header for a message the server makes itself.
func NewHeader(msgType, session string) json.RawMessage {
	h := map[string]string{
		"msg_id":   NewID(),
		"msg_type": msgType,
		"session":  session,
		"username": "rlvrworld",
		"date":     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		"version":  ProtocolVersion,
	}
	b, _ := json.Marshal(h) // a map of strings always encodes
	return b
}
