"""Tests of rlvrworld_reward.py against a real `rlvrworld verify --serve`.

Run with Debian's interpreter (standard library only):

    RLVRWORLD_BIN=bin/rlvrworld /usr/bin/python3 -m unittest integrations/verl/test_rlvrworld_reward.py

The test starts the service on a free loopback port, exports test rows with
`rlvrworld data --format jsonl`, and stops the service again at the end.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rlvrworld_reward as rr  # noqa: E402

BIN = os.environ.get("RLVRWORLD_BIN", "bin/rlvrworld")
TOKEN = "s3cret-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_health(url, proc, deadline_s=20.0):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("rlvrworld verify --serve exited with %s" % proc.returncode)
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as r:
                return json.loads(r.read())
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("service did not come up within %ss" % deadline_s)


def export_rows(task, n):
    out = subprocess.run([BIN, "data", "--task", task, "--split", "test", "--n", str(n), "--seed", "3", "--format", "jsonl"],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


class ServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.url = "http://127.0.0.1:%d" % cls.port
        cls.proc = subprocess.Popen([BIN, "verify", "--serve", "--addr", "127.0.0.1:%d" % cls.port, "--token", TOKEN],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        cls.health = wait_health(cls.url, cls.proc)
        cls.rows = export_rows("textgame", 40) + export_rows("web", 40)
        cls.kw = {"verifier_url": cls.url, "timeout_s": 5, "token": TOKEN}

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        cls.proc.stderr.close()

    def score(self, row, answer, **kw):
        args = dict(self.kw)
        args.update(kw)
        return rr.compute_score(row["data_source"], answer, row["reward_model"]["ground_truth"], row["extra_info"], **args)

    def assert_keys(self, row, res):
        self.assertEqual(tuple(res.keys()), rr.METRIC_KEYS[row["data_source"]])
        for v in res.values():
            self.assertIs(type(v), float)

    def test_keys_agree_with_service(self):
        self.assertEqual(self.health["status"], "ok")
        self.assertEqual({k: tuple(v) for k, v in self.health["metric_keys"].items()}, rr.METRIC_KEYS)

    def test_truth_scores_max(self):
        changed = 0
        for row in self.rows:
            res = self.score(row, row["reward_model"]["ground_truth"])
            self.assert_keys(row, res)
            self.assertEqual(res["parse_error"], 0.0)
            if row["data_source"] == "rlvrworld/textgame":
                # The task-specific reward's maximum: 0.3, plus 1 for the
                # changed properties when something changed.
                self.assertEqual(res["binary"], 1.0)
                self.assertAlmostEqual(res["score"], 0.3 + res["changed"], places=9)
                changed += res["changed"]
            else:
                self.assertEqual((res["f1"], res["score"]), (1.0, 1.0))
        self.assertGreater(changed, 0)

    def test_garbage_scores_zero(self):
        for row in self.rows:
            for answer in ("", "no idea", "{\"modified\": 7}", "\x00\xff" * 10):
                res = self.score(row, answer)
                self.assert_keys(row, res)
                self.assertEqual(res["score"], 0.0, (answer, res))

    def test_batch_matches_single(self):
        rows = self.rows[::5]
        answers = [r["reward_model"]["ground_truth"] if i % 2 == 0 else "garbage" for i, r in enumerate(rows)]
        batch = rr.compute_score_batch([r["data_source"] for r in rows], answers,
                                       [r["reward_model"]["ground_truth"] for r in rows],
                                       [r["extra_info"] for r in rows], **self.kw)
        self.assertEqual(len(batch), len(rows))
        for row, ans, res in zip(rows, answers, batch):
            self.assert_keys(row, res)
            self.assertEqual(res, self.score(row, ans))

    def test_wrong_token_scores_zero(self):
        row = self.rows[0]
        res = self.score(row, row["reward_model"]["ground_truth"], token="wrong")
        self.assert_keys(row, res)
        self.assertEqual(res["score"], 0.0)

    def test_malformed_requests_get_4xx(self):
        def post(path, body, token=TOKEN):
            req = urllib.request.Request(self.url + path, data=body, method="POST",
                                         headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=5) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read())
        for body in (b"{bad", b"[]", b'{"data_source":"gsm8k","solution_str":"","ground_truth":"","extra_info":{}}',
                     b'{"data_source":"rlvrworld/web","solution_str":"x","ground_truth":"x"}',
                     json.dumps({"data_source": "rlvrworld/web", "solution_str": "x", "ground_truth": "x",
                                 "extra_info": {"payload": "{\"id\":1}"}}).encode()):
            code, ans = post("/v1/score", body)
            self.assertTrue(400 <= code < 500, (body, code))
            self.assertTrue(ans["error"], body)
        code, _ = post("/v1/score", b"{" + b" " * (9 << 20) + b"}")
        self.assertEqual(code, 413)
        code, _ = post("/v1/score", b"{}", token="nope")
        self.assertEqual(code, 401)


class DeadServiceTest(unittest.TestCase):
    def test_stopped_server_scores_zero_within_timeout(self):
        port = free_port()
        url = "http://127.0.0.1:%d" % port
        proc = subprocess.Popen([BIN, "verify", "--serve", "--addr", "127.0.0.1:%d" % port],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_health(url, proc)
            row = export_rows("web", 1)[0]
            args = (row["data_source"], row["reward_model"]["ground_truth"], row["reward_model"]["ground_truth"], row["extra_info"])
            self.assertEqual(rr.compute_score(*args, verifier_url=url)["score"], 1.0)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        t0 = time.monotonic()
        res = rr.compute_score(*args, verifier_url=url, timeout_s=2)
        self.assertLess(time.monotonic() - t0, 2.5)
        self.assertEqual(res, {k: 0.0 for k in rr.METRIC_KEYS["rlvrworld/web"]})
        batch = rr.compute_score_batch([row["data_source"]] * 3, ["x"] * 3, [args[2]] * 3, [row["extra_info"]] * 3,
                                       verifier_url=url, timeout_s=2)
        self.assertEqual(batch, [res] * 3)

    def test_hung_server_times_out(self):
        # A listener that never accepts: the connection is made by the
        # kernel's backlog, and the answer never comes.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(16)
            url = "http://127.0.0.1:%d" % s.getsockname()[1]
            t0 = time.monotonic()
            res = rr.compute_score("rlvrworld/textgame", "{}", "{}", {"payload": "{}"}, verifier_url=url, timeout_s=1)
            elapsed = time.monotonic() - t0
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 2.0)
        self.assertEqual(res, {k: 0.0 for k in rr.METRIC_KEYS["rlvrworld/textgame"]})

    def test_odd_extra_info_is_not_an_exception(self):
        odd = {"index": "not a number", "payload": 7, "num_turns": 3}
        self.assertEqual(rr.compute_score_batch(["rlvrworld/web"], ["x"], ["x"], [odd], verifier_url="http://127.0.0.1:1"),
                         [{k: 0.0 for k in rr.METRIC_KEYS["rlvrworld/web"]}])
        self.assertEqual(rr._extra_info(odd), {"payload": "7"})

    def test_unknown_source_and_odd_arguments(self):
        res = rr.compute_score("gsm8k", 42, None, None, verifier_url="http://127.0.0.1:1", timeout_s="bad")
        self.assertEqual(res, {"score": 0.0})


if __name__ == "__main__":
    unittest.main()
