"""Answer equivalence with math-verify (or ToRA's ``math_equal``, ``tora.py``), in worker processes with a hard per-item timeout.

math-verify's own timeouts rely on SIGALRM (main thread only, and unable to stop C-level
big-integer arithmetic), so every comparison runs in a long-lived worker process
(``_verify_worker``) that imports sympy once; an item that overruns its timeout gets its worker
killed and reported as ``timeout``, and a fresh worker is started for the next item.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Iterable

from plait.core.errors import SandboxError
from plait.plugins.math._process import kill_process, read_chunk
from plait.plugins.math.answer import extract_answer

DEFAULT_TIMEOUT = 5.0
STARTUP_TIMEOUT = 120.0  # importing sympy on a busy 2-core machine can be slow


@dataclass
class CheckResult:
    equivalent: bool
    gold: str
    pred: str
    reason: str
    status: str = "ok"  # ok | timeout | error
    gold_answer: str = ""  # what extraction took from gold / pred
    pred_answer: str = ""
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The contract shape of ``plait math check --json``."""
        return {"equivalent": self.equivalent, "gold": self.gold, "pred": self.pred, "reason": self.reason}

    def as_dict(self) -> dict:
        return asdict(self)


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "plait.plugins.math._verify_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # so a kill reaches only this worker
        )
        self.buf = b""
        self.ready = False

    def fileno(self) -> int:
        assert self.proc.stdout is not None
        return self.proc.stdout.fileno()

    def read_line(self, deadline: float) -> dict | None:
        """One JSON line, or None when ``deadline`` passes first."""
        while b"\n" not in self.buf:
            chunk = read_chunk(self.fileno(), deadline)
            if chunk is None:
                return None
            if not chunk:
                raise SandboxError("math-verify worker exited unexpectedly; is math-verify installed?")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def wait_ready(self) -> None:
        if self.ready:
            return
        msg = self.read_line(time.monotonic() + STARTUP_TIMEOUT)
        if not msg or not msg.get("ready"):
            self.kill()
            raise SandboxError(f"math-verify worker did not start within {STARTUP_TIMEOUT:.0f} s")
        self.ready = True

    def send(self, req: dict) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(req) + "\n").encode())
        self.proc.stdin.flush()

    def kill(self) -> None:
        kill_process(self.proc)


CHECKERS = ("math-verify", "tora")


def _extract(text: str, style: str, checker: str) -> str:
    """What a checker compares: plait's extraction for math-verify, ToRA's (stripped) for tora."""
    if checker == "tora":
        from plait.plugins.math.tora import extract

        return extract(text)
    return extract_answer(text, style)


class CheckerPool:
    """``size`` checker workers; ``check_many`` spreads items over them.

    ``checker``: ``math-verify`` (default) or ``tora`` (ToRA's ``math_equal``, as InternLM-Math graded).
    """

    def __init__(self, size: int = 1, timeout: float = DEFAULT_TIMEOUT, checker: str = "math-verify"):
        if checker not in CHECKERS:
            from plait.core.errors import InputError

            raise InputError(f"unknown answer checker {checker!r}: choose one of {', '.join(CHECKERS)} (--checker NAME)")
        self.size = max(1, size)
        self.timeout = timeout
        self.checker = checker
        self.workers: list[_Worker | None] = [None] * self.size

    def __enter__(self) -> "CheckerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for i, w in enumerate(self.workers):
            if w is not None:
                w.kill()
                self.workers[i] = None

    def _worker(self, i: int) -> _Worker:
        w = self.workers[i]
        if w is None or w.proc.poll() is not None:
            w = self.workers[i] = _Worker()
        w.wait_ready()
        return w

    def check(self, gold: str, pred: str, *, style: str = "auto") -> CheckResult:
        return self.check_many([(gold, pred)], style=style)[0]

    def check_many(self, pairs: Iterable[tuple[str, str]], *, style: str = "auto") -> list[CheckResult]:
        pairs = list(pairs)
        results: list[CheckResult | None] = [None] * len(pairs)
        todo = list(range(len(pairs)))
        busy: dict[int, tuple[int, float]] = {}  # worker slot -> (item, deadline)
        while todo or busy:
            for slot in range(self.size):
                if slot not in busy and todo:
                    item = todo.pop(0)
                    g_raw, p_raw = pairs[item]
                    w = self._worker(slot)
                    if self.checker == "tora":  # the worker runs ToRA's own extraction on the raw text
                        w.send({"id": item, "gold": g_raw, "pred": p_raw, "checker": "tora"})
                    else:
                        w.send({"id": item, "gold": extract_answer(g_raw, style), "pred": extract_answer(p_raw, style)})
                    busy[slot] = (item, time.monotonic() + self.timeout)
            slot = min(busy, key=lambda s: busy[s][1])
            item, deadline = busy[slot]
            w = self.workers[slot]
            assert w is not None
            ready = [s for s in busy if self.workers[s] is not None and b"\n" in self.workers[s].buf]  # type: ignore[union-attr]
            if not ready:
                fds = {self.workers[s].fileno(): s for s in busy}  # type: ignore[union-attr]
                r, _, _ = select.select(list(fds), [], [], max(0.0, deadline - time.monotonic()))
                ready = [fds[f] for f in r]
            if not ready:  # the earliest deadline passed: kill that worker
                w.kill()
                self.workers[slot] = None
                del busy[slot]
                results[item] = self._timeout_result(*pairs[item], style)
                continue
            for s in ready:
                it, dl = busy[s]
                worker = self.workers[s]
                assert worker is not None
                try:
                    msg = worker.read_line(dl)
                except SandboxError as exc:
                    worker.kill()
                    self.workers[s] = None
                    del busy[s]
                    results[it] = self._result(pairs[it], style, {"equivalent": False, "reason": f"error: {exc}"}, "error")
                    continue
                if msg is None:
                    continue  # partial line; the deadline loop handles a stall
                del busy[s]
                status = "error" if str(msg.get("reason", "")).startswith("error") else "ok"
                results[it] = self._result(pairs[it], style, msg, status)
        return [r for r in results if r is not None]

    def _result(self, pair: tuple[str, str], style: str, msg: dict, status: str) -> CheckResult:
        g, p = pair
        return CheckResult(
            bool(msg.get("equivalent")), g, p, str(msg.get("reason", "")), status,
            _extract(g, style, self.checker), _extract(p, style, self.checker),
            {k: msg[k] for k in ("gold_parsed", "pred_parsed") if k in msg},
        )

    def _timeout_result(self, g: str, p: str, style: str) -> CheckResult:
        reason = (
            f"timeout: comparing the answers took longer than {self.timeout:g} s and the check was "
            f"stopped (raise the limit with --timeout if the answers are legitimately large)"
        )
        return CheckResult(False, g, p, reason, "timeout", _extract(g, style, self.checker), _extract(p, style, self.checker))


_POOLS: dict[str, CheckerPool] = {}
_POOL_LOCK = threading.Lock()  # agents may check answers from several threads (plait serve)


def shared_pool(timeout: float = DEFAULT_TIMEOUT, checker: str = "math-verify") -> CheckerPool:
    """A process-wide pool of one worker per checker (reused across calls, so sympy is imported once)."""
    pool = _POOLS.get(checker)
    if pool is None:
        import atexit

        pool = _POOLS[checker] = CheckerPool(1, timeout, checker)
        atexit.register(pool.close)
    pool.timeout = timeout
    return pool


def check_answer(gold: str, pred: str, *, timeout: float = DEFAULT_TIMEOUT, style: str = "auto",
                 checker: str = "math-verify") -> CheckResult:
    """Is ``pred`` the same answer as ``gold``? Extraction, then the checker (math-verify or tora) under a hard timeout."""
    with _POOL_LOCK:
        return shared_pool(timeout, checker).check(gold, pred, style=style)
