"""kill -9 in the middle of a run, then a rerun: exactly the rows of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import stub_env


def committed(log: Path) -> list[dict]:
    if not log.is_file():
        return []
    return [json.loads(line) for line in log.read_bytes().split(b"\n")[:-1] if line.strip()]


def wait_for(predicate, timeout: float = 300.0, proc=None, what=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the run exited early: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"the run did not reach the expected point within {timeout:g}s: {what()}")
        time.sleep(0.05)


def plait(args: list[str], env: dict[str, str], **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "plait", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kw)


def outputs(home: Path, pipeline: str, stage: str) -> list[dict]:
    from plait.pipeline.store import read_log

    return [row for _, row in read_log(home / "runs" / pipeline / stage / "log.jsonl").outputs()]


def kill_mid_run_then_rerun(tmp_path: Path, stub, extra_args: list[str]) -> None:
    """SIGKILL a run of ``demo`` (against the stub) with requests in flight, rerun it, and compare
    with an uninterrupted run on the local executor."""
    args = ["pipeline", "run", "demo", "--concurrency", "3", "--json", *extra_args]
    reference = plait(["pipeline", "run", "demo", "--json"], stub_env(stub, tmp_path / "ref"))
    out, err = reference.communicate(timeout=300)
    assert reference.returncode == 0, err.decode()
    stub.gate_after = stub.answered + 4  # answer four more requests (one Ray batch), then hold the rest

    home = tmp_path / "killed"
    log = home / "runs" / "demo" / "ask" / "log.jsonl"
    proc = plait(args, stub_env(stub, home))
    wait_for(lambda: len(committed(log)) >= 4 and stub.in_flight > 0, proc=proc,
             what=lambda: f"{len(committed(log))} rows committed, {stub.answered} answered, {stub.in_flight} in flight")
    os.kill(proc.pid, signal.SIGKILL)  # requests in flight, rows half done
    proc.wait()
    before = committed(log)
    assert 4 <= len(before) < 12
    stub.gate.set()

    rerun = plait(args, stub_env(stub, home))
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    summary = json.loads(out)
    assert summary["stages"][1]["skipped"] == len(before) and summary["errors"] == 0
    for stage in ("clean", "ask", "keep"):
        assert outputs(home, "demo", stage) == outputs(tmp_path / "ref", "demo", stage), stage
    done_ids = [r["in"] for r in committed(log) if r["status"] == "done"]
    assert sorted(done_ids) == sorted(set(done_ids)) and len(done_ids) == 12  # each row committed once


def test_sigkill_mid_run_then_rerun_equals_an_uninterrupted_run_local(tmp_path, model_stub):
    kill_mid_run_then_rerun(tmp_path, model_stub, ["--executor", "local"])
