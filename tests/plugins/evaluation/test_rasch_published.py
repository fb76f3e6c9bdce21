"""``plait eval rasch`` on published per-item results of real models (GAOKAO-Eval, 2024 Gaokao math).

The table is typed in from open-compass/GAOKAO-Eval (source in its header). These tests check the
typing against the totals the source publishes, then run the command as a user would.
"""

import csv
import json
from pathlib import Path

import matplotlib.image
import numpy as np

import plait.plugins.evaluation as evaluation

TABLE = Path(evaluation.__file__).parent / "data" / "gaokao2024_math_xkb1.csv"
# the 总分 column of the source's per-question math table (New Curriculum paper I, 150 points)
PUBLISHED_TOTALS = {"InternLM2-WQX-20B": 74, "GPT-4o": 73, "Qwen2-72B-Instruct": 68, "Qwen2-57B-A14B-Instruct": 58,
                    "GLM-4-9B-Chat": 48, "Yi-1.5-34B-Chat": 31, "Mixtral-8x22B-Instruct": 21}
POINTS_OF_RIGHT_WRONG_ITEM = 5  # single choice and fill-in are all-or-nothing 5-point questions


def _rows():
    with TABLE.open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def test_the_typed_in_table_adds_up_to_the_published_totals():
    rows = _rows()
    totals: dict[str, int] = {}
    paper_points: dict[str, int] = {}
    for r in rows:
        weight = POINTS_OF_RIGHT_WRONG_ITEM if r["max_score"] == "1" else 1
        totals[r["model"]] = totals.get(r["model"], 0) + weight * int(r["score"])
        paper_points[r["item"]] = weight * int(r["max_score"])
    assert totals == PUBLISHED_TOTALS
    assert len(paper_points) == 19 and sum(paper_points.values()) == 150
    assert len(rows) == 7 * 19  # every model answered every question


def test_rasch_on_real_models_orders_them_by_score_and_flags_mixtral(plait_cli, tmp_path):
    plots = tmp_path / "plots"
    res = plait_cli("eval", "rasch", str(TABLE), "--json", "--plots", str(plots))
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["mode"] == "free" and data["difficulty_source"] == "fit"  # no human rates published
    models = data["models"]
    assert set(models) == set(PUBLISHED_TOTALS) and len(data["items"]) == 19
    # complete data: the raw score is sufficient for the ability, so the order must follow it strictly
    by_score = sorted(models, key=lambda m: models[m]["score"])
    abilities = [models[m]["ability"] for m in by_score]
    assert abilities == sorted(abilities) and len(set(abilities)) == len(abilities)
    assert all(0 < m["se"] < 1 for m in models.values())
    # Mixtral scores 11 of its 21 points on worked solutions while missing most easy choice items
    slopes = {m: v["difficulty_slope"] for m, v in models.items()}
    assert max(slopes, key=slopes.get) == "Mixtral-8x22B-Instruct"
    assert {"difficulty_invariant", "underfit"} <= set(models["Mixtral-8x22B-Instruct"]["flags"])
    assert [m for m, v in models.items() if "difficulty_invariant" in v["flags"]] == ["Mixtral-8x22B-Instruct"]
    assert "extreme_score" in data["items"]["math-01"]["flags"]  # every model got question 1 right
    worst = max(data["items"], key=lambda i: data["items"][i]["outfit"])
    assert worst == "math-15"  # Mixtral's 6/13 on a worked solution the stronger models mostly failed
    assert [Path(p).name for p in data["plots"]] == ["wright_map.png", "accuracy_by_difficulty.png", "item_fit.png"]
    for p in data["plots"]:
        image = matplotlib.image.imread(p)
        assert image.shape[0] > 300 and image.shape[1] > 500
        assert np.asarray(image[..., :3]).std() > 0.05  # something was drawn, not a blank canvas
