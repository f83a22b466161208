package jupyter

// The websocket framings of a Jupyter message, as Jupyter Server 2 and
// @jupyterlab/services speak them: JSON text frames, the legacy binary
// framing for messages with buffers, and the v1.kernel.websocket.jupyter.org
// framing.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// ProtocolV1 is the websocket subprotocol of Jupyter Server 2 with binary
// framing of every message.
const ProtocolV1 = "v1.kernel.websocket.jupyter.org"

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
		return nil, fmt.Errorf("jupyter: bad websocket JSON message: %w", err)
	}
	m := &Message{Channel: jm.Channel, Header: jm.Header, ParentHeader: jm.ParentHeader, Metadata: jm.Metadata, Content: jm.Content}
	return m, m.check(true)
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
		return nil, errors.New("jupyter: binary frame shorter than its count")
	}
	n := binary.BigEndian.Uint32(data)
	if n < 1 || 4*(uint64(n)+1) > uint64(len(data)) {
		return nil, fmt.Errorf("jupyter: binary frame claims %d parts", n)
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
		return nil, errors.New("jupyter: v1 frame shorter than its count")
	}
	n := binary.LittleEndian.Uint64(data)
	if n < 6 || n >= uint64(len(data)/8) {
		return nil, fmt.Errorf("jupyter: v1 frame claims %d offsets", n)
	}
	offsets := make([]int, n)
	for i := range offsets {
		o := binary.LittleEndian.Uint64(data[8*(i+1):])
		if o > uint64(len(data)) {
			return nil, fmt.Errorf("jupyter: v1 offset %d beyond the frame", o)
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
	return m, m.check(true)
}

// slices cuts data at the offsets, which must rise from the end of the
// offset table to the end of data. The parts alias data.
func slices(data []byte, offsets []int, tableEnd int) ([][]byte, error) {
	if len(offsets) < 2 || offsets[0] < tableEnd {
		return nil, errors.New("jupyter: frame offsets overlap the offset table")
	}
	parts := make([][]byte, len(offsets)-1)
	for i := 0; i+1 < len(offsets); i++ {
		a, b := offsets[i], offsets[i+1]
		if a > b || b > len(data) {
			return nil, fmt.Errorf("jupyter: frame offsets %d..%d out of order or past the end (%d bytes)", a, b, len(data))
		}
		parts[i] = data[a:b:b]
	}
	return parts, nil
}
