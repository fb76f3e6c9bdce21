"""Case2Code: harvesting, literal inputs, sandboxed cases, synthesis and ``plait eval case2code``."""

import json
from pathlib import Path

import pytest

from plait.core.io import read_jsonl
from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.codeverify.case2code import (
    evaluate, harvest, parse_inputs, run_cases, same_output,
)

SAMPLE = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "case2code" / "test_sample.jsonl"
REF_FIELDS = ["id", "func_name", "example_str", "example_outputs"]


def _sample():
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} is absent (the shared data directory lives beside the project in CI)")
    return read_jsonl(SAMPLE, what="reference", required=REF_FIELDS)


CORPUS_FILE = '''
import os

def add(a, b=1):
    return a + b

def uses_import(x):
    import math
    return math.sqrt(x)

def nested(x):
    def inner(y):
        return y
    return inner(x)

def free_name(x):
    return x + GLOBAL

def no_args():
    return 1

def no_return(x):
    print(x)

def always_raises(x):
    return x / 0

def shout(text, times=1):
    """Upper-case text, repeated."""
    return (text.upper() + "!") * times
'''


def test_harvest_keeps_only_self_contained_functions():
    names = [h.name for h in harvest(CORPUS_FILE)]
    assert names == ["add", "always_raises", "shout"]
    add = harvest(CORPUS_FILE)[0]
    assert add.params == ["a", "b"] and add.required == ["a"]
    assert harvest("def broken(:\n") == []


def test_inputs_are_literals_only():
    fn = harvest(CORPUS_FILE)[0]
    text = "\n".join([
        "{'a': 1, 'b': 2}",
        "{'a': [1, 2], 'b': [3]},",
        "{'a': __import__('os').system('touch /tmp/pwned')}",  # code, not a literal: dropped
        "{'b': 2}",  # required argument missing: dropped
        "{'a': 1, 'c': 2}",  # unknown argument: dropped
        "here: {'a': 'x', 'b': 'y'} ok",
        "{'a': 1, 'b': 2}",  # duplicate
    ])
    assert parse_inputs(text, fn, 10) == ["{'a': 1, 'b': 2}", "{'a': [1, 2], 'b': [3]}", "{'a': 'x', 'b': 'y'}"]
    assert parse_inputs(text, fn, 1) == ["{'a': 1, 'b': 2}"]
    # small models often write calls instead: literal arguments are bound to the parameters
    calls = "print(add([]))\nadd(1, b=2) and add(__import__('os'))\nadd(1, 2, 3)\n{\"a\": true, \"b\": null}"
    assert parse_inputs(calls, fn, 10) == ["{'a': True, 'b': None}", "{'a': []}", "{'a': 1, 'b': 2}"]


def test_run_cases_format(sandbox_name):
    code = "def f(x):\n    return [x] * 2 if x else 1 / x\n"
    outputs, result = run_cases(code, "f", inputs_src=["{'x': 'a'}", "{'x': 0}", "{'x': (1,)}"], backend=sandbox_name)
    assert result.backend == sandbox_name
    assert outputs == [
        {"return": json.dumps(repr(["a", "a"]))},
        {"error": '<|EXCEPTION|> ' + json.dumps("<class 'ZeroDivisionError'>: division by zero")},
        {"return": json.dumps(repr([(1,), (1,)]))},
    ]


def test_same_output_is_exact_but_ignores_addresses():
    assert same_output({"return": '"1"'}, {"return": '"1"'})
    assert not same_output({"return": '"1"'}, {"return": '"1.0"'})
    assert not same_output({"return": '"1"'}, {"error": '"1"'})
    assert same_output({"return": '"<generator object f at 0x7f0011223344>"'}, {"return": '"<generator object f at 0x7fa9bbccdd00>"'})
    assert not same_output(None, {"return": '"1"'})


def test_gold_programs_reproduce_stored_outputs(sandbox_name):
    refs = _sample()
    assert len(refs) == 100
    summary = evaluate([{"id": r["id"], "code": r["code"]} for r in refs], refs, backend=sandbox_name, workers=3)
    assert summary["n"] == 100 and summary["backends"] == [sandbox_name]
    assert summary["correct"] >= 95, [i for i in summary["items"] if not i["correct"]]


def test_eval_cli_scores_gold_right_and_wrong_programs_wrong(plait_cli, sandbox_name, tmp_path):
    refs = _sample()[:12]
    ref_path = tmp_path / "ref.jsonl"
    ref_path.write_text("".join(json.dumps(r) + "\n" for r in refs))
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": r["id"], "code": r["code"]}) + "\n" for r in refs))
    res = plait_cli("eval", "case2code", "--data", str(gold), "--ref", str(ref_path), "--json", "--backend", sandbox_name)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["n"] == 12 and data["accuracy"] >= 11 / 12 and data["backends"] == [sandbox_name]
    # wrong programs (same name, returns None), and missing ones, score zero
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text("".join(json.dumps({"id": r["id"], "code": f"def {r['func_name']}(*a, **k):\n    return None\n"}) + "\n"
                             for r in refs[:6]))
    data = json.loads(plait_cli("eval", "case2code", "--data", str(wrong), "--ref", str(ref_path), "--json").stdout)
    assert data["accuracy"] == 0.0 and data["missing"] == 6 and data["n"] == 12


def test_eval_cli_bad_input(plait_cli, tmp_path):
    ref = tmp_path / "ref.jsonl"
    ref.write_text('{"id": "a", "func_name": "f"}\n')
    pred = tmp_path / "pred.jsonl"
    pred.write_text('{"id": "a", "code": "def f(): pass"}\n')
    res = plait_cli("eval", "case2code", "--data", str(pred), "--ref", str(ref))
    assert res.exit_code == 1 and "ref.jsonl:1" in res.stderr and "example_str" in res.stderr
    res = plait_cli("eval", "case2code", "--data", str(pred), "--ref", str(tmp_path / "none.jsonl"))
    assert res.exit_code == 1 and "no such" in res.stderr
    res = plait_cli("eval", "case2code", "--ref", str(ref))
    assert res.exit_code == 1 and "--data FILE" in res.stderr


def test_eval_cli_old_positional_spelling_still_works_with_a_notice(plait_cli, tmp_path):
    ref = tmp_path / "ref.jsonl"
    ref.write_text('{"id": "a", "func_name": "f"}\n')
    pred = tmp_path / "pred.jsonl"
    pred.write_text('{"id": "a", "code": "def f(): pass"}\n')
    res = plait_cli("eval", "case2code", str(pred), "--ref", str(ref))
    assert "deprecated" in res.stderr and "--data FILE" in res.stderr
    assert res.exit_code == 1 and "ref.jsonl:1" in res.stderr  # the old spelling reached the same validation


def _inputs_writer(messages, options):
    prompt = messages[-1]["content"]
    if "`add`" in prompt:
        return "{'a': 1, 'b': 2}\n{'a': 'x', 'b': 'y'}\n{'a': [1], 'b': 5}\nnot a dict"
    if "`shout`" in prompt:
        return "Sure!\n{'text': 'hi'}\n{'text': 'a', 'times': 3}"
    if "`always_raises`" in prompt:
        return "{'x': 1}\n{'x': 2}"
    return "nothing"


def test_synth_case2code_end_to_end(plait_host, plait_cli, sandbox_name, tmp_path):
    plait_host(model=ScriptedChatModel(default=_inputs_writer))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "f1", "content": CORPUS_FILE}) + "\n" + json.dumps({"id": "f2", "content": "x = (\n"}) + "\n")
    out = tmp_path / "out"
    res = plait_cli("synth", "case2code", "--data", str(corpus), "--out", str(out), "--json", "--backend", sandbox_name)
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    assert (stats["functions"], stats["kept"], stats["all_raised"]) == (3, 2, 1)
    rows = [json.loads(x) for x in (out / "case2code.jsonl").read_text().splitlines()]
    assert [r["func_name"] for r in rows] == ["add", "shout"]
    add = rows[0]
    assert add["example_inputs"] == ["{'a': 1, 'b': 2}", "{'a': 'x', 'b': 'y'}", "{'a': [1], 'b': 5}"]
    assert add["example_outputs"][0] == {"return": '"3"'} and add["example_outputs"][1] == {"return": json.dumps("'xy'")}
    assert add["example_outputs"][2]["error"].startswith("<|EXCEPTION|> ")
    assert "add" in add["prompt"] and "Output:" in add["prompt"] and add["backend"] == sandbox_name
    assert rows[1]["example_outputs"] == [{"return": json.dumps("'HI!'")}, {"return": json.dumps("'A!A!A!'")}]
    assert json.loads((out / "stats.json").read_text())["kept"] == 2
