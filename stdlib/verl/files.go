package verl

// The file-level steps of `rlvrworld data --format verl|jsonl` and
// `rlvrworld verify --generations`, so that a notebook or another program
// exports and re-scores exactly as the command line does.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

// WriteDataset generates n examples of t's split (seeded) and writes them
// in verl's RL dataset schema: format "verl" as parquet, "jsonl" as one
// JSON row per line. Only the text tasks (DataSource) have a verl schema.
func WriteDataset(ctx context.Context, w io.Writer, t envs.Task, split envs.Split, n int, seed int64, format string) error {
	if _, err := DataSource(t.Name()); err != nil {
		return err
	}
	if err := split.Check(); err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("--n must be >= 0, not %d", n)
	}
	if format != "verl" && format != "jsonl" {
		return fmt.Errorf("unknown format %q (want verl or jsonl)", format)
	}
	exs, err := t.Generate(ctx, split, n, seed)
	if err != nil {
		return fmt.Errorf("generate %s/%s: %w", t.Name(), split, err)
	}
	rows, err := Rows(t, exs)
	if err != nil {
		return err
	}
	if format == "verl" {
		return WriteParquet(w, rows)
	}
	return WriteJSONL(w, rows)
}

// RescoreFiles re-scores verl's dumped validation generations (gensPath,
// JSONL) against the exported dataset they were prompted from (dataPath,
// parquet or JSONL), writes one JSON line per generation to w (Rescored),
// and returns the summary per data source and the number of generations.
func RescoreFiles(gensPath, dataPath string, w io.Writer) ([]Summary, int, error) {
	rows, err := LoadRows(dataPath)
	if err != nil {
		return nil, 0, err
	}
	gens, err := LoadGenerations(gensPath)
	if err != nil {
		return nil, 0, err
	}
	sc, err := NewScorer()
	if err != nil {
		return nil, 0, err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	res := sc.Rescore(gens, rows)
	for _, r := range res {
		if err := enc.Encode(r); err != nil {
			return nil, 0, fmt.Errorf("write: %w", err)
		}
	}
	return Summarize(res), len(gens), nil
}
