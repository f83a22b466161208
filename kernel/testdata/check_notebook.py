"""Checks the outputs of e2e.ipynb after execution (by nbconvert or rlvrworld run).

usage: /usr/bin/python3 check_notebook.py EXECUTED.ipynb
Run with Debian's python3 (it has nbformat); exits non-zero with a message on failure.
"""
import base64
import sys

import nbformat

nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
cells = {c.metadata["tags"][0]: c for c in nb.cells if c.cell_type == "code"}
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)


def outs(tag, kind):
    return [o for o in cells[tag].outputs if o.output_type == kind]


check([o.text for o in outs("print", "stream")] == ["hello from Go\n"], "print: stdout stream")
res = outs("value", "execute_result")
check(len(res) == 1 and res[0].data["text/plain"] == "42", "value: execute_result 42")
check(cells["value"].execution_count == 2, "value: execution_count 2")
err = outs("error", "error")
check(len(err) == 1 and err[0].ename == "panic" and "out of range" in err[0].evalue and "cell:3:" in err[0].evalue,
      "error: panic with cell line 3: %r" % [dict(e) for e in err])
check(any("before the panic" in o.text for o in outs("error", "stream")), "error: output before the panic kept")
html = outs("html", "display_data")
check(len(html) == 1 and html[0].data.get("text/html") == "<b>bold</b>", "html: display_data text/html")
png = outs("png", "display_data")
ok = len(png) == 1 and "image/png" in png[0].data
if ok:
    raw = base64.b64decode(png[0].data["image/png"])
    ok = raw[:8] == b"\x89PNG\r\n\x1a\n"
check(ok, "png: display_data with a real PNG")
check([o.text for o in outs("reuse", "stream")] == ["answer is 42\n"], "reuse: earlier variable printed")
res = outs("reuse", "execute_result")
check(len(res) == 1 and res[0].data["text/plain"] == "43", "reuse: value 43")

if fails:
    print("check_notebook: FAILED:\n  " + "\n  ".join(fails))
    sys.exit(1)
print("check_notebook: %s ok (%d code cells)" % (sys.argv[1], len(cells)))
