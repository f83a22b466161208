"""The verl generations loader used from a notebook, end to end.

    /usr/bin/python3 e2e/verl/notebook_check.py bin/rlvrworld

Exports text game rows (`rlvrworld data --format jsonl`), writes a dump shaped
like verl's validation generations (half truths, half garbage), and runs a
notebook through `rlvrworld run` (our kernel) that loads both, re-scores the
lines, summarises them and draws one in the state-diff viewer. It checks the
printed figures and that the diff comes out as the viewer's MIME type.
"""

import json
import os
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "bin/rlvrworld")

SOURCE = """import (
\t"fmt"
\t"rlvr/verl"
)
gens, err := verl.LoadGenerations(%(gens)s)
if err != nil { panic(err) }
rows, err := verl.LoadRows(%(rows)s)
if err != nil { panic(err) }
sc, _ := verl.NewScorer()
res := sc.Rescore(gens, rows)
sums := verl.Summarize(res)
fmt.Printf("n=%%d binary=%%.2f parse_error=%%.2f verl=%%.2f\\n", sums[0].N, sums[0].Mean["binary"], sums[0].Mean["parse_error"], sums[0].VerlScore)"""

DIFF = """d, _ := sc.Diff(&rows[0], gens[0].Output, "step 7")
d"""


def main():
    with tempfile.TemporaryDirectory() as tmp:
        rows_path = os.path.join(tmp, "tg.jsonl")
        subprocess.run([BIN, "data", "--task", "textgame", "--split", "val", "--n", "20", "--seed", "5", "--format", "jsonl",
                        "--out", rows_path], check=True)
        rows = [json.loads(l) for l in open(rows_path)]
        gens_path = os.path.join(tmp, "gens.jsonl")
        with open(gens_path, "w") as f:
            for i, r in enumerate(rows):
                out = r["reward_model"]["ground_truth"] if i % 2 == 0 else "no idea"
                text = "<|im_start|>user\n" + r["prompt"][1]["content"] + "<|im_end|>\n<|im_start|>assistant\n"
                f.write(json.dumps({"input": text, "output": out, "score": 0.25, "step": 7}) + "\n")
        nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "id": "load", "metadata": {}, "execution_count": None, "outputs": [],
             "source": SOURCE % {"gens": json.dumps(gens_path), "rows": json.dumps(rows_path)}},
            {"cell_type": "code", "id": "diff", "metadata": {}, "execution_count": None, "outputs": [], "source": DIFF},
        ]}
        nb_path = os.path.join(tmp, "verl.ipynb")
        json.dump(nb, open(nb_path, "w"))
        run = subprocess.run([BIN, "run", "--timeout", "120s", nb_path], check=False, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit("notebook_check: rlvrworld run failed (%d):\n%s" % (run.returncode, run.stderr[-3000:]))
        cells = json.load(open(nb_path))["cells"]
        text = "".join("".join(o.get("text", "")) for o in cells[0]["outputs"] if o["output_type"] == "stream")
        want = "n=20 binary=0.50 parse_error=0.50 verl=0.25"
        if want not in text:
            sys.exit("notebook_check: load cell printed %r, want %r" % (text, want))
        kinds = [list(o.get("data", {})) for o in cells[1]["outputs"] if o["output_type"] == "execute_result"]
        if not kinds or "application/vnd.rlvrworld.statediff+json" not in kinds[0]:
            sys.exit("notebook_check: the diff cell gave %r, not the state-diff viewer" % (cells[1]["outputs"],))
        print("notebook_check: generations loaded, re-scored and drawn in a notebook (%s)" % want)


if __name__ == "__main__":
    main()
