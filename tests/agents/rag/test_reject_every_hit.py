"""The reject threshold (min_score) applies to every hit, not only the best one: a hit scoring
below it never reaches the prompt or the sources, in every answer mode (the demo's invented
``PLAINT_TRACE`` came from such a low-scoring hit in the prompt)."""

from __future__ import annotations

import pytest

from plait.agents.base import AgentRequest, get_agent
from plait.agents.rag import grounded
from plait.core.config import load_settings
from plait.core.models.scripted import ScriptedChatModel

QUESTION = "Where is every turn of a chat session saved by the SQLite checkpointer?"


def _echoing_agent(settings):
    """The RAG agent with a scripted model that replies with its whole prompt."""
    agent = get_agent("rag", settings)
    agent.context._model = ScriptedChatModel(
        default=lambda messages, _opts: "\n".join(str(m.get("content") or "") for m in messages))
    return agent


def _ask(agent, **options):
    return agent.invoke(AgentRequest([{"role": "user", "content": QUESTION}], None, {"retrieve": "always", **options}))


def _threshold_between(settings) -> tuple[float, list[dict]]:
    """A min_score above the weakest hits and below the best one, from an unfiltered run."""
    monkeyless = settings.model_copy(update={"min_score": 0.0})
    hits = _ask(_echoing_agent(monkeyless), answer_mode="generate").extras["sources"]
    scores = sorted(h["score"] for h in hits)
    assert len(scores) >= 3 and scores[0] < scores[-1], scores
    return (scores[0] + scores[-1]) / 2, hits


def test_a_hit_below_min_score_never_reaches_the_generate_prompt(docs_store, monkeypatch):
    threshold, all_hits = _threshold_between(docs_store)
    low = [h for h in all_hits if h["score"] < threshold]
    assert low
    monkeypatch.setenv("PLAIT_MIN_SCORE", str(threshold))
    agent = _echoing_agent(load_settings())
    reply = _ask(agent, answer_mode="generate")
    prompt = "\n".join(str(m.get("content") or "") for m in agent.context._model.calls[-1][0])
    for hit in low:
        assert hit["text"].strip() not in prompt, f"hit {hit['source']}#{hit['chunk']} scored {hit['score']}"
    assert reply.extras["sources"] and all(s["score"] >= threshold for s in reply.extras["sources"])


@pytest.mark.parametrize("mode", grounded.ANSWER_MODES)
def test_sources_hold_no_hit_below_min_score_in_any_mode(docs_store, monkeypatch, mode):
    threshold, all_hits = _threshold_between(docs_store)
    monkeypatch.setenv("PLAIT_MIN_SCORE", str(threshold))
    reply = _ask(_echoing_agent(load_settings()), answer_mode=mode)
    kept = reply.extras["sources"]
    assert kept and all(s["score"] >= threshold for s in kept)
    assert [s["n"] for s in kept] == list(range(1, len(kept) + 1))  # renumbered, so citations stay valid
    assert set(reply.extras["citations"]) <= {s["n"] for s in kept}
