"""``plait eval rasch`` end to end on the shipped illustrative table and on bad input."""

import json
from pathlib import Path

import pytest

import plait.plugins.evaluation as evaluation

TABLE = Path(evaluation.__file__).parent / "data" / "illustrative_results.csv"


def test_rasch_json_on_the_shipped_table_flags_the_difficulty_invariant_model(plait_cli):
    res = plait_cli("eval", "rasch", str(TABLE), "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["mode"] == "anchored" and data["difficulty_source"] == "human"
    assert set(data["models"]) == {f"model-{c}" for c in "ABCDEF"} and len(data["items"]) == 30
    for m in data["models"].values():
        assert {"ability", "se", "infit", "outfit", "difficulty_slope", "flags"} <= set(m)
    for i in data["items"].values():
        assert {"difficulty", "se", "infit", "outfit"} <= set(i)
    assert "difficulty_invariant" in data["models"]["model-F"]["flags"]
    assert all("difficulty_invariant" not in data["models"][f"model-{c}"]["flags"] for c in "ABCDE")
    abilities = [data["models"][f"model-{c}"]["ability"] for c in "ABCDE"]
    assert abilities == sorted(abilities, reverse=True)  # simulated in this order


def test_rasch_writes_the_three_plots(plait_cli, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "plots"
    res = plait_cli("eval", "rasch", str(TABLE), "--mode", "free", "--difficulty", "fit", "--plots", str(out))
    assert res.exit_code == 0, res.output
    for name in ("wright_map.png", "accuracy_by_difficulty.png", "item_fit.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "difficulty_invariant" in res.stdout


def test_rasch_refuses_missing_columns_and_non_integer_scores(plait_cli, tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("model,item,score\na,q1,1\n")
    res = plait_cli("eval", "rasch", str(bad))
    assert res.exit_code == 1 and "max_score" in res.stderr
    bad.write_text("model,item,score,max_score\na,q1,0.5,1\n")
    res = plait_cli("eval", "rasch", str(bad))
    assert res.exit_code == 1 and "r.csv:row 2" in res.stderr and "whole number" in res.stderr
    rows = tmp_path / "r.jsonl"
    rows.write_text(json.dumps({"model": "a", "item": "q1", "score": 1, "max_score": 1}) + "\n")
    res = plait_cli("eval", "rasch", str(rows), "--mode", "anchored")
    assert res.exit_code == 1 and "--difficulty human" in res.stderr
    res = plait_cli("eval", "rasch", str(rows), "--difficulty", "reasoning")
    assert res.exit_code == 1 and "reasoning_tokens" in res.stderr
