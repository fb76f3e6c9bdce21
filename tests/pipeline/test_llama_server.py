"""A model stage against a real OpenAI-compatible server: llama-cpp-python's, with the packaged model.

llama_cpp.server has no parallel slots (unlike the C++ llama-server's --parallel): it queues
concurrent requests behind one lock. ``--interrupt_requests False`` keeps a new request from
cutting short the one being generated, which is what concurrent clients need.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from plait.pipeline import get_pipeline, read_outputs, run, status
from plait.testing.kit import free_port, stop_process, wait_for_http


@pytest.fixture(scope="module")
def llama_url(tmp_path_factory):
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (pip install 'plait[local]')")
    from plait.core.errors import ModelUnavailable
    from plait.core.models.llamacpp import smollm2_path

    try:
        gguf = smollm2_path()
    except ModelUnavailable as exc:
        pytest.skip(str(exc))
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "smollm2",
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--interrupt_requests", "False",
             "--verbose", "False"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for_http(f"{url}/models", 180, proc=proc, log=log, interval=0.3)
        yield url
    finally:
        stop_process(proc, 20)


def test_model_stage_against_llama_cpp_server_commits_every_row_with_token_counts(plait_settings, llama_url):
    settings = plait_settings.model_copy(update={"model": "openai/smollm2", "llm_url": llama_url,
                                                 "tables": {"openai": {"timeout": 120}}})
    summary = run(get_pipeline("demo", settings), settings=settings, concurrency=4, limit=6)
    ask = summary["stages"][1]
    assert ask["done"] + ask["errors"] == 6  # none lost
    assert ask["done"] == 6, status(get_pipeline("demo", settings), settings)["stages"][1]["last_errors"]
    assert ask["prompt_tokens"] > 6 * 5 and ask["completion_tokens"] > 6
    rows = read_outputs("demo", "ask", settings)
    assert [r["id"] for r in rows] == [f"topic-{i:02d}" for i in range(6)]
    assert all(r["sentence"].strip() for r in rows)
