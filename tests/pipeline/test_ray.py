"""The Ray executor (marked ``ray``; needs a loopback-only network namespace, see conftest)."""

from __future__ import annotations

import pytest

from plait.pipeline import get_pipeline, run
from plait.pipeline.store import read_log

from .test_kill import kill_mid_run_then_rerun

pytestmark = pytest.mark.ray


def _records(settings, pipeline: str, stage: str) -> dict:
    return read_log(settings.home / "runs" / pipeline / stage / "log.jsonl").records


def test_sigkill_mid_run_then_rerun_equals_an_uninterrupted_run_ray(ray_session, tmp_path, model_stub):
    kill_mid_run_then_rerun(tmp_path, model_stub, ["--executor", "ray", "--ray-address", ray_session])


def test_case2code_gives_the_same_records_under_local_and_ray(ray_session, plait_settings, tmp_path):
    local = plait_settings.model_copy(update={"home": tmp_path / "local"})
    on_ray = plait_settings.model_copy(update={"home": tmp_path / "ray"})
    a = run(get_pipeline("case2code-demo", local), settings=local, executor="local")
    b = run(get_pipeline("case2code-demo", on_ray), settings=on_ray, executor="ray", concurrency=4)
    assert b["executor"] == "ray" and b["rows_out"] == a["rows_out"] == 12 and b["errors"] == 0
    for stage in ("cases", "infer", "records"):
        assert _records(on_ray, "case2code-demo", stage) == _records(local, "case2code-demo", stage), stage


def test_ray_data_llm_http_processor_path_matches_the_actor_path(ray_session, plait_settings, tmp_path, model_stub):
    base = plait_settings.model_copy(update={"model": "openai/stub-model", "llm_url": model_stub.url})
    actors = base.model_copy(update={"home": tmp_path / "actors"})
    http = base.model_copy(update={"home": tmp_path / "http"})
    run(get_pipeline("demo", actors), settings=actors, executor="ray", concurrency=4)
    summary = run(get_pipeline("demo", http), settings=http, executor="ray", concurrency=4, llm="http")
    assert summary["errors"] == 0 and summary["rows_out"] == 12
    got = [r for _, r in read_log(http.home / "runs/demo/keep/log.jsonl").outputs()]
    want = [r for _, r in read_log(actors.home / "runs/demo/keep/log.jsonl").outputs()]
    assert got == want and got[0]["sentence"].startswith("stub says ")
    assert _records(http, "demo", "ask")["topic-00"]["usage"]["completion_tokens"] == 3
