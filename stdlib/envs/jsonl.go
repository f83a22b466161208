package envs

// JSONL datasets: WriteRecords exports a split through a task's Codec
// (`rlvrworld data`) and ScoreRecords re-scores predictions made on such
// records (`rlvrworld verify`).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// Check returns an error unless s is one of the four splits.
func (s Split) Check() error {
	switch s {
	case Train, Val, Test, Heldout:
		return nil
	}
	return fmt.Errorf("unknown split %q (want train, val, test or heldout)", s)
}

// WriteRecords generates n examples of t's split and writes one JSON record
// per line through t's Codec.
func WriteRecords(ctx context.Context, w io.Writer, t Task, split Split, n int, seed int64) error {
	if err := split.Check(); err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("--n must be >= 0, not %d", n)
	}
	codec, ok := t.(Codec)
	if !ok {
		return fmt.Errorf("task %q has no JSONL codec", t.Name())
	}
	exs, err := t.Generate(ctx, split, n, seed)
	if err != nil {
		return fmt.Errorf("generate %s/%s: %w", t.Name(), split, err)
	}
	bw := bufio.NewWriter(w)
	for i := range exs {
		rec, err := codec.Record(&exs[i])
		if err != nil {
			return fmt.Errorf("record %s: %w", exs[i].ID, err)
		}
		line, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("encode %s: %w", exs[i].ID, err)
		}
		bw.Write(line)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// maxRecordLine bounds one input line of ScoreRecords; a longer line is
// reported and skipped, never buffered whole.
const maxRecordLine = 16 << 20

// rewardSelector is implemented by tasks with several reward variants.
type rewardSelector interface {
	WithReward(name string) (Task, error)
}

// ScoreRecords scores every line of r (a record that t's Codec wrote, plus
// "prediction") with t and writes one result line per input line to w:
// {"id","reward","metrics"} (and "parse_error" for an answer that did not
// parse), or {"id","error"}. Bad lines, lines over 16 MiB included, become
// error lines; only setup and write failures stop it. A reward other than ""
// selects one of t's reward variants (WithReward).
func ScoreRecords(r io.Reader, w io.Writer, t Task, reward string) error {
	if reward != "" {
		rs, ok := t.(rewardSelector)
		if !ok {
			return fmt.Errorf("task %q has no reward variants", t.Name())
		}
		var err error
		if t, err = rs.WithReward(reward); err != nil {
			return err
		}
	}
	codec, ok := t.(Codec)
	if !ok {
		return fmt.Errorf("task %q has no JSONL codec", t.Name())
	}
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	for lineNo := 1; ; lineNo++ {
		line, tooLong, err := readLine(br, maxRecordLine)
		if err == io.EOF && len(line) == 0 && !tooLong {
			break
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("read line %d: %w", lineNo, err)
		}
		if len(bytes.TrimSpace(line)) == 0 && !tooLong {
			if err == io.EOF {
				break
			}
			continue // blank lines carry nothing to score
		}
		var res map[string]any
		if tooLong {
			res = map[string]any{"id": nil, "error": fmt.Sprintf("line %d is longer than %d bytes", lineNo, maxRecordLine)}
		} else {
			res = verifyLine(t, codec, line, lineNo)
		}
		enc, merr := json.Marshal(res)
		if merr != nil {
			enc, _ = json.Marshal(map[string]any{"id": res["id"], "error": "encode result: " + merr.Error()})
		}
		bw.Write(enc)
		bw.WriteByte('\n')
		if err == io.EOF {
			break
		}
	}
	return bw.Flush()
}

// readLine reads one line without its newline. A line longer than max is
// consumed and dropped, with tooLong set.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > max {
			tooLong = true
			buf = buf[:0]
		} else if !tooLong {
			buf = append(buf, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if tooLong {
			return nil, true, err
		}
		return buf, false, err
	}
}

// verifyLine scores one record; it never panics.
func verifyLine(t Task, codec Codec, line []byte, lineNo int) (res map[string]any) {
	var id any
	defer func() {
		if p := recover(); p != nil {
			res = map[string]any{"id": id, "error": fmt.Sprintf("line %d: verifier panic: %v", lineNo, p)}
		}
	}()
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(line, &rec); err != nil {
		return map[string]any{"id": nil, "error": fmt.Sprintf("line %d: not a JSON object: %v", lineNo, err)}
	}
	if raw, ok := rec["id"]; ok {
		json.Unmarshal(raw, &id)
	}
	fail := func(err error) map[string]any {
		return map[string]any{"id": id, "error": fmt.Sprintf("line %d: %v", lineNo, err)}
	}
	if id == nil {
		// Without an id a score cannot be joined back to its example, for
		// any task; the error entry keeps the output's lines in step.
		return fail(errors.New("record lacks \"id\""))
	}
	if raw, ok := rec["task"]; ok {
		var name string
		if err := json.Unmarshal(raw, &name); err != nil || name != t.Name() {
			return fail(fmt.Errorf("record task %s is not %q", string(raw), t.Name()))
		}
	}
	pred, ok := rec["prediction"]
	if !ok {
		return fail(errors.New("record lacks \"prediction\""))
	}
	ex, err := codec.Example(rec)
	if err != nil {
		return fail(err)
	}
	sc, err := codec.ScorePrediction(ex, pred)
	if err != nil {
		return fail(err)
	}
	metrics := make(map[string]float64, len(sc.Metrics))
	for k, v := range sc.Metrics {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			metrics[k] = v
		}
	}
	res = map[string]any{"id": id, "reward": sc.Reward, "metrics": metrics}
	if sc.Err != "" {
		res["parse_error"] = sc.Err
	}
	return res
}
