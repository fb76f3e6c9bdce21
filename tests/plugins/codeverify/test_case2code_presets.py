"""Case2Code presets (issue 20): the table, the exception marker, pass@k."""

import random
from math import comb

import pytest

from plait.plugins.codeverify.case2code_presets import PRESETS, SOURCES, effective

MARKER = "<|EXCEPTION|>"


@pytest.mark.parametrize("name", ["default", "paper"])
def test_effective_settings_per_preset_equal_the_table(name):
    assert effective(name) == {"preset": name, **PRESETS[name]}


def test_every_paper_setting_names_its_source():
    assert set(SOURCES) == set(PRESETS["paper"])


def test_explicit_flags_win_over_the_preset():
    assert effective("paper", temperature=0.9, inputs=None)["temperature"] == 0.9
    assert effective("paper", inputs=None)["inputs"] == PRESETS["paper"]["inputs"]


def test_default_prompt_never_shows_the_exception_marker():
    from plait.plugins.codeverify.case2code import render_prompt

    outs = [{"return": "3"}, {"error": MARKER + ' "<class \'ZeroDivisionError\'>: division by zero"'}]
    for seed in range(10):
        prompt, _ = render_prompt("f", ["{'x': 1}", "{'x': 0}"], outs, random.Random(seed))
        assert MARKER not in prompt and "ZeroDivisionError" in prompt


def test_pass_at_k_is_the_unbiased_estimator_on_a_hand_computed_example():
    from plait.plugins.codeverify.case2code import pass_at_k

    # n=5 samples, c=2 correct: pass@1 = 2/5, pass@2 = 1 - C(3,2)/C(5,2) = 1 - 3/10
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    assert pass_at_k(5, 2, 4) == 1.0  # n - c < k: every draw of 4 holds a correct one
    assert pass_at_k(5, 0, 3) == 0.0
    assert pass_at_k(5, 2, 3) == pytest.approx(1 - comb(3, 3) / comb(5, 3))


def test_a_case_carrying_the_marker_itself_is_not_rendered():
    from plait.plugins.codeverify.case2code_pipeline import render_one

    row = {"id": "r_0", "source_id": "r", "func_name": "f", "code": "def f(x):\n    return x",
           "inputs": ["{'x': 1}", "{'x': '<|EXCEPTION|>'}"],
           "outputs": [{"return": "'1'"}, {"return": json_repr(MARKER)}]}
    rec = render_one(row, seed=0)["record"]
    assert MARKER not in rec["prompt"] and rec["example_inputs"] == ["{'x': 1}"]


def json_repr(value):
    import json

    return json.dumps(repr(value))
