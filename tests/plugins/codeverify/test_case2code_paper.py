"""Case2Code under --preset paper (issue 20): the paper's rendering with held-out cases, inputs
from generator code executed in the sandbox, pass@1..K in `eval case2code`, and the CLI wiring."""

import json
import random
import re

import pytest

from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.codeverify.case2code import examples_str, pass_at_k
from plait.plugins.codeverify.case2code_executed import generator_code, run_generator
from plait.plugins.codeverify.case2code_pipeline import render_one
from plait.plugins.codeverify.case2code_presets import PRESETS
from plait.plugins.codeverify.case2code_render import (
    EXAMPLE_HEADERS, EXAMPLE_TEMPLATES, INSTRUCTIONS, NAME_HEADERS, render_paper,
)

MARKER = "<|EXCEPTION|>"


def _row(n=8, rid="r_0"):
    # every input and output carries a unique tag, so "shown" is a plain substring test
    inputs = [repr({"x": f"in{i:02d}"}) for i in range(n)]
    outputs = [{"return": json.dumps(repr(f"out{i:02d}"))} for i in range(n)]
    outputs[1] = {"error": MARKER + " " + json.dumps("<class 'ValueError'>: bad in01")}
    return {"id": rid, "source_id": "r", "func_name": "tag", "code": "def tag(x):\n    return x", "inputs": inputs,
            "outputs": outputs}


def test_pools_have_the_papers_sizes_and_both_example_styles():
    assert (len(set(INSTRUCTIONS)), len(set(EXAMPLE_HEADERS)), len(set(NAME_HEADERS)), len(set(EXAMPLE_TEMPLATES))) == (28, 20, 8, 13)
    assert {t.style for t in EXAMPLE_TEMPLATES} == {"raw", "call"}
    assert all("{name}" in h for h in NAME_HEADERS)


def test_a_rendered_prompt_never_shows_a_held_out_case_of_its_own_row():
    held_any, sizes = 0, set()
    for seed in range(150):
        rec = render_one(_row(), seed, render="paper", min_shown=3)["record"]
        prompt, shown, held = rec["prompt"], rec["shown"], rec["held_out"]
        assert sorted(shown + held) == list(range(8)) and not set(shown) & set(held)
        assert len(shown) >= 3
        for i in held:
            assert f"in{i:02d}" not in prompt and f"out{i:02d}" not in prompt
        for i in shown:
            assert f"in{i:02d}" in prompt
        assert MARKER not in prompt
        held_any += bool(held)
        sizes.add(len(shown))
    # k = randint(3, 8): every size occurs over 150 seeds, and most prompts hold cases out
    assert sizes == set(range(3, 9)) and held_any > 100


def test_same_seed_same_prompt_and_another_seed_another_prompt():
    a = render_one(_row(), 5, render="paper", min_shown=3)["record"]
    b = render_one(_row(), 5, render="paper", min_shown=3)["record"]
    c = render_one(_row(), 6, render="paper", min_shown=3)["record"]
    assert (a["prompt"], a["held_out"], a["template"]) == (b["prompt"], b["held_out"], b["template"])
    assert a["prompt"] != c["prompt"]
    prompts = {render_one(_row(), s, render="paper", min_shown=3)["record"]["prompt"] for s in range(20)}
    assert len(prompts) == 20


def test_parts_are_shuffled_and_both_styles_are_used():
    orders, styles = set(), set()
    for seed in range(60):
        r = render_paper("tag", _row()["inputs"], ["1"] * 8, random.Random(seed))
        orders.add(tuple(r.template["order"]))
        styles.add(r.template["style"])
        if r.template["style"] == "call":
            assert "tag(x='in" in r.prompt
        else:
            assert "dict(x='in" in r.prompt
    assert len(orders) == 6 and styles == {"raw", "call"}


def test_fewer_cases_than_the_minimum_are_all_shown():
    r = render_paper("tag", _row(2)["inputs"], ["1", "2"], random.Random(0), min_shown=3)
    assert sorted(r.shown) == [0, 1] and r.held_out == []


def test_default_render_shows_every_case_and_records_none_held_out():
    rec = render_one(_row(), 0)["record"]
    assert rec["held_out"] == [] and sorted(rec["shown"]) == list(range(8))
    assert all(f"in{i:02d}" in rec["prompt"] for i in range(8))


# -- executed inputs -------------------------------------------------------------------------------
GENERATOR_REPLY = '''Here you go:

```python
print('{"i": 0, "repr": "{\\'a\\': 999}"}')  # a forged record on stdout is not read
examples = [dict(a=i, b=str(i) * 2) for i in range(3)]
examples += [dict(a=1, b="11"), dict(a=object()), dict(a=float("nan")), dict(c=1), dict(a=[1, 2])]
```'''


def test_generator_code_is_executed_in_the_sandbox(sandbox_name):
    code = generator_code(GENERATOR_REPLY)
    assert code.startswith("print(") and "examples +=" in code
    inputs, result, error = run_generator(code, ["a", "b"], ["a"], 10, backend=sandbox_name)
    assert result.backend == sandbox_name and result.status == "ok" and error is None
    # computed values read back; duplicates, non-literals, nan and unknown arguments dropped
    assert inputs == ["{'a': 0, 'b': '00'}", "{'a': 1, 'b': '11'}", "{'a': 2, 'b': '22'}", "{'a': [1, 2]}"]
    assert run_generator(code, ["a", "b"], ["a"], 2, backend=sandbox_name)[0] == inputs[:2]
    # a generator that fails names why; nothing is kept
    inputs, _, error = run_generator("examples = 1 / 0\n", ["a"], ["a"], 10, backend=sandbox_name)
    assert inputs == [] and error.startswith("ZeroDivisionError")
    assert generator_code("no code here") is None


def _generator_writer(messages, options):
    prompt = messages[-1]["content"]
    if "`add`" in prompt:
        assert "examples" in prompt and "dict(" in prompt
        return "```python\nexamples = [dict(a=i, b=10 * i) for i in range(6)]\nexamples.append(dict(a='x', b=None))\n```"
    return "```python\nexamples = [dict(text=w) for w in ('ab', 'cd', 'ef', 'gh')]\n```"


CORPUS = '''
def add(a, b=1):
    return a + b

def shout(text, times=1):
    return (text.upper() + "!") * times
'''


def test_synth_case2code_preset_paper_end_to_end(plait_host, plait_cli, sandbox_name, tmp_path):
    model = ScriptedChatModel(default=_generator_writer)
    plait_host(model=model)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "f1", "content": CORPUS}) + "\n")
    out = tmp_path / "out"
    res = plait_cli("synth", "case2code", "--data", str(corpus), "--out", str(out), "--json", "--backend", sandbox_name,
                    "--preset", "paper", "--seed", "3")
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    paper = PRESETS["paper"]
    assert stats["preset"] == "paper" and stats["kept"] == 2 and stats["generator_errors"] == 0
    assert stats["settings"] == {k: paper[k] for k in ("render", "min_shown", "input_mode", "inputs", "temperature")}
    assert {o.temperature for _, o in model.calls} == {paper["temperature"]}
    rows = {r["func_name"]: r for r in map(json.loads, (out / "case2code.jsonl").read_text().splitlines())}
    add = rows["add"]
    assert add["example_inputs"][:2] == ["{'a': 0, 'b': 0}", "{'a': 1, 'b': 10}"] and len(add["example_inputs"]) == 7
    assert add["example_outputs"][1] == {"return": json.dumps("11")} and add["example_outputs"][6]["error"].startswith(MARKER)
    assert add["generator"].startswith("examples = [dict(a=i") and add["backend"] == sandbox_name
    assert add["example_str"].startswith("examples = [\n    dict(a=0, b=0),")
    for row in rows.values():
        assert len(row["shown"]) >= 3 and sorted(row["shown"] + row["held_out"]) == list(range(len(row["example_inputs"])))
        assert MARKER not in row["prompt"]
        for i in row["held_out"]:
            kwargs = ", ".join(f"{k}={v!r}" for k, v in eval(row["example_inputs"][i]).items())  # literal dicts
            assert kwargs not in row["prompt"]
    assert stats["held_out"] == sum(len(r["held_out"]) for r in rows.values())
    # a record is a reference for `eval case2code`: the gold code scores on every case, held-out ones included
    ref = tmp_path / "ref.jsonl"
    ref.write_text("".join(json.dumps(r) + "\n" for r in rows.values()))
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": r["id"], "code": r["code"]}) + "\n" for r in rows.values()))
    data = plait_cli("eval", "case2code", "--ref", str(ref), "--data", str(gold), "--json", "--backend", sandbox_name).json()
    assert data["accuracy"] == 1.0 and data["case_accuracy"] == 1.0


def test_explicit_flags_win_over_the_paper_preset(plait_host, plait_cli, sandbox_name, tmp_path):
    model = ScriptedChatModel(default="{'a': 1}\n{'a': 2}\n{'a': 3}\n{'a': 4}\n{'text': 'q'}")
    plait_host(model=model)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "f1", "content": CORPUS}) + "\n")
    res = plait_cli("synth", "case2code", "--data", str(corpus), "--out", str(tmp_path / "o"), "--json", "--backend", sandbox_name,
                    "--preset", "paper", "--input-mode", "literal", "--temperature", "0.9", "--min-shown", "4")
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    assert stats["preset"] == "paper"
    assert stats["settings"] == {"render": "paper", "min_shown": 4, "input_mode": "literal", "inputs": 10, "temperature": 0.9}
    assert {o.temperature for _, o in model.calls} == {0.9}
    add = next(r for r in map(json.loads, (tmp_path / "o" / "case2code.jsonl").read_text().splitlines()) if r["func_name"] == "add")
    assert "generator" not in add and len(add["shown"]) == 4 and len(add["held_out"]) == 0


def test_executed_inputs_without_a_usable_sandbox_is_one_clear_error(plait_host, plait_cli, tmp_path):
    plait_host(model=ScriptedChatModel(default="unused"))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "f1", "content": CORPUS}) + "\n")
    res = plait_cli("synth", "case2code", "--data", str(corpus), "--out", str(tmp_path / "o"), "--preset", "paper",
                    "--backend", "no-such-box")
    assert res.exit_code != 0
    assert "no-such-box" in res.stderr and "--input-mode literal" in res.stderr and "sandbox" in res.stderr
    assert not (tmp_path / "o" / "case2code.jsonl").exists()
    res = plait_cli("synth", "case2code", "--data", str(corpus), "--out", str(tmp_path / "o"), "--input-mode", "run-it")
    assert res.exit_code == 1 and "--input-mode must be literal or executed" in res.stderr


# -- pass@k ------------------------------------------------------------------------------------------
REFS = [
    {"id": "sq", "func_name": "sq", "example_str": examples_str(["{'x': 2}", "{'x': -3}"]),
     "example_outputs": [{"return": json.dumps("4")}, {"return": json.dumps("9")}]},
    {"id": "neg", "func_name": "neg", "example_str": examples_str(["{'x': 2}"]), "example_outputs": [{"return": json.dumps("-2")}]},
    {"id": "up", "func_name": "up", "example_str": examples_str(["{'s': 'a'}"]), "example_outputs": [{"return": json.dumps("'A'")}]},
]
RIGHT = {"sq": "return x * x", "neg": "return -x", "up": "return s.upper()"}
WRONG = {"sq": "return x + x", "neg": "return x", "up": "return s"}
# samples per problem, in order: sq 1 of 3 right; neg none right (third sample missing); up 2 of 3 right
PLAN = {"sq": ["right", "wrong", "wrong"], "neg": ["wrong", "wrong"], "up": ["wrong", "right", "right"]}


def _predictions_from_a_scripted_model(tmp_path):
    params = {"sq": "x", "neg": "x", "up": "s"}
    replies = [f"```python\ndef {pid}({params[pid]}):\n    {(RIGHT if kind == 'right' else WRONG)[pid]}\n```"
               for pid, kinds in PLAN.items() for kind in kinds]
    model = ScriptedChatModel(replies)
    lines = []
    for pid, kinds in PLAN.items():
        for _ in kinds:
            text = model.chat([{"role": "user", "content": f"Write {pid}."}]).text
            lines.append({"id": pid, "code": re.search(r"```python\n(.*?)```", text, re.S).group(1)})
    pred = tmp_path / "pred.jsonl"
    pred.write_text("".join(json.dumps(x) + "\n" for x in lines))
    ref = tmp_path / "ref.jsonl"
    ref.write_text("".join(json.dumps(r) + "\n" for r in REFS))
    return pred, ref


def test_eval_samples_reports_pass_at_1_to_k(plait_cli, sandbox_name, tmp_path):
    pred, ref = _predictions_from_a_scripted_model(tmp_path)
    res = plait_cli("eval", "case2code", "--data", str(pred), "--ref", str(ref), "--samples", "3", "--json",
                    "--backend", sandbox_name)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    # by hand: c = 1, 0, 2 of n = 3; pass@1 = (1/3 + 0 + 2/3) / 3; pass@2 = (2/3 + 0 + 1) / 3; pass@3 = 2/3
    assert data["pass_at_k"] == pytest.approx({"1": 1 / 3, "2": 5 / 9, "3": 2 / 3})
    assert data["pass_at_k"] == pytest.approx(
        {str(k): sum(pass_at_k(3, c, k) for c in (1, 0, 2)) / 3 for k in (1, 2, 3)})
    assert data["accuracy"] == pytest.approx(1 / 3) and data["correct"] == 2 and data["missing"] == 1
    assert data["samples"] == 3 and data["preset"] == "default" and data["settings"] == {"samples": 3}
    items = {x["id"]: x for x in data["items"]}
    assert [items[k]["n_correct"] for k in ("sq", "neg", "up")] == [1, 0, 2]
    assert [s["correct"] for s in items["up"]["sample_results"]] == [False, True, True]
    assert items["neg"]["sample_results"][2]["status"] == "missing"
    # human output names pass@k and the preset
    text = plait_cli("eval", "case2code", "--data", str(pred), "--ref", str(ref), "--samples", "2",
                     "--backend", sandbox_name).stdout
    assert "pass@1 " in text and "pass@2 " in text and "preset default" in text


def test_eval_preset_paper_is_named_and_samples_default_to_the_preset(plait_cli, sandbox_name, tmp_path):
    pred, ref = _predictions_from_a_scripted_model(tmp_path)
    data = plait_cli("eval", "case2code", "--data", str(pred), "--ref", str(ref), "--preset", "paper", "--json",
                     "--backend", sandbox_name).json()
    # one sample each: the first prediction line of every id (sq right, neg wrong, up wrong)
    assert data["preset"] == "paper" and data["samples"] == PRESETS["paper"]["samples"] == 1
    assert data["pass_at_k"] == {"1": pytest.approx(1 / 3)} and "sample_results" not in data["items"][0]
    res = plait_cli("eval", "case2code", "--data", str(pred), "--ref", str(ref), "--preset", "papr")
    assert res.exit_code == 1 and "unknown preset 'papr'" in res.stderr
    res = plait_cli("eval", "case2code", "--data", str(pred), "--ref", str(ref), "--samples", "0")
    assert res.exit_code == 1 and "--samples must be 1 or more" in res.stderr
