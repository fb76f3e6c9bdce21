"""The engine on the local executor: commits, reruns, error records, retries, concurrency."""

from __future__ import annotations

import threading

import pytest

from plait.core.errors import Unavailable
from plait.core.models.scripted import ScriptedChatModel
from plait.pipeline import ModelStage, Pipeline, Stage, get_pipeline, read_outputs, run, status
from plait.pipeline.calls import retryable


def _settings(base, stub=None, **pipeline):
    tables = {"pipeline": {"backoff": 0.01, **pipeline}}
    update = {"tables": tables}
    if stub is not None:
        tables["openai"] = {"timeout": 0.5}
        update.update(llm_url=stub.url, model="openai/stub-model")
    return base.model_copy(update=update)


def test_demo_runs_every_stage_and_a_rerun_calls_the_model_for_no_row(plait_host, plait_settings):
    model = ScriptedChatModel(default=lambda msgs, opts: "about " + msgs[-1]["content"].split()[-1])
    plait_host(model=model)
    settings = plait_settings.model_copy(update={"model": "testing/counted"})
    first = run(get_pipeline("demo", settings), settings=settings)
    assert [s["done"] for s in first["stages"]] == [12, 12, 12] and len(model.calls) == 12
    rows = read_outputs("demo", "keep", settings)
    assert rows[0] == {"id": "topic-00", "topic": "rivers", "sentence": "about rivers."}
    assert [r["id"] for r in rows] == [f"topic-{i:02d}" for i in range(12)]
    again = run(get_pipeline("demo", settings), settings=settings)
    assert len(model.calls) == 12 and [s["skipped"] for s in again["stages"]] == [12, 12, 12]
    assert read_outputs("demo", "keep", settings) == rows


def test_a_row_that_makes_the_function_raise_gets_an_error_record_and_a_rerun_retries_it(plait_settings):
    broken = {"r3"}

    def shout(batch):
        if any(row["id"] in broken for row in batch):
            raise ValueError("cannot shout this")
        return [{**row, "text": row["text"].upper()} for row in batch]

    rows = [{"id": f"r{i}", "text": f"t{i}"} for i in range(10)]
    pipe = Pipeline("shout", [Stage("shout", shout, batch_size=4)], source=lambda: rows)
    summary = run(pipe, settings=plait_settings)
    stage = summary["stages"][0]
    assert stage["done"] == 9 and stage["errors"] == 1
    info = status(pipe, plait_settings)["stages"][0]
    assert info["last_errors"] == [{"id": "r3", "error": "ValueError: cannot shout this"}]
    broken.clear()
    summary = run(pipe, settings=plait_settings)
    assert summary["stages"][0]["processed"] == 1 and summary["errors"] == 0
    assert [r["text"] for r in read_outputs("shout", "shout", plait_settings)] == [f"T{i}" for i in range(10)]


def test_flat_map_children_get_parent_ids_and_filter_drops_rows(plait_settings):
    pipe = Pipeline("split", [
        Stage("words", lambda b: [[{"w": w} for w in r["text"].split()] for r in b], kind="flat_map"),
        Stage("long", lambda b: [len(r["w"]) > 2 for r in b], kind="filter"),
    ], source=lambda: [{"id": "a", "text": "the big owl"}, {"id": "b", "text": "no"}, {"id": "c", "text": "sea lantern"}])
    summary = run(pipe, settings=plait_settings)
    assert [s["rows_out"] for s in summary["stages"]] == [6, 5]
    assert read_outputs("split", "long", plait_settings) == [
        {"w": "the", "id": "a.0"}, {"w": "big", "id": "a.1"}, {"w": "owl", "id": "a.2"}, {"w": "sea", "id": "c.0"},
        {"w": "lantern", "id": "c.1"}]


def test_limit_takes_the_first_rows_and_a_later_run_completes_the_rest(plait_settings):
    pipe = Pipeline("lim", [Stage("id", lambda b: b)], source=lambda: [{"id": f"r{i}"} for i in range(7)])
    assert run(pipe, settings=plait_settings, limit=3)["rows_out"] == 3
    summary = run(pipe, settings=plait_settings)
    assert summary["stages"][0]["skipped"] == 3 and summary["rows_out"] == 7


def test_vllm_model_stage_fails_before_any_row_with_a_clear_error(plait_settings):
    pipe = Pipeline("gpu", [ModelStage("gen", lambda r: r["q"], model="vllm/Qwen/Qwen2.5-0.5B-Instruct")],
                    source=lambda: [{"id": "1", "q": "hi"}])
    with pytest.raises(Unavailable, match=r"stage 'gen' uses the in-process vLLM backend .*vLLM is not installed / no GPU"):
        run(pipe, settings=plait_settings)
    assert status(pipe, plait_settings)["stages"][0]["done"] == 0


def test_429_5xx_and_timeouts_are_retried_and_every_row_ends_done_or_with_an_error_record(plait_settings, model_stub):
    model_stub.hang_seconds = 2.0  # the client gives up after 0.5 s
    model_stub.script = {"rate": [429, 429, "ok"], "slow": ["hang", "ok"], "flaky": [503, "ok"], "dead": [500]}
    kinds = ["rate", "slow", "flaky", "dead", "fine"]
    rows = [{"id": f"{k}-{i}", "text": f"{k} question {i}"} for i in range(4) for k in kinds]
    pipe = Pipeline("stubbed", [ModelStage("ask", lambda r: r["text"])], source=lambda: rows)
    settings = _settings(plait_settings, model_stub, retries=3)
    summary = run(pipe, settings=settings, concurrency=8)
    state = status(pipe, settings)["stages"][0]
    assert state["done"] + state["errors"] == len(rows) == 20
    assert state["errors"] == 4, state["last_errors"]
    assert all(e["id"].startswith("dead-") for e in state["last_errors"])
    assert "HTTP 500" in state["last_errors"][0]["error"]
    from plait.pipeline.store import read_log
    records = read_log(__import__("pathlib").Path(summary["dir"]) / "ask" / "log.jsonl").records
    assert {rid: rec["attempts"] for rid, rec in records.items() if rid.startswith(("rate", "dead", "slow"))} == {
        **{f"rate-{i}": 3 for i in range(4)}, **{f"dead-{i}": 4 for i in range(4)}, **{f"slow-{i}": 2 for i in range(4)}}
    out = {r["id"]: r for r in read_outputs("stubbed", "ask", settings)}
    assert out["fine-0"]["completion"].startswith("stub says ")
    assert records["fine-0"]["usage"] == {"prompt_tokens": 3, "completion_tokens": 3}
    assert summary["stages"][0]["prompt_tokens"] == 16 * 3


def test_requests_in_flight_reach_but_never_exceed_the_concurrency(plait_settings, model_stub):
    model_stub.barrier = threading.Barrier(4)  # passes only when 4 requests are in flight at once
    pipe = Pipeline("bound", [ModelStage("ask", lambda r: r["text"])],
                    source=lambda: [{"id": str(i), "text": f"q {i}"} for i in range(12)])
    summary = run(pipe, settings=_settings(plait_settings, model_stub, retries=0), concurrency=4)
    assert summary["errors"] == 0 and summary["rows_out"] == 12
    assert model_stub.max_in_flight == 4


def test_retryable_errors_are_rate_limits_server_errors_and_timeouts():
    import httpx
    import openai

    req = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")

    def status_error(code):
        return openai.APIStatusError("x", response=httpx.Response(code, request=req), body=None)

    for code, expected in ((429, True), (500, True), (503, True), (408, True), (400, False), (401, False), (404, False)):
        try:
            try:
                raise status_error(code)
            except openai.APIStatusError:
                raise RuntimeError("wrapped") from None  # how plait's backends re-raise
        except RuntimeError as exc:
            assert retryable(exc) is expected, code
    assert retryable(openai.APITimeoutError(request=req)) and retryable(TimeoutError())
    assert not retryable(ValueError("bad prompt"))
