// Package verl connects the text world-model tasks to verl, the distributed
// RLVR engine (verl-project/verl): it exports datasets in verl's RL dataset
// schema (parquet or JSONL), scores verl's reward calls with the tasks' own
// verifiers, and loads the validation generations that a verl run dumps so
// that notebooks can look at a cluster run's predictions.
//
// One schema serves every task, so that files of different tasks
// concatenate:
//
//	data_source   string                       "rlvrworld/textgame" | "rlvrworld/web"
//	prompt        list<struct<role, content>>  the chat messages the policy reads
//	ability       string                       "world-model"
//	reward_model  struct<style, ground_truth>  style "rule"
//	extra_info    struct<split, index, task, payload>
//
// payload is a JSON string with what the verifier needs to rebuild the
// example (the task's JSONL record without its prompt and ground truth).
//
// Typical use:
//
//	rows, _ := verl.Rows(task, exs)           // exs from task.Generate
//	verl.WriteParquet(f, rows)                // for verl's data.train_files
//	sc, _ := verl.NewScorer()
//	res, _ := sc.Score(verl.Request{DataSource: rows[0].DataSource,
//		SolutionStr: answer, GroundTruth: rows[0].RewardModel.GroundTruth,
//		ExtraInfo: rows[0].ExtraInfo})
//	gens, _ := verl.LoadGenerations("val_generations/120.jsonl")
//
// The video task is left out on purpose: verl's video variant needs a custom
// trainer that decodes pixels on the GPU, which a reward call over HTTP
// cannot stand in for.
package verl

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

// The data sources, one per exported task; verl routes reward calls by them.
const (
	SourceTextgame = "rlvrworld/textgame"
	SourceWeb      = "rlvrworld/web"
)

// Ability is the value of every row's ability column.
const Ability = "world-model"

// Message is one chat message of a row's prompt.
type Message struct {
	Role    string `parquet:"role" json:"role"`
	Content string `parquet:"content" json:"content"`
}

// RewardModel is a row's reward_model column: verl hands GroundTruth to the
// reward function.
type RewardModel struct {
	Style       string `parquet:"style" json:"style"`
	GroundTruth string `parquet:"ground_truth" json:"ground_truth"`
}

// ExtraInfo is a row's extra_info column; verl passes it to the reward
// function as a dict.
type ExtraInfo struct {
	Split string `parquet:"split" json:"split"`
	Index int64  `parquet:"index" json:"index"`
	Task  string `parquet:"task" json:"task"`
	// Payload is a JSON object (as a string, so the schema is the same for
	// every task) with the fields the task's codec needs to rebuild the
	// example, apart from the prompt and the ground truth.
	Payload string `parquet:"payload" json:"payload"`
}

// Row is one example in verl's RL dataset schema. The struct tags fix the
// parquet schema; Prompt is written as a standard LIST so that Arrow readers
// see list<struct<role, content>>.
type Row struct {
	DataSource  string      `parquet:"data_source" json:"data_source"`
	Prompt      []Message   `parquet:"prompt,list" json:"prompt"`
	Ability     string      `parquet:"ability" json:"ability"`
	RewardModel RewardModel `parquet:"reward_model" json:"reward_model"`
	ExtraInfo   ExtraInfo   `parquet:"extra_info" json:"extra_info"`
}

// systemPrompts tell a general chat model what to write; the user message
// is the task's own prompt text, exactly as our small models read it.
var systemPrompts = map[string]string{
	"textgame": "You predict the next state of a text game. Given the rules, the current state as JSON and an action, " +
		"answer with only the state diff as JSON: {\"modified\":[full objects that changed or were added],\"removed\":[uuids],\"score\":{...}}.",
	"web": "You predict the next state of a web page. Given the URL, the objective, the previous action, the accessibility tree " +
		"and an action, answer with only three sections, \"New items:\", \"Deleted items:\" and \"Updated items:\", each listing tree lines or None.",
}

// DataSource returns the data_source of a task name ("textgame", "web"), or
// an error for a task that is not exported to verl.
func DataSource(task string) (string, error) {
	switch task {
	case "textgame":
		return SourceTextgame, nil
	case "web":
		return SourceWeb, nil
	case "video", "video-multi":
		return "", fmt.Errorf("verl: task %q is not exported: verl's video variant needs a custom trainer that decodes pixels on the GPU", task)
	}
	return "", fmt.Errorf("verl: unknown task %q (want textgame or web)", task)
}

// Rows converts examples of a task into verl rows, numbering them from 0 in
// extra_info.index. The task must implement envs.Codec; its record gives the
// prompt, the ground truth and the payload.
func Rows(task envs.Task, exs []envs.Example) ([]Row, error) {
	codec, ok := task.(envs.Codec)
	if !ok {
		return nil, fmt.Errorf("verl: task %q has no codec", task.Name())
	}
	source, err := DataSource(task.Name())
	if err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(exs))
	for i := range exs {
		rec, err := codec.Record(&exs[i])
		if err != nil {
			return nil, fmt.Errorf("verl: record %s: %w", exs[i].ID, err)
		}
		prompt, ok1 := rec["prompt"].(string)
		truth, ok2 := rec["ground_truth"].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("verl: record %s: prompt and ground_truth must be strings (a text task)", exs[i].ID)
		}
		payload := make(map[string]any, len(rec))
		for k, v := range rec {
			if k != "prompt" && k != "ground_truth" {
				payload[k] = v
			}
		}
		pj, err := json.Marshal(payload) // map keys come out sorted: stable bytes
		if err != nil {
			return nil, fmt.Errorf("verl: payload of %s: %w", exs[i].ID, err)
		}
		rows = append(rows, Row{
			DataSource: source,
			Prompt: []Message{
				{Role: "system", Content: systemPrompts[task.Name()]},
				{Role: "user", Content: prompt},
			},
			Ability:     Ability,
			RewardModel: RewardModel{Style: "rule", GroundTruth: truth},
			ExtraInfo:   ExtraInfo{Split: string(exs[i].Split), Index: int64(i), Task: task.Name(), Payload: string(pj)},
		})
	}
	return rows, nil
}

// UserContent returns the content of the row's last user message: the
// task's prompt text.
func (r *Row) UserContent() string {
	for i := len(r.Prompt) - 1; i >= 0; i-- {
		if r.Prompt[i].Role == "user" {
			return r.Prompt[i].Content
		}
	}
	return ""
}

// WriteParquet writes rows as one parquet file (snappy-compressed pages).
func WriteParquet(w io.Writer, rows []Row) error {
	pw := parquet.NewGenericWriter[Row](w, parquet.Compression(&parquet.Snappy))
	if _, err := pw.Write(rows); err != nil {
		return fmt.Errorf("verl: write parquet rows: %w", err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("verl: close parquet: %w", err)
	}
	return nil
}

// ReadParquet reads rows from a parquet file in the Row schema.
func ReadParquet(r io.ReaderAt, size int64) ([]Row, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("verl: open parquet: %w", err)
	}
	have := map[string]bool{}
	for _, fd := range f.Schema().Fields() {
		have[fd.Name()] = true
	}
	for _, name := range []string{"data_source", "prompt", "reward_model", "extra_info"} {
		if !have[name] {
			return nil, fmt.Errorf("verl: parquet file lacks column %q", name)
		}
	}
	pr := parquet.NewGenericReader[Row](f)
	defer pr.Close()
	rows := make([]Row, f.NumRows())
	n, err := pr.Read(rows)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("verl: read parquet rows: %w", err)
	}
	return rows[:n], nil
}

// WriteJSONL writes rows as JSON lines in the same schema (verl reads
// JSONL datasets too).
func WriteJSONL(w io.Writer, rows []Row) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range rows {
		if err := enc.Encode(&rows[i]); err != nil {
			return fmt.Errorf("verl: encode row %d: %w", i, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("verl: write JSONL: %w", err)
	}
	return nil
}

// ReadJSONL reads rows written by WriteJSONL. A bad line gives an error
// with its line number.
func ReadJSONL(r io.Reader) ([]Row, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var rows []Row
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var row Row
		if err := json.Unmarshal(b, &row); err != nil {
			return nil, fmt.Errorf("verl: line %d: %w", line, err)
		}
		if row.DataSource == "" {
			return nil, fmt.Errorf("verl: line %d: no data_source", line)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("verl: read JSONL: %w", err)
	}
	return rows, nil
}

// LoadRows reads a dataset file: parquet when its name ends in ".parquet",
// JSONL otherwise.
func LoadRows(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("verl: %w", err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".parquet") {
		st, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("verl: %w", err)
		}
		rows, err := ReadParquet(f, st.Size())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return rows, nil
	}
	rows, err := ReadJSONL(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}
