"""`plait synth mcts` on the engine: kill -9 mid-search, rerun, and the files of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal

from plait import write_jsonl

from .conftest import stub_env
from .test_kill import committed, plait, wait_for

FILES = ("paths.jsonl", "tree.jsonl", "pairs.jsonl", "stats.jsonl", "summary.json")


def test_sigkill_mid_search_then_rerun_writes_the_files_of_an_uninterrupted_run(tmp_path, model_stub):
    data = tmp_path / "problems.jsonl"
    write_jsonl(data, [{"id": "a", "question": "1 + 1?", "answer": "2"}, {"id": "b", "question": "2 + 3?", "answer": "5"}])
    # the stub answers 3 tokens per rollout: 10 rollouts over the two problems
    args = ["synth", "mcts", "--data", str(data), "--budget-tokens", "30", "--json"]
    ref = plait([*args, "--out", str(tmp_path / "ref")], stub_env(model_stub, tmp_path / "home"))
    out, err = ref.communicate(timeout=300)
    assert ref.returncode == 0, err.decode()
    assert json.loads(out)["generated_tokens"] == 30

    model_stub.gate_after = model_stub.answered + 3  # three rollouts, then hold the fourth at the gate
    killed = tmp_path / "killed"
    log = killed / "runs" / "mcts" / "search" / "log.jsonl"
    proc = plait([*args, "--out", str(killed)], stub_env(model_stub, tmp_path / "home"))
    wait_for(lambda: model_stub.answered >= model_stub.gate_after and model_stub.in_flight > 0, proc=proc,
             what=lambda: f"{model_stub.answered} answered, {model_stub.in_flight} in flight")
    os.kill(proc.pid, signal.SIGKILL)  # mid-search: a request in flight, nothing committed
    proc.wait()
    assert not [r for r in committed(log) if r.get("status") == "done"]
    assert not (killed / "summary.json").exists()
    model_stub.gate.set()

    rerun = plait([*args, "--out", str(killed)], stub_env(model_stub, tmp_path / "home"))
    out2, err2 = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err2.decode()
    assert out2 == out
    for name in FILES:
        assert (killed / name).read_text() == (tmp_path / "ref" / name).read_text(), name
    done = [r["in"] for r in committed(log) if r["status"] == "done"]
    assert sorted(done) == ["a", "b"]  # each problem committed once

    answered = model_stub.answered
    again = plait([*args, "--out", str(killed)], stub_env(model_stub, tmp_path / "home"))
    assert again.communicate(timeout=300)[0] == out and again.returncode == 0
    assert model_stub.answered == answered  # a finished run is not searched again
