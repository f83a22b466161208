package nn

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/rlvrworld/rlvrworld/internal/atomicfile"
)

// Checkpoints are safetensors files (https://huggingface.co/docs/safetensors):
// an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the raw little-endian data. The model
// config is stored as JSON under the metadata key "nn.config", and the
// SHA-256 of the data section under "nn.sha256": loading verifies it, so a
// flipped bit or an edited weight is an error rather than a quietly
// different model. Files written before the checksum load with a warning,
// and Seal adds the checksum to them.

const (
	configKey    = "nn.config"
	checksumKey  = "nn.sha256"
	maxHeaderLen = 64 << 20 // far above any real header; bounds a corrupt length
)

type tensorInfo struct {
	Dtype       string   `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// stFile is a parsed safetensors file.
type stFile struct {
	meta    map[string]string
	tensors map[string]tensorInfo
	body    []byte
}

var dtypeSize = map[string]int64{"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}

// parseSafetensors checks the framing and the header of a safetensors file:
// every tensor's byte range lies inside the data, matches its dtype and
// shape, and no two overlap. It never panics on bad input.
func parseSafetensors(data []byte) (*stFile, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("safetensors: file is %d bytes, shorter than the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data[:8])
	if n > maxHeaderLen {
		return nil, fmt.Errorf("safetensors: header length %d is implausible (corrupt file?)", n)
	}
	if uint64(len(data)-8) < n {
		return nil, fmt.Errorf("safetensors: truncated: header needs %d bytes, file has %d after the length", n, len(data)-8)
	}
	hdr := data[8 : 8+n]
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, fmt.Errorf("safetensors: bad header JSON: %w", err)
	}
	f := &stFile{meta: map[string]string{}, tensors: map[string]tensorInfo{}, body: data[8+n:]}
	type span struct {
		name   string
		lo, hi int64
	}
	var spans []span
	for name, r := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(r, &f.meta); err != nil {
				return nil, fmt.Errorf("safetensors: bad __metadata__ (want string to string): %w", err)
			}
			continue
		}
		var ti tensorInfo
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ti); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: bad entry: %w", name, err)
		}
		es, ok := dtypeSize[ti.Dtype]
		if !ok {
			return nil, fmt.Errorf("safetensors: tensor %q: unknown dtype %q", name, ti.Dtype)
		}
		count := int64(1)
		for _, d := range ti.Shape {
			if d < 0 || (d > 0 && count > math.MaxInt64/8/d) {
				return nil, fmt.Errorf("safetensors: tensor %q: bad shape %v", name, ti.Shape)
			}
			count *= d
		}
		lo, hi := ti.DataOffsets[0], ti.DataOffsets[1]
		if lo < 0 || hi < lo || hi > int64(len(f.body)) {
			return nil, fmt.Errorf("safetensors: tensor %q: data offsets [%d,%d] outside the %d data bytes (truncated file?)", name, lo, hi, len(f.body))
		}
		if hi-lo != count*es {
			return nil, fmt.Errorf("safetensors: tensor %q: %d bytes for shape %v of %s, want %d", name, hi-lo, ti.Shape, ti.Dtype, count*es)
		}
		f.tensors[name] = ti
		spans = append(spans, span{name, lo, hi})
	}
	sort.Slice(spans, func(i, j int) bool {
		return spans[i].lo < spans[j].lo || (spans[i].lo == spans[j].lo && spans[i].hi < spans[j].hi)
	})
	for i := 1; i < len(spans); i++ {
		if spans[i].lo < spans[i-1].hi {
			return nil, fmt.Errorf("safetensors: tensors %q and %q overlap", spans[i-1].name, spans[i].name)
		}
	}
	return f, nil
}

func checksum(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// warnOut receives the warning for a checkpoint without a checksum.
var warnOut io.Writer = os.Stderr

// verifyChecksum checks the data section against the checksum in the
// metadata. A file from before checksums (none recorded) passes with a
// warning naming what, so that old checkpoints keep loading.
func (f *stFile) verifyChecksum(what string) error {
	want, ok := f.meta[checksumKey]
	if !ok {
		fmt.Fprintf(warnOut, "nn: warning: %s has no %q checksum (saved by an older version): its weights cannot be verified; `rlvrworld checkpoint seal FILE` adds one\n", what, checksumKey)
		return nil
	}
	if got := checksum(f.body); got != want {
		return fmt.Errorf("checksum mismatch: the tensors hash to %.12s..., the file recorded %.12s... (corrupted or edited after saving)", got, want)
	}
	return nil
}

// float32s decodes an F32 tensor's bytes into dst (len must match).
func (f *stFile) float32s(name string, dst []float32) {
	b := f.body[f.tensors[name].DataOffsets[0]:]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

type stTensor struct {
	name  string
	shape []int
	data  []float32
}

// writeSafetensors writes F32 tensors, in order, as writeSTFile writes.
func writeSafetensors(path string, meta map[string]string, ts []stTensor) error {
	hdr := make(map[string]tensorInfo, len(ts))
	var off int64
	for _, t := range ts {
		n := int64(len(t.data)) * 4
		shape := make([]int64, len(t.shape))
		for i, d := range t.shape {
			shape[i] = int64(d)
		}
		hdr[t.name] = tensorInfo{Dtype: "F32", Shape: shape, DataOffsets: [2]int64{off, off + n}}
		off += n
	}
	body := make([]byte, off)
	p := 0
	for _, t := range ts {
		for _, v := range t.data {
			binary.LittleEndian.PutUint32(body[p:], math.Float32bits(v))
			p += 4
		}
	}
	return writeSTFile(path, hdr, meta, body)
}

// writeSTFile writes a safetensors file of the given tensors (byte ranges
// in body), metadata and data section, with the data's SHA-256 added to
// the metadata, atomically (atomicfile), so a crash mid-save never leaves a
// half-written checkpoint.
func writeSTFile(path string, tensors map[string]tensorInfo, meta map[string]string, body []byte) error {
	hdr := make(map[string]any, len(tensors)+1)
	for name, ti := range tensors {
		hdr[name] = ti
	}
	md := map[string]string{checksumKey: checksum(body)}
	for k, v := range meta {
		if k != checksumKey {
			md[k] = v
		}
	}
	hdr["__metadata__"] = md
	hj, err := json.Marshal(hdr)
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	for len(hj)%8 != 0 { // pad with spaces so the data is 8-byte aligned, as the format recommends
		hj = append(hj, ' ')
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		if _, err := w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(hj)))); err != nil {
			return err
		}
		if _, err := w.Write(hj); err != nil {
			return err
		}
		_, err := w.Write(body)
		return err
	})
}

// Save writes the parameters and config to a safetensors file at path,
// with meta (string to string, e.g. the training step) in the metadata.
// The key "nn.config" is reserved.
func (m *Model) Save(path string, meta map[string]string) error {
	md := map[string]string{}
	for k, v := range meta {
		if k == configKey || k == checksumKey {
			return fmt.Errorf("save %s: metadata key %q is reserved", path, k)
		}
		md[k] = v
	}
	cj, _ := json.Marshal(m.cfg)
	md[configKey] = string(cj)
	m.be.Sync()
	var ts []stTensor
	for i, s := range paramSpecs(m.cfg) {
		ts = append(ts, stTensor{s.name, s.shape, *m.p.views()[i]})
	}
	return writeSafetensors(path, md, ts)
}

// Load reads a checkpoint written by Save. It validates the framing, the
// config, and every tensor's name, dtype and shape; a truncated or corrupt
// file is an error that says what is wrong. It returns the user metadata
// (without the config).
func Load(path string) (*Model, map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load checkpoint: %w", err)
	}
	m, meta, err := Decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	return m, meta, nil
}

// Decode is Load for a checkpoint's bytes already in memory (a caller that
// also hashes them reads the file once).
func Decode(data []byte) (*Model, map[string]string, error) {
	f, err := parseSafetensors(data)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := f.meta[configKey]; !ok {
		return nil, nil, fmt.Errorf("no %q in the metadata: not an nn checkpoint", configKey)
	}
	if err := f.verifyChecksum("this checkpoint"); err != nil {
		return nil, nil, err
	}
	return f.model()
}

// model builds the model a parsed checkpoint holds, checking its config
// and every tensor's name, dtype and shape (not its checksum), and returns
// it with the user metadata.
func (f *stFile) model() (*Model, map[string]string, error) {
	cj, ok := f.meta[configKey]
	if !ok {
		return nil, nil, fmt.Errorf("no %q in the metadata: not an nn checkpoint", configKey)
	}
	var cfg Config
	if err := json.Unmarshal([]byte(cj), &cfg); err != nil {
		return nil, nil, fmt.Errorf("bad %q metadata: %w", configKey, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	specs := paramSpecs(cfg)
	want := map[string]bool{}
	for _, s := range specs {
		want[s.name] = true
	}
	names := make([]string, 0, len(f.tensors))
	for name := range f.tensors {
		names = append(names, name)
	}
	sort.Strings(names) // the same error for the same file
	for _, name := range names {
		if !want[name] {
			return nil, nil, fmt.Errorf("unexpected tensor %q", name)
		}
	}
	for _, s := range specs {
		ti, ok := f.tensors[s.name]
		if !ok {
			return nil, nil, fmt.Errorf("missing tensor %q", s.name)
		}
		if ti.Dtype != "F32" {
			return nil, nil, fmt.Errorf("tensor %q has dtype %s, want F32", s.name, ti.Dtype)
		}
		same := len(ti.Shape) == len(s.shape)
		for j := 0; same && j < len(s.shape); j++ {
			same = ti.Shape[j] == int64(s.shape[j])
		}
		if !same {
			return nil, nil, fmt.Errorf("tensor %q has shape %v, want %v for config %+v", s.name, ti.Shape, s.shape, cfg)
		}
	}
	// Allocate only now: the shapes matched tensors present in the file, so
	// a corrupt config cannot make us allocate more than the file holds.
	m, err := newEmpty(cfg)
	if err != nil {
		return nil, nil, err
	}
	for i, s := range specs {
		f.float32s(s.name, *m.p.views()[i])
	}
	meta := map[string]string{}
	for k, v := range f.meta {
		if k != configKey && k != checksumKey {
			meta[k] = v
		}
	}
	return m, meta, nil
}

// CheckpointInfo describes a checkpoint file (Inspect).
type CheckpointInfo struct {
	// Config is the model's configuration and Meta the user metadata
	// (what Load returns besides the model).
	Config Config
	Meta   map[string]string
	// Params is the number of float32 parameters.
	Params int
	// Checksum is the recorded SHA-256 of the data section, verified; ""
	// for a file saved before checksums (Seal adds one). FileSHA256 is
	// that of the whole file, as exp records its start model.
	Checksum, FileSHA256 string
	// Path is the file Inspect read.
	Path string
}

// String is a report for people: the file, its hashes, whether the
// weights are verified, the model's shape and the metadata, sorted.
func (c *CheckpointInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n  file sha256  %s\n", c.Path, c.FileSHA256)
	if c.Checksum != "" {
		fmt.Fprintf(&b, "  checksum     verified (nn.sha256 %.12s…)\n", c.Checksum)
	} else {
		b.WriteString("  checksum     none: saved before checksums, the weights cannot be verified (rlvrworld checkpoint seal adds one)\n")
	}
	cfg, _ := json.Marshal(c.Config)
	fmt.Fprintf(&b, "  config       %s\n  parameters   %d\n", cfg, c.Params)
	keys := make([]string, 0, len(c.Meta))
	for k := range c.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	label := "metadata"
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-12s %s = %s\n", label, k, c.Meta[k])
		label = ""
	}
	return b.String()
}

// Inspect reads and checks a checkpoint as Load does (framing, config,
// tensors, checksum), and describes it; a file without a checksum is no
// error here and prints no warning: Checksum is "" instead.
func Inspect(path string) (*CheckpointInfo, error) {
	f, data, err := readChecked(path)
	if err != nil {
		return nil, err
	}
	m, meta, err := f.model()
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	return &CheckpointInfo{Config: m.cfg, Meta: meta, Params: m.NumParams(), Checksum: f.meta[checksumKey],
		FileSHA256: checksum(data), Path: path}, nil
}

// Seal adds the "nn.sha256" checksum to a checkpoint saved before
// checksums, so that loading it verifies the weights instead of warning.
// The tensors' bytes and the metadata stay as they were (the checksum is
// of the data section alone, so it also identifies the weights of the file
// as it was); only the header changes, and the file is replaced atomically.
// A file that already has a checksum is verified and left alone (sealed
// false); a file that is not a loadable checkpoint is an error.
func Seal(path string) (sealed bool, err error) {
	f, _, err := readChecked(path)
	if err != nil {
		return false, err
	}
	if _, _, err := f.model(); err != nil {
		return false, fmt.Errorf("seal %s: %w", path, err)
	}
	if _, ok := f.meta[checksumKey]; ok {
		return false, nil
	}
	return true, writeSTFile(path, f.tensors, f.meta, f.body)
}

// readChecked reads and parses a safetensors file and verifies its
// checksum where it has one (no warning where it has none); it returns the
// file's bytes too.
func readChecked(path string) (*stFile, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := parseSafetensors(data)
	if err == nil {
		if _, ok := f.meta[checksumKey]; ok {
			err = f.verifyChecksum(path)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, data, nil
}

// SaveState writes the optimiser's moments and step count, so that
// training can resume exactly where it stopped.
func (o *AdamW) SaveState(path string) error {
	md := map[string]string{"adamw.t": strconv.Itoa(o.t)}
	return writeSafetensors(path, md, []stTensor{{"m", []int{len(o.m)}, o.m}, {"v", []int{len(o.v)}, o.v}})
}

// LoadState restores what SaveState wrote, for model m (the sizes must
// match).
func (o *AdamW) LoadState(path string, m *Model) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("load optimiser state: %w", err)
	}
	f, err := parseSafetensors(data)
	if err == nil {
		err = f.verifyChecksum(path)
	}
	if err != nil {
		return fmt.Errorf("load optimiser state %s: %w", path, err)
	}
	t, err := strconv.Atoi(f.meta["adamw.t"])
	if err != nil || t < 0 {
		return fmt.Errorf("load optimiser state %s: bad step count %q", path, f.meta["adamw.t"])
	}
	n := len(m.flat)
	for _, name := range []string{"m", "v"} {
		ti, ok := f.tensors[name]
		if !ok || ti.Dtype != "F32" || len(ti.Shape) != 1 || ti.Shape[0] != int64(n) {
			return fmt.Errorf("load optimiser state %s: tensor %q missing or not F32 [%d]", path, name, n)
		}
	}
	o.m, o.v = m.be.Alloc(n), m.be.Alloc(n)
	f.float32s("m", o.m)
	f.float32s("v", o.v)
	o.t = t
	return nil
}
