"""Drives the comm protocol of a running rlvrworld kernel with Debian's
jupyter_client: comm_info, comm_open to a target a cell registered (and to
an unknown one), comm_msg both ways, a comm the kernel opens, a callback
that panics, one that loops until interrupted, and comm_close.

usage: /usr/bin/python3 check_comm.py CONNECTION_FILE
Prints "ok" and exits 0, or prints the failed checks and exits 1.
"""
import sys
import time

from jupyter_client import BlockingKernelClient

kc = BlockingKernelClient(connection_file=sys.argv[1])
kc.load_connection_file()
kc.start_channels()
kc.wait_for_ready(timeout=30)
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(code):
    outs = []
    reply = kc.execute_interactive(code, timeout=30, output_hook=outs.append)
    return reply["content"], outs


def value(code):
    content, outs = run(code)
    check(content["status"] == "ok", "cell %r runs: %s" % (code, content))
    for m in outs:
        if m["msg_type"] == "execute_result":
            return m["content"]["data"]["text/plain"]
    return None


def send_comm(msg_type, content):
    msg = kc.session.msg(msg_type, content)
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def iopub_until(parent_id, want, timeout=10):
    """Collects iopub messages of parent_id until want(msg) or idle."""
    got = []
    end = time.time() + timeout
    while time.time() < end:
        try:
            m = kc.get_iopub_msg(timeout=max(0.05, end - time.time()))
        except Exception:
            break
        if m["parent_header"].get("msg_id") != parent_id:
            continue
        got.append(m)
        if want(m):
            return got, True
    return got, False


def idle(m):
    return m["msg_type"] == "status" and m["content"]["execution_state"] == "idle"


def comm_info(target=None):
    content = {} if target is None else {"target_name": target}
    mid = send_comm("comm_info_request", content)
    while True:
        r = kc.get_shell_msg(timeout=10)
        if r["parent_header"].get("msg_id") == mid:
            return r["content"]


try:
    info = comm_info()
    check(info["status"] == "ok" and info["comms"] == {}, "comm_info is empty at start: %s" % info)

    # A cell registers a target; its callbacks touch cell variables.
    content, _ = run('''import "rlvr/comm"
import "fmt"
last := 0.0
closed := false
comm.RegisterTarget("echo", func(c *comm.Comm, open comm.Message) {
	c.Send(map[string]any{"opened": open.Data["hello"]}, nil)
	c.OnMsg(func(m comm.Message) {
		cmd, _ := m.Data["cmd"].(string)
		switch cmd {
		case "panic":
			panic("callback exploded")
		case "loop":
			for {
				last++
			}
		}
		last = m.Data["x"].(float64)
		fmt.Println("got", last)
		c.Send(map[string]any{"echo": m.Data["x"], "bufs": len(m.Buffers)}, [][]byte{[]byte("raw")})
	})
	c.OnClose(func(m comm.Message) { closed = true })
})''')
    check(content["status"] == "ok", "registering a target: %s" % content)

    # comm_open from the front end: the handler answers on the new comm.
    cid = "c0ffee" * 5 + "00"
    mid = send_comm("comm_open", {"comm_id": cid, "target_name": "echo", "data": {"hello": "world"}})
    got, ok = iopub_until(mid, idle)
    opened = [m for m in got if m["msg_type"] == "comm_msg"]
    check(ok and len(opened) == 1 and opened[0]["content"]["comm_id"] == cid
          and opened[0]["content"]["data"] == {"opened": "world"},
          "comm_open runs the target's handler, which sends on the comm: %s" % got)
    check([m["content"]["execution_state"] for m in got if m["msg_type"] == "status"] == ["busy", "idle"],
          "comm_open is bracketed by busy and idle")

    info = comm_info()
    check(info["comms"] == {cid: {"target_name": "echo"}}, "comm_info lists the open comm: %s" % info)
    check(comm_info("other")["comms"] == {}, "comm_info filters by target_name")
    check(comm_info("echo")["comms"] == {cid: {"target_name": "echo"}}, "comm_info of target echo")

    # comm_msg both ways, with a binary buffer back.
    msg = kc.session.msg("comm_msg", {"comm_id": cid, "data": {"x": 5}})
    kc.shell_channel.send(msg)
    got, ok = iopub_until(msg["header"]["msg_id"], idle)
    echo = [m for m in got if m["msg_type"] == "comm_msg"]
    stream = "".join(m["content"]["text"] for m in got if m["msg_type"] == "stream")
    check(ok and len(echo) == 1 and echo[0]["content"]["data"] == {"echo": 5, "bufs": 0},
          "comm_msg runs OnMsg, which answers: %s" % got)
    check(echo and [bytes(b) for b in echo[0].get("buffers", [])] == [b"raw"], "the answer carries its buffer")
    check(stream == "got 5\n", "a callback's print is a stream parented to the comm_msg: %r" % stream)
    check(value("last") == "5", "a later cell reads what the callback set")

    # A comm_open to a target nobody registered is closed at once.
    mid = send_comm("comm_open", {"comm_id": "dead" * 8, "target_name": "nobody", "data": {}})
    got, ok = iopub_until(mid, idle)
    check(any(m["msg_type"] == "comm_close" and m["content"]["comm_id"] == "dead" * 8 for m in got),
          "a comm_open to an unknown target is answered with comm_close: %s" % got)

    # The kernel opens a comm; the front end's messages reach its OnMsg.
    content, outs = run('''got2 := ""
k := comm.Open("client.target", comm.Message{Data: map[string]any{"a": 1}})
k.OnMsg(func(m comm.Message) { got2 = m.Data["y"].(string) })
k.ID()''')
    opens = [m for m in outs if m["msg_type"] == "comm_open"]
    check(len(opens) == 1 and opens[0]["content"]["target_name"] == "client.target"
          and opens[0]["content"]["data"] == {"a": 1}, "comm.Open publishes comm_open: %s" % outs)
    if opens:
        kid = opens[0]["content"]["comm_id"]
        mid = send_comm("comm_msg", {"comm_id": kid, "data": {"y": "from the front end"}})
        iopub_until(mid, idle)
        check(value("got2") == '"from the front end"' or value("got2") == "from the front end",
              "the kernel's comm receives the front end's message")

    # A panicking callback reports on stderr; the kernel lives on.
    mid = send_comm("comm_msg", {"comm_id": cid, "data": {"cmd": "panic"}})
    got, ok = iopub_until(mid, idle)
    err = "".join(m["content"]["text"] for m in got if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
    check(ok and "callback exploded" in err, "a panic in a callback is reported as stderr: %s" % got)
    check(value("1+1") == "2", "the kernel runs cells after a callback panicked")

    # comm_close from the front end runs OnClose and forgets the comm.
    mid = send_comm("comm_close", {"comm_id": cid, "data": {}})
    iopub_until(mid, idle)
    check(value("closed") == "true", "comm_close runs OnClose")
    check(cid not in comm_info()["comms"], "a closed comm leaves comm_info")
    # A looping callback is interrupted by interrupt_request.
    # (Last: after an interrupt, yaegi no longer runs closures that were
    # made inside a function before it, such as the handler's OnMsg.)
    cid2 = "beef" * 8
    mid = send_comm("comm_open", {"comm_id": cid2, "target_name": "echo", "data": {}})
    iopub_until(mid, idle)
    mid = send_comm("comm_msg", {"comm_id": cid2, "data": {"cmd": "loop"}})
    time.sleep(0.5)
    t0 = time.time()
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    got, ok = iopub_until(mid, idle, timeout=10)
    took = time.time() - t0
    err = "".join(m["content"]["text"] for m in got if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
    check(ok and "Interrupted" in err and took < 5, "an interrupt stops a looping callback (%.2fs): %s" % (took, got))
    check(value("last > 5") == "true", "the loop ran before the interrupt")

finally:
    kc.stop_channels()

if fails:
    sys.exit(1)
print("ok")
