"""verl reward function for the rlvrworld text world-model tasks.

It sends each answer to a running verifier service (`rlvrworld verify
--serve`, one per node) and returns its score and metrics. The service runs
the very verifier code that rlvrworld's notebooks and `rlvrworld verify` use,
so the rewards of a verl run and of the playground agree.

Standard library only, so that it loads in any verl environment. Use it with

    reward.custom_reward_function.path=integrations/verl/rlvrworld_reward.py   (verl 0.7.1 and later)
    custom_reward_function.path=integrations/verl/rlvrworld_reward.py          (older verl)

and pass settings through reward_kwargs, for example
    +reward.custom_reward_function.reward_kwargs.verifier_url=http://127.0.0.1:8890

Settings (keyword arguments, all optional):
    verifier_url  base URL of the service (default $RLVRWORLD_VERIFIER_URL or
                  http://127.0.0.1:8890)
    timeout_s     seconds to wait for an answer (default 10)
    token         bearer token, when the service was started with --token
                  (default $RLVRWORLD_VERIFIER_TOKEN)

On a timeout, a refused connection or any error, the result is the data
source's usual keys with every value 0.0 (and the reason is printed once per
kind of error): verl takes the metric keys from the first sample of a batch,
so a failed call must never change the key set, and a broken verifier must
not stop a training run.
"""

import json
import os
import sys
import urllib.error
import urllib.request

__all__ = ["compute_score", "compute_score_batch", "METRIC_KEYS"]

# The fixed keys per data source, "score" first. They mirror
# stdlib/verl/score.go (metricKeys); the tests check both against the
# service's /health.
METRIC_KEYS = {
    "rlvrworld/textgame": ("score", "binary", "item_acc", "score_acc", "acc_changed", "changed", "parse_error"),
    "rlvrworld/web": ("score", "precision", "recall", "f1", "parse_error"),
}

DEFAULT_URL = "http://127.0.0.1:8890"
DEFAULT_TIMEOUT_S = 10.0

_reported = set()


def _report(kind, message):
    """Print an error once per kind, so a dead verifier does not flood logs."""
    if kind not in _reported:
        _reported.add(kind)
        print("rlvrworld_reward: %s (scoring 0.0 from now on while it lasts)" % message, file=sys.stderr)


def _zero(data_source):
    return {k: 0.0 for k in METRIC_KEYS.get(data_source, ("score",))}


def _clean(data_source, result):
    """The data source's keys as floats, taken from a service result."""
    out = _zero(data_source)
    if isinstance(result, dict):
        for k in out:
            v = result.get(k)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf"):
                out[k] = float(v)
    return out


def _extra_info(extra_info):
    """The row's extra_info as a JSON-ready dict (pyarrow may hand numpy ints;
    verl may add keys of its own, which the service does not need)."""
    if not isinstance(extra_info, dict):
        return {}
    out = {}
    for k in ("split", "index", "task", "payload"):
        v = extra_info.get(k)
        if v is None:
            continue
        if k == "index":
            try:
                out[k] = int(v)
            except (TypeError, ValueError):
                continue
        else:
            out[k] = str(v)
    return out


def _settings(kw):
    url = kw.get("verifier_url") or os.environ.get("RLVRWORLD_VERIFIER_URL") or DEFAULT_URL
    try:
        timeout = float(kw.get("timeout_s", DEFAULT_TIMEOUT_S))
    except (TypeError, ValueError):
        timeout = DEFAULT_TIMEOUT_S
    if not timeout > 0:
        timeout = DEFAULT_TIMEOUT_S
    token = kw.get("token") or os.environ.get("RLVRWORLD_VERIFIER_TOKEN") or ""
    return str(url).rstrip("/"), timeout, str(token)


def _post(url, body, timeout, token):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode("utf-8"))


def _request(data_source, solution_str, ground_truth, extra_info):
    return {
        "data_source": str(data_source),
        "solution_str": solution_str if isinstance(solution_str, str) else str(solution_str),
        "ground_truth": ground_truth if isinstance(ground_truth, str) else str(ground_truth),
        "extra_info": _extra_info(extra_info),
    }


def _error_kind(err):
    if isinstance(err, urllib.error.HTTPError):
        try:
            msg = json.loads(err.read().decode("utf-8")).get("error", "")
        except Exception:
            msg = ""
        return "http %d" % err.code, "verifier answered %d: %s" % (err.code, msg)
    return type(err).__name__, "verifier call failed: %s" % (err,)


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kw):
    """Score one answer; verl's naive and rate_limited reward managers call this.

    Returns a dict of floats with "score" and the data source's metric keys.
    """
    url, timeout, token = _settings(kw)
    try:
        result = _post(url + "/v1/score", _request(data_source, solution_str, ground_truth, extra_info), timeout, token)
    except Exception as err:  # noqa: BLE001 -- any failure scores 0.0, never stops training
        kind, msg = _error_kind(err)
        _report(kind, msg)
        return _zero(data_source)
    return _clean(data_source, result)


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kw):
    """Score many answers in one call; verl's batch reward manager calls this.

    Returns a list of dicts as compute_score does, one per answer, in order.
    """
    n = len(solution_strs)
    if extra_infos is None:
        extra_infos = [None] * n
    url, timeout, token = _settings(kw)
    try:
        items = [_request(data_sources[i], solution_strs[i], ground_truths[i], extra_infos[i]) for i in range(n)]
        results = _post(url + "/v1/score/batch", {"items": items}, timeout, token).get("results")
        if not isinstance(results, list) or len(results) != n:
            raise ValueError("batch answer has %s results for %d items" % (len(results) if isinstance(results, list) else "no", n))
    except Exception as err:  # noqa: BLE001
        kind, msg = _error_kind(err)
        _report(kind, msg)
        return [_zero(data_sources[i]) for i in range(n)]
    return [_clean(data_sources[i], results[i]) for i in range(n)]
