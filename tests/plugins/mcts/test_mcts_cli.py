"""`plait synth mcts` end to end, through the installed `plait` entry (plugin loading and the chain model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from plait import write_jsonl
from plait.plugins.mcts.chain import make_problems

KEYS = ["method", "problems", "generated_tokens", "correct_paths", "distinct_correct_paths", "problems_solved",
        "correct_paths_per_1k_tokens"]


def _plait(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PLAIT_HOME": str(tmp_path / "home")}
    return subprocess.run([sys.executable, "-m", "plait", "synth", "mcts", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_synth_mcts_json_keys_and_the_four_row_files(tmp_path):
    out = tmp_path / "out"
    res = _plait(tmp_path, "--env", "chain", "--problems", "6", "--budget-tokens", "15000", "--out", str(out), "--json")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert list(summary) == KEYS and summary["method"] == "mcts" and summary["problems"] == 6
    assert summary == json.loads((out / "summary.json").read_text())
    stats, paths, tree = _rows(out / "stats.jsonl"), _rows(out / "paths.jsonl"), _rows(out / "tree.jsonl")
    pairs = _rows(out / "pairs.jsonl")
    assert len(stats) == 6 and sum(s["generated_tokens"] for s in stats) == summary["generated_tokens"]
    assert len(paths) == summary["distinct_correct_paths"] > 0
    assert len({(p["problem_id"], tuple(p["steps"])) for p in paths}) == len(paths)  # distinct
    assert paths[0]["messages"][1]["content"] == paths[0]["solution"]
    assert {"N", "W", "Q", "tokens", "visits", "parent"} <= set(tree[0]) and pairs
    assert {"prompt", "chosen", "rejected"} <= set(pairs[0])


def test_data_file_and_env_give_the_same_run_and_reruns_are_identical(tmp_path):
    data = tmp_path / "problems.jsonl"
    write_jsonl(data, [{k: p[k] for k in ("id", "question", "answer")} for p in make_problems(4, seed=3)])
    a, b = tmp_path / "a", tmp_path / "b"
    common = ["--budget-tokens", "3000", "--method", "rejection", "--seed", "3"]
    assert _plait(tmp_path, "--data", str(data), "--model", "chain/20", "--out", str(a), *common).returncode == 0
    assert _plait(tmp_path, "--env", "chain", "--problems", "4", "--out", str(b), *common).returncode == 0
    for name in ("paths.jsonl", "tree.jsonl", "stats.jsonl", "summary.json"):
        assert (a / name).read_text() == (b / name).read_text(), name


def test_bad_inputs_are_refused_with_the_fix(tmp_path):
    data = tmp_path / "dup.jsonl"
    write_jsonl(data, [{"id": "x", "question": "q", "answer": "1"}, {"id": "x", "question": "q", "answer": "2"}])
    res = _plait(tmp_path, "--data", str(data), "--out", str(tmp_path / "o"), "--budget-tokens", "10")
    assert res.returncode == 1 and "appears twice" in res.stderr
    res = _plait(tmp_path, "--env", "chain", "--out", str(tmp_path / "o"), "--budget-tokens", "10", "--executor", "spark")
    assert res.returncode == 1 and "use local or ray" in res.stderr
    res = _plait(tmp_path, "--out", str(tmp_path / "o"), "--budget-tokens", "10")
    assert res.returncode == 1 and "--env chain" in res.stderr


def test_the_issue_spelling_scripted_chain_names_the_chain_policy():
    from plait.core.config import load_settings
    from plait.core.models import get_chat_model

    settings = load_settings()
    assert get_chat_model("scripted/chain", settings).step_tokens == 20
    assert get_chat_model("scripted/chain/30", settings).step_tokens == 30
    assert type(get_chat_model("scripted/chain", settings)) is type(get_chat_model("chain/20", settings))


def test_the_engine_run_writes_exactly_the_rows_of_the_in_process_search(tmp_path):
    """The command runs the `mcts` pipeline; its files equal those of run_search in this process."""
    from plait.plugins.mcts.chain import ChainPolicy
    from plait.plugins.mcts.outputs import collect, summary, write_outputs
    from plait.plugins.mcts.search import SearchConfig, run_search

    out = tmp_path / "engine"
    res = _plait(tmp_path, "--env", "chain", "--problems", "5", "--budget-tokens", "6000", "--seed", "7",
                 "--out", str(out), "--json")
    assert res.returncode == 0, res.stderr
    assert (out / "runs" / "mcts" / "search" / "log.jsonl").is_file()  # the engine's run store
    searches = run_search(make_problems(5, seed=7), ChainPolicy(), 6000, SearchConfig(seed=7))
    write_outputs(tmp_path / "direct", collect(searches), summary("mcts", searches))
    for name in ("paths.jsonl", "tree.jsonl", "pairs.jsonl", "stats.jsonl", "summary.json"):
        assert (out / name).read_text() == (tmp_path / "direct" / name).read_text(), name
    assert json.loads(res.stdout) == summary("mcts", searches)


def test_a_rerun_into_the_same_out_resumes_and_other_options_are_refused(tmp_path):
    out = tmp_path / "out"
    args = ["--env", "chain", "--problems", "3", "--budget-tokens", "2000", "--out", str(out), "--json"]
    first = _plait(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    log = (out / "runs" / "mcts" / "search" / "log.jsonl").read_text()
    again = _plait(tmp_path, *args)
    assert again.returncode == 0 and again.stdout == first.stdout
    assert (out / "runs" / "mcts" / "search" / "log.jsonl").read_text() == log  # nothing searched again
    other = _plait(tmp_path, *args[:-3], "--seed", "1", "--out", str(out))
    assert other.returncode == 1 and "other options" in other.stderr and "seed 0 -> 1" in other.stderr
