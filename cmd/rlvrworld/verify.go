package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

func init() {
	register("verify", "score predictions (JSONL in, JSONL out)", runVerify)
}

// verifyUsage heads `verify -h`: the three modes and each task's reward
// range (a perfect text-game answer scores 1.3, which surprises without
// the formula).
const verifyUsage = `usage: rlvrworld verify --task T [--in FILE] [--out FILE] [--reward R]
       rlvrworld verify --serve [--addr A] [--token T] ...   the HTTP verifier for verl (verify --serve -h)
       rlvrworld verify --generations ...                     re-score verl's generation dumps

Each input line is a data record plus "prediction"; each output line is
{"id","reward","metrics"} or {"id","error"}.

Rewards, per task (higher is better):
  textgame     0 to 1.3: 0.09 item accuracy + 0.01 score accuracy + 0.2 all-correct,
               plus the accuracy on the changed properties (0 to 1) when the action
               changed any: a perfect answer scores 1.3 (0.3 when nothing changed).
               --reward binary: 1 for an exact answer, else 0.
  web          0 to 1: F1 of the exact New/Deleted/Updated lines.
  video,       -3 to 0: -(MAE + perceptual distance) of the decoded frames;
  video-multi  0 is a perfect frame.
`

// registeredTasks lists the task names, sorted, as the unknown-task error
// does.
func registeredTasks() []string {
	names := make([]string, 0, len(taskFactories))
	for n := range taskFactories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// maxVerifyLine bounds one input line; a longer line is reported and
// skipped, never buffered whole.
const maxVerifyLine = 16 << 20

// runVerify is `rlvrworld verify --task T [--in FILE] [--out FILE] [--reward R]`.
func runVerify(args []string) int {
	switch {
	case hasFlag(args, "serve"):
		return runVerifyServe(args) // the HTTP verifier for verl: verify_serve.go
	case hasFlag(args, "generations"):
		return runVerifyGenerations(args) // re-score verl's dumps: verify_serve.go
	}
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	task := fs.String("task", "", "task name: "+strings.Join(registeredTasks(), ", "))
	in := fs.String("in", "", "input JSONL (default stdin)")
	out := fs.String("out", "", "output JSONL (default stdout)")
	reward := fs.String("reward", "", "reward variant where the task has several (textgame: task or binary)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), verifyUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *task == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	r := io.Reader(os.Stdin)
	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rlvrworld verify: %v\n", err)
			return 1
		}
		defer f.Close()
		r = f
	}
	w := io.Writer(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rlvrworld verify: %v\n", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	if err := verifyStream(r, w, *task, *reward); err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld verify: %v\n", err)
		return 1
	}
	return 0
}

// rewardSelector is implemented by tasks with several reward variants.
type rewardSelector interface {
	WithReward(name string) (envs.Task, error)
}

// verifyStream scores every line of r and writes one result line per input
// line to w. Bad lines become error lines; only setup and write failures
// stop it.
func verifyStream(r io.Reader, w io.Writer, taskName, reward string) error {
	t, err := lookupTask(taskName)
	if err != nil {
		return err
	}
	if reward != "" {
		rs, ok := t.(rewardSelector)
		if !ok {
			return fmt.Errorf("task %q has no reward variants", taskName)
		}
		if t, err = rs.WithReward(reward); err != nil {
			return err
		}
	}
	codec, ok := t.(envs.Codec)
	if !ok {
		return fmt.Errorf("task %q has no JSONL codec", taskName)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	for lineNo := 1; ; lineNo++ {
		line, tooLong, err := readLine(br, maxVerifyLine)
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
			res = map[string]any{"id": nil, "error": fmt.Sprintf("line %d is longer than %d bytes", lineNo, maxVerifyLine)}
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
func verifyLine(t envs.Task, codec envs.Codec, line []byte, lineNo int) (res map[string]any) {
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
