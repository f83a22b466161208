package notebook

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/kernel/client"
)

func TestParseRejectsBadInput(t *testing.T) {
	for name, in := range map[string]string{
		"not json":   "{",
		"nbformat 3": `{"nbformat": 3, "cells": []}`,
		"no cells":   `{"nbformat": 4}`,
		"bad cell":   `{"nbformat": 4, "cells": [1]}`,
		"no type":    `{"nbformat": 4, "cells": [{}]}`,
	} {
		if _, err := Parse([]byte(in), name); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestUpgradeAndMarshal(t *testing.T) {
	nb, err := Parse([]byte(`{"nbformat": 4, "nbformat_minor": 2, "metadata": {"x": 1},
		"cells": [{"cell_type": "code", "source": ["a\n", "b"]}, {"cell_type": "markdown", "source": "m", "id": "keep"}]}`), "t")
	if err != nil {
		t.Fatal(err)
	}
	nb.Upgrade()
	b, err := nb.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	cells := back["cells"].([]any)
	c0, c1 := cells[0].(map[string]any), cells[1].(map[string]any)
	if back["nbformat_minor"].(float64) != 5 || c0["id"] == nil || c1["id"] != "keep" || c0["outputs"] == nil {
		t.Fatalf("upgraded: %s", b)
	}
	if Source(c0) != "a\nb" {
		t.Fatalf("source %q", Source(c0))
	}
	if back["metadata"].(map[string]any)["x"].(float64) != 1 {
		t.Fatal("unknown metadata lost")
	}
}

func TestConvertOutputs(t *testing.T) {
	displays := map[string][]map[string]any{}
	ex := &client.Execution{Outputs: []client.Output{
		{MsgType: "stream", Content: map[string]any{"name": "stdout", "text": "a"}},
		{MsgType: "stream", Content: map[string]any{"name": "stdout", "text": "b\n"}},
		{MsgType: "display_data", Content: map[string]any{"data": map[string]any{"text/plain": "0%"}, "transient": map[string]any{"display_id": "p"}}},
		{MsgType: "update_display_data", Content: map[string]any{"data": map[string]any{"text/plain": "100%"}, "transient": map[string]any{"display_id": "p"}}},
		{MsgType: "error", Content: map[string]any{"ename": "panic", "evalue": "x", "traceback": []any{"panic: x"}}},
	}}
	outs := convert(ex, displays)
	if len(outs) != 3 {
		t.Fatalf("outputs %v", outs)
	}
	if outs[0].(map[string]any)["text"] != "ab\n" {
		t.Fatalf("streams not merged: %v", outs[0])
	}
	if outs[1].(map[string]any)["data"].(map[string]any)["text/plain"] != "100%" {
		t.Fatalf("display not updated: %v", outs[1])
	}
	// A later cell may update an earlier display; clear_output(wait) clears
	// when the next output comes.
	ex2 := &client.Execution{Outputs: []client.Output{
		{MsgType: "stream", Content: map[string]any{"name": "stdout", "text": "old"}},
		{MsgType: "clear_output", Content: map[string]any{"wait": true}},
		{MsgType: "update_display_data", Content: map[string]any{"data": map[string]any{"text/plain": "done"}, "transient": map[string]any{"display_id": "p"}}},
		{MsgType: "stream", Content: map[string]any{"name": "stdout", "text": "new"}},
	}}
	outs2 := convert(ex2, displays)
	if len(outs2) != 1 || !strings.Contains(outs2[0].(map[string]any)["text"].(string), "new") {
		t.Fatalf("after clear_output: %v", outs2)
	}
	if outs[1].(map[string]any)["data"].(map[string]any)["text/plain"] != "done" {
		t.Fatal("earlier cell's display not updated")
	}
}

func TestRaisesExceptionTag(t *testing.T) {
	yes := map[string]any{"metadata": map[string]any{"tags": []any{"x", "raises-exception"}}}
	no := map[string]any{"metadata": map[string]any{"tags": []any{"x"}}}
	if !hasTag(yes, "raises-exception") || hasTag(no, "raises-exception") || hasTag(map[string]any{}, "raises-exception") {
		t.Fatal("hasTag")
	}
}
