package envs

import "encoding/json"

// Codec converts a task's examples to and from the JSONL records that
// `rlvrworld data` writes and `rlvrworld verify` reads, so that datasets
// export to external frameworks and their predictions can be re-scored.
//
// A record always has the fields "id", "task", "split", "prompt" and
// "ground_truth". For text tasks prompt and ground_truth are the strings the
// model reads and must write; for video they are token id arrays, and the
// true frame also comes as a base64 PNG. Tasks add fields of their own.
type Codec interface {
	// Record returns the JSON object of ex.
	Record(ex *Example) (map[string]any, error)
	// Example rebuilds an example from a record that Record wrote. A record
	// it cannot use gives an error that names the missing or bad field.
	Example(rec map[string]json.RawMessage) (*Example, error)
	// ScorePrediction scores a record's "prediction" field (a string for text
	// tasks, token ids for video) against ex. An unparseable prediction is a
	// Score with reward 0 (the task's lowest) and Err set, never a panic; an
	// error is returned only when the field has the wrong JSON type.
	ScorePrediction(ex *Example, prediction json.RawMessage) (Score, error)
}
