"""A local GGUF answering in ``generate`` mode gets the small-model settings: greedy, at most 128
new tokens, the top 3 hits; anything the request or the config sets wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from plait.agents.base import AgentRequest, get_agent
from plait.agents.rag import small_model
from plait.core.config import load_settings
from plait.core.models.scripted import ScriptedChatModel

ROOT = Path(__file__).resolve().parents[3]
QUESTION = "Where is every turn of a chat session saved by the SQLite checkpointer?"


@pytest.fixture
def docs_store(plait_settings, monkeypatch):
    from plait.core.models import get_embedder
    from plait.retrieval.ingest import ingest_paths

    monkeypatch.setenv("PLAIT_MIN_SCORE", "0")  # every hit passes, so the count is top_k's
    ingest_paths([ROOT / "examples" / "docs"], plait_settings, get_embedder(None, plait_settings), progress=False)
    return plait_settings


def _ask(model_name: str, monkeypatch, **options):
    monkeypatch.setenv("PLAIT_MODEL", model_name)
    agent = get_agent("rag", load_settings())
    agent.context._model = ScriptedChatModel(default="Saved in SQLite [1].")  # the chat call is recorded
    reply = agent.invoke(AgentRequest([{"role": "user", "content": QUESTION}], None,
                                      {"retrieve": "always", "answer_mode": "generate", **options}))
    return reply, agent.context._model.calls[-1][1]


def test_a_local_gguf_answers_greedy_short_from_the_top_3_hits(docs_store, monkeypatch):
    reply, options = _ask("llamacpp/smollm2", monkeypatch)
    assert options.temperature == small_model.TEMPERATURE == 0.0
    assert options.max_tokens == small_model.MAX_TOKENS == 128
    assert len(reply.extras["sources"]) == 3


def test_a_served_model_keeps_the_configured_top_k_and_its_own_sampling(docs_store, monkeypatch):
    reply, options = _ask("scripted/echo", monkeypatch)
    assert options.temperature is None and options.max_tokens is None
    assert len(reply.extras["sources"]) == 5


def test_request_and_config_values_win_over_the_small_model_defaults(docs_store, monkeypatch):
    monkeypatch.setenv("PLAIT_TOP_K", "4")
    monkeypatch.setenv("PLAIT_LLAMACPP__TEMPERATURE", "0.7")
    reply, options = _ask("llamacpp/smollm2", monkeypatch, max_tokens=40)
    assert options.max_tokens == 40 and options.temperature is None  # None: the backend reads [llamacpp]
    assert len(reply.extras["sources"]) == 4
