#!/usr/bin/env bash
# End-to-end tests of the Go kernel with real Jupyter tools (Debian's
# nbconvert and jupyter_client) and of `rlvrworld run`.
# usage: kernel/testdata/e2e.sh BIN
set -euo pipefail
bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3   # Debian's Jupyter packages live here, not in the python3 first on PATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" kernel install --prefix "$tmp/prefix"
export JUPYTER_PATH="$tmp/prefix/share/jupyter"
specs=$(jupyter kernelspec list)
grep -q '^ *rlvrworld ' <<<"$specs" || { echo "kernelspec rlvrworld not listed:"; echo "$specs"; exit 1; }

echo "== nbconvert --execute"
jupyter nbconvert --to notebook --execute --allow-errors --ExecutePreprocessor.kernel_name=rlvrworld \
  --ExecutePreprocessor.timeout=120 --output-dir "$tmp" --output nbconvert.ipynb "$here/e2e.ipynb"
$py "$here/check_notebook.py" "$tmp/nbconvert.ipynb"

echo "== rlvrworld run"
if "$bin" run -q --allow-errors "$here/e2e.ipynb" -o "$tmp/run.ipynb" 2>"$tmp/run.err"; then
  echo "rlvrworld run exited 0 on a notebook with an error cell"; exit 1
fi
grep -q "cell 4 failed" "$tmp/run.err" || { echo "rlvrworld run did not name the failing cell:"; cat "$tmp/run.err"; exit 1; }
$py "$here/check_notebook.py" "$tmp/run.ipynb"
# With the error cell tagged raises-exception, the run succeeds.
$py - "$here/e2e.ipynb" "$tmp/tagged.ipynb" <<'PY'
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
for c in nb.cells:
    if c.get("metadata", {}).get("tags", [None])[0] == "error":
        c.metadata.tags.append("raises-exception")
nbformat.write(nb, sys.argv[2])
PY
"$bin" run -q "$tmp/tagged.ipynb" 2>"$tmp/run2.err" || { echo "rlvrworld run failed on a raises-exception cell:"; cat "$tmp/run2.err"; exit 1; }
$py "$here/check_notebook.py" "$tmp/tagged.ipynb"

echo "== jupyter_client: interrupt, stdin, restart"
$py "$here/check_client.py"
echo "== jupyter_client: issue 24 (language, output, run all, crashes)"
$py "$here/check_language.py"
echo "== bench kernel (short)"
"$bin" bench kernel -n 20 -warmup 5 >"$tmp/bench.json"
$py - "$tmp/bench.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["rlvrworld"]["n"] == 20 and r["rlvrworld"]["median_ms"] > 0, r
assert r.get("ipykernel", {}).get("median_ms", 0) > 0, "ipykernel not measured: %s" % r.get("ipykernel_error")
print("bench kernel: rlvrworld median %.3f ms, ipykernel %.3f ms" % (r["rlvrworld"]["median_ms"], r["ipykernel"]["median_ms"]))
PY
echo "kernel e2e: all passed"
