"""Drives the installed rlvrworld kernelspec with Debian's jupyter_client:
interrupt (message and SIGINT), restart, stdin, and the info requests.

usage: JUPYTER_PATH=PREFIX/share/jupyter /usr/bin/python3 check_client.py
"""
import os
import signal
import sys
import threading
import time

from jupyter_client.manager import start_new_kernel

km, kc = start_new_kernel(kernel_name="rlvrworld", startup_timeout=60)
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)


def run(code, timeout=30, stdin=None):
    outs = []
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=outs.append,
                                   allow_stdin=stdin is not None,
                                   stdin_hook=stdin)
    return reply["content"], outs


def value(outs):
    for m in outs:
        if m["msg_type"] == "execute_result":
            return m["content"]["data"]["text/plain"]
    return None


try:
    info = kc.kernel_info(reply=True)["content"]
    check(info["language_info"]["name"] == "go", "kernel_info language go")
    check(info.get("rlvrworld", {}).get("backend"), "kernel_info reports a backend")

    run("n := 0")
    for how in ("message", "SIGINT"):
        result = {}

        def loop():
            result["reply"], result["outs"] = run("for {\n\tn++\n}", timeout=60)

        t = threading.Thread(target=loop)
        t.start()
        time.sleep(0.5)
        t0 = time.time()
        if how == "message":
            km.interrupt_kernel()
        else:
            os.kill(km.provisioner.process.pid, signal.SIGINT)
        t.join(10)
        took = time.time() - t0
        check(not t.is_alive(), "interrupt (%s) stops a runaway loop" % how)
        if t.is_alive():
            break
        check(took < 1.0, "interrupt (%s) within 1 s (took %.2f s)" % (how, took))
        check(result["reply"]["status"] == "error", "interrupted cell ends in error (%s)" % how)
        _, outs = run("n > 0")
        check(value(outs) == "true", "state kept after interrupt (%s)" % how)

    # stdin: fmt.Scanln and display.Input both reach the front end.
    def answer(msg):
        kc.input("forty-two")

    _, outs = run('import (\n"fmt"\n"rlvr/display"\n)\nvar s string\nfmt.Scanln(&s)\ns', stdin=answer)
    check(value(outs) == "forty-two", "fmt.Scanln reads input_reply: %r" % value(outs))
    _, outs = run('v, err := display.Input("name? ")\nv + fmt.Sprint(err)', stdin=answer)
    check(value(outs) == "forty-two<nil>", "display.Input reads input_reply: %r" % value(outs))

    for req in ("comm_info", "history"):
        r = getattr(kc, req)(reply=True, timeout=10)
        check(r["content"]["status"] == "ok", req + " reply ok")
    r = kc.complete("fmt.Sprin", reply=True, timeout=10)
    check("Sprintf" in r["content"]["matches"], "complete fmt.Sprin")
    mid = kc.is_complete("func f() {")
    r = kc.get_shell_msg(timeout=10)
    check(r["parent_header"]["msg_id"] == mid, "is_complete reply parent")
    check(r["content"]["status"] == "incomplete", "is_complete incomplete")

    # Restart: a fresh process, the old state is gone, the new one works.
    old_pid = km.provisioner.process.pid
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=60)
    check(km.provisioner.process.pid != old_pid, "restart starts a new process")
    reply, outs = run("n")
    check(reply["status"] == "error", "state gone after restart")
    _, outs = run("1+1")
    check(value(outs) == "2", "kernel works after restart")
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    del kc, km  # before interpreter exit, where jupyter_client's __del__ logs noise

if fails:
    print("check_client: FAILED:\n  " + "\n  ".join(fails))
    sys.exit(1)
print("check_client: interrupt (message, SIGINT), stdin, info requests, restart ok")
