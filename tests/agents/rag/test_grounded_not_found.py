"""The quoting modes never answer from the model alone (issue 13: "When nothing relevant is found,
it says so and invents nothing"): a gate's "no retrieval" does not skip the search, and when no hit
passes min_score the reply is the fixed not-found statement, with no model call at all.

The model is scripted and records its calls; its reply carries a marker, so a generated text that
slipped into an answer would show."""

from __future__ import annotations

import pytest

from plait.agents.base import AgentRequest, get_agent
from plait.agents.rag import prompts
from plait.core.config import load_settings
from plait.core.models.scripted import ScriptedChatModel

INVENTED = "Herman Melville wrote it in 1851 (INVENTED-BY-THE-MODEL)."


def _embedded(monkeypatch, **env):
    """The agent as the embedded model's user gets it (``llamacpp/...``: grounded by default), the
    gate saying "no retrieval" to everything, and a scripted model in place of SmolLM2."""
    monkeypatch.setenv("PLAIT_GATE", "never")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = load_settings().model_copy(update={"model": "llamacpp/smollm2"})
    agent = get_agent("rag", settings)
    agent.context._model = ScriptedChatModel(default=lambda _messages, _options: INVENTED)
    return agent


def _ask(agent, question, **options):
    return agent.invoke(AgentRequest([{"role": "user", "content": question}], None, options))


@pytest.mark.parametrize("mode", [None, "grounded", "extractive"])
def test_nothing_above_min_score_is_said_plainly_and_nothing_is_generated(docs_store, monkeypatch, mode):
    agent = _embedded(monkeypatch, PLAIT_MIN_SCORE="0.99", PLAIT_COLLECTION="handbook")
    reply = _ask(agent, "Who wrote the novel Moby-Dick?", **({"answer_mode": mode} if mode else {}))
    ex = reply.extras
    assert ex["answer_mode"] == (mode or "grounded")
    assert ex["gate"]["decided_by"] == "answer_mode" and ex["retrieved"] is True  # searched despite the gate's "no"
    assert ex["not_found"] is True and ex["sources"] == [] and ex["citations"] == [] and ex["quotes"] == []
    assert reply.text == prompts.not_found("handbook", quoting=True)
    assert "collection `handbook`" in reply.text and "INVENTED" not in reply.text
    assert agent.context._model.calls == []


def test_a_no_from_the_gate_does_not_skip_the_documents(docs_store, monkeypatch):
    agent = _embedded(monkeypatch)
    reply = _ask(agent, "Where is every turn of a chat session saved by the SQLite checkpointer?")
    assert reply.extras["answer_mode"] == "grounded" and reply.extras["not_found"] is False
    assert any("SQLite checkpointer" in q["text"] for q in reply.extras["quotes"])
    assert "INVENTED" not in reply.text  # the summary call ran, its unsupported sentence was dropped
    assert len(agent.context._model.calls) == 1


def test_retrieval_off_is_the_models_own_answer_labelled_generate(docs_store, monkeypatch):
    agent = _embedded(monkeypatch)
    reply = _ask(agent, "Who wrote the novel Moby-Dick?", retrieve="never")
    assert reply.extras["answer_mode"] == "generate" and reply.text == INVENTED  # asked for, and labelled
    agent = _embedded(monkeypatch)
    reply = _ask(agent, "Who wrote the novel Moby-Dick?", retrieve="never", answer_mode="grounded")
    assert reply.text == prompts.NOTHING_TO_QUOTE and reply.extras["citations"] == []
    assert reply.extras["retrieved"] is False and agent.context._model.calls == []


def test_generate_mode_still_asks_the_gate_and_answers_directly(docs_store, monkeypatch):
    monkeypatch.setenv("PLAIT_GATE", "never")
    reply = _ask(get_agent("rag", load_settings()), "sea otters")  # scripted/echo: generate by default
    assert reply.extras["gate"]["decided_by"] == "never" and reply.extras["retrieved"] is False
    assert reply.extras["answer_mode"] == "generate" and reply.text == "Echo: sea otters"
