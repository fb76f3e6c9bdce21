"""`plait synth mcts --executor ray` (marked ``ray``; needs a loopback-only network namespace, see conftest)."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

pytestmark = pytest.mark.ray

FILES = ("paths.jsonl", "tree.jsonl", "pairs.jsonl", "stats.jsonl", "summary.json")


def test_synth_mcts_gives_the_same_rows_under_local_and_ray(ray_session, tmp_path):
    from plait.plugins.mcts.cli import register

    app = typer.Typer()
    register(app)
    runner = CliRunner()
    outputs = {}
    for executor in ("local", "ray"):  # ray: the session's Ray instance (the executor joins it)
        out = tmp_path / executor
        res = runner.invoke(app, ["synth", "mcts", "--env", "chain", "--problems", "4", "--budget-tokens", "4000",
                                  "--seed", "5", "--executor", executor, "--out", str(out), "--json"])
        assert res.exit_code == 0, res.output
        outputs[executor] = json.loads(res.stdout)
        run = json.loads((out / "runs" / "mcts" / "run.json").read_text())
        assert run["executor"] == executor and run["stages"][0]["processed"] == 4
    assert outputs["ray"] == outputs["local"] and outputs["local"]["distinct_correct_paths"] > 0
    for name in FILES:
        assert (tmp_path / "ray" / name).read_text() == (tmp_path / "local" / name).read_text(), name
