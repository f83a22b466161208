#!/usr/bin/env python3
"""Joins two result files of `rlvrworld exp` from the same start model,
seed and data: the RLVR run (whose mle_continued row ran at the start
model's LR) and a `--skip-rlvr --mle-schedule S` run of the same seed. The
output is the RLVR run with its mle_continued row (and mle_converged, if
any) taken from the second run and mle_schedule set: what one run with
`--mle-schedule S` writes, since MLE continued depends only on the start
model, the schedule and the seed. Used for docs/results/clean/.

usage: merge-control.py RLVR.json CONTROL.json OUT.json
"""
import json, sys

rl, ctl, out = sys.argv[1:4]
a, b = json.load(open(rl)), json.load(open(ctl))
for k in ("task", "budget", "seed", "start_sha256"):
    if a.get(k) != b.get(k):
        sys.exit(f"{k} differs: {a.get(k)!r} vs {b.get(k)!r}")
if a.get("eval_split") != b.get("eval_split"):
    sys.exit("evaluation splits differ")
rows = {r["method"]: r for r in b["rows"]}
a["rows"] = [rows.get(r["method"], r) if r["method"] == "mle_continued" else r for r in a["rows"]]
if "mle_converged" in rows:
    a["rows"].insert(2, rows["mle_converged"])
if b.get("mle_schedule"):
    a["mle_schedule"] = b["mle_schedule"]
    a.pop("mle_continued_lr", None)
json.dump(a, open(out, "w"), indent=2)
open(out, "a").write("\n")
