"""``plait synth case2code|unitcoder`` as fronts over the ``case2code`` / ``unitcoder`` pipelines:
resume without new model calls, error records instead of crashed runs, options guarded per --out,
the pipelines through ``plait pipeline run``, and the same records under local and Ray."""

import json

import pytest

from plait.core.errors import ModelError
from plait.core.models.scripted import ScriptedChatModel

from test_case2code import CORPUS_FILE, _inputs_writer
from test_unitcoder import CORPUS as UC_CORPUS
from test_unitcoder import POLISHED, TESTS_REPLY

SECOND_FILE = '''
def add(a, b=1):
    return a + b

def halve(n):
    return n // 2
'''


def _corpus(tmp_path, *contents):
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": f"f{i}", "content": c}) + "\n" for i, c in enumerate(contents, 1)))
    return path


def _lines(path):
    return [json.loads(x) for x in path.read_text().splitlines()]


def _halve_writer(messages, options):
    if "`halve`" in messages[-1]["content"]:
        return "{'n': 4}\n{'n': 7}"
    return _inputs_writer(messages, options)


def _synth(plait_cli, corpus, out, sandbox_name, *extra):
    res = plait_cli("synth", "case2code", "--data", str(corpus), "--out", str(out), "--json", "--backend", sandbox_name,
                    *extra)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_rerun_of_synth_case2code_resumes_without_new_model_calls(plait_host, plait_cli, sandbox_name, tmp_path):
    model = ScriptedChatModel(default=_halve_writer)
    plait_host(model=model)
    corpus = _corpus(tmp_path, CORPUS_FILE, SECOND_FILE)
    out = tmp_path / "out"
    first = _synth(plait_cli, corpus, out, sandbox_name, "--limit", "1")
    assert len(model.calls) == 3 and first["rows"] == 1 and first["kept"] == 2
    records_1 = _lines(out / "case2code.jsonl")

    again = _synth(plait_cli, corpus, out, sandbox_name, "--limit", "1")
    assert len(model.calls) == 3, "finished functions were sent to the model again"
    assert _lines(out / "case2code.jsonl") == records_1 and again["kept"] == 2
    assert again["stages"]["inputs"]["skipped"] == 3 and again["stages"]["inputs"]["processed"] == 0

    # more rows: only the new file's functions are asked for; `add` again is kept once
    full = _synth(plait_cli, corpus, out, sandbox_name)
    assert len(model.calls) == 3 + 2
    assert (full["rows"], full["functions"], full["duplicates"], full["kept"]) == (2, 4, 1, 3)
    records = _lines(out / "case2code.jsonl")
    assert [r["func_name"] for r in records] == ["add", "shout", "halve"] and records[:2] == records_1
    assert records[2]["id"] == "f2_1" and records[2]["example_outputs"] == [{"return": '"2"'}, {"return": '"3"'}]
    assert full["errors"] == 0 and set(full["tokens"]) == {"prompt", "completion"}


def test_a_raising_model_row_is_an_error_record_and_the_rerun_retries_only_it(plait_host, plait_cli, sandbox_name, tmp_path):
    broken = {"on": True}

    def reply(messages, options):
        prompt = messages[-1]["content"]
        if "`shout`" in prompt and broken["on"]:
            raise ModelError("the model server answered 400: bad request")  # not retried
        if "`always_raises`" in prompt:
            return "I'd rather not. ```{{{ not a literal"  # malformed: counted, not a crash
        return _inputs_writer(messages, options)

    model = ScriptedChatModel(default=reply)
    plait_host(model=model)
    corpus = _corpus(tmp_path, CORPUS_FILE)
    out = tmp_path / "out"
    stats = _synth(plait_cli, corpus, out, sandbox_name)
    assert stats["errors"] == 1 and stats["stages"]["inputs"]["errors"] == 1
    assert (stats["functions"], stats["kept"], stats["no_inputs"]) == (3, 1, 1)
    assert [r["func_name"] for r in _lines(out / "case2code.jsonl")] == ["add"]

    broken["on"] = False
    calls = len(model.calls)
    stats = _synth(plait_cli, corpus, out, sandbox_name)
    assert len(model.calls) == calls + 1, "only the failed row goes to the model again"
    assert stats["errors"] == 0 and [r["func_name"] for r in _lines(out / "case2code.jsonl")] == ["add", "shout"]


def test_rerun_with_other_options_into_the_same_out_is_refused(plait_host, plait_cli, sandbox_name, tmp_path):
    plait_host(model=ScriptedChatModel(default=_inputs_writer))
    corpus = _corpus(tmp_path, CORPUS_FILE)
    out = tmp_path / "out"
    _synth(plait_cli, corpus, out, sandbox_name)
    before = (out / "case2code.jsonl").read_text()
    res = plait_cli("synth", "case2code", "--data", str(corpus), "--out", str(out), "--backend", sandbox_name, "--seed", "7")
    assert res.exit_code == 1 and "seed 0 -> 7" in res.stderr and "another --out" in res.stderr
    assert (out / "case2code.jsonl").read_text() == before


def test_case2code_pipeline_runs_through_plait_pipeline_run(plait_host, plait_cli, plait_home, sandbox_name, tmp_path,
                                                            monkeypatch):
    plait_host(model=ScriptedChatModel(default=_inputs_writer))
    monkeypatch.setenv("PLAIT_CASE2CODE__BACKEND", sandbox_name)
    listed = plait_cli("pipeline", "list")
    assert "case2code" in listed.stdout and "unitcoder" in listed.stdout
    corpus = _corpus(tmp_path, CORPUS_FILE)
    res = plait_cli("pipeline", "run", "case2code", "--input", str(corpus), "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["rows_out"] == 2 and summary["errors"] == 0
    assert [s["stage"] for s in summary["stages"]] == ["harvest", "inputs", "cases", "render", "keep"]
    records = _lines(plait_home / "runs" / "case2code" / "keep" / "log.jsonl")
    assert [r["out"][0]["func_name"] for r in records if r["out"]] == ["add", "shout"]
    assert plait_cli("pipeline", "run", "case2code").exit_code == 1  # no built-in input: --input needed


def test_rerun_of_synth_unitcoder_resumes_without_new_model_calls(plait_host, plait_cli, sandbox_name, tmp_path):
    def reply(messages, options):
        prompt = messages[-1]["content"]
        if prompt.startswith("You are given"):
            return TESTS_REPLY if "def clamp" in prompt else "no tests"
        return f"```python\n{POLISHED}```"

    model = ScriptedChatModel(default=reply)
    plait_host(model=model)
    corpus = _corpus(tmp_path, UC_CORPUS)
    out = tmp_path / "out"
    args = ("synth", "unitcoder", "--data", str(corpus), "--out", str(out), "--json", "--backend", sandbox_name,
            "--rounds", "1", "--candidates", "1", "--concurrency", "2")
    res = plait_cli(*args)
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    assert (stats["functions"], stats["polished"], stats["no_tests"], stats["errors"]) == (3, 1, 2, 0)
    calls, trajectories = len(model.calls), (out / "trajectories.jsonl").read_text()
    assert calls > 0
    res = plait_cli(*args)
    assert res.exit_code == 0, res.output
    assert len(model.calls) == calls and (out / "trajectories.jsonl").read_text() == trajectories
    assert json.loads(res.stdout)["stages"]["verify"]["skipped"] == 3


@pytest.mark.ray
def test_synth_case2code_gives_the_same_records_under_local_and_ray(ray_session, plait_cli, sandbox_name, tmp_path):
    # scripted/echo (the plait_home default) exists in every process, Ray's actors included
    corpus = _corpus(tmp_path, CORPUS_FILE, SECOND_FILE)
    local = _synth(plait_cli, corpus, tmp_path / "local", sandbox_name)
    on_ray = _synth(plait_cli, corpus, tmp_path / "ray", sandbox_name, "--executor", "ray", "--ray-address", ray_session,
                    "--concurrency", "2")
    assert on_ray["executor"] == "ray" and local["executor"] == "local"
    assert on_ray["kept"] == local["kept"] > 0 and on_ray["errors"] == local["errors"] == 0
    assert (tmp_path / "ray" / "case2code.jsonl").read_text() == (tmp_path / "local" / "case2code.jsonl").read_text()
