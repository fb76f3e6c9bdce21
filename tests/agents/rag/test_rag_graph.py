"""The RAG graph with the scripted model, a real Chroma store and the hash embedder."""

from __future__ import annotations

import pytest

from plait.agents.base import AgentReply, AgentRequest, get_agent
from plait.core.config import load_settings
from plait.core.errors import InputError


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "otters.md").write_text("# Otters\nSea otters hold hands while sleeping so they do not drift apart.\n")
    (d / "volcano.txt").write_text("Mount Etna is an active volcano on the east coast of Sicily.\n")
    return d


@pytest.fixture
def store(plait_home, docs, monkeypatch):
    # retrieval plumbing, not the default (UAR) gate's judgement: test_rag_turn_options covers auto mode
    monkeypatch.setenv("PLAIT_GATE", "always")
    from plait.core.models import get_embedder
    from plait.retrieval.ingest import ingest_paths

    settings = load_settings()
    ingest_paths([docs], settings, get_embedder(None, settings), progress=False)
    return settings


def ask(agent, text, session=None, **options):
    return agent.invoke(AgentRequest([{"role": "user", "content": text}], session, options))


def test_answer_cites_the_retrieved_source(store):
    agent = get_agent("rag", store)
    reply = ask(agent, "why do sea otters hold hands while sleeping")
    assert reply.extras["retrieved"] is True
    assert reply.extras["sources"], "a relevant document must be cited"
    top = reply.extras["sources"][0]
    assert top["source"].endswith("otters.md") and top["n"] == 1
    # scripted/echo cites every numbered source it was shown: the citation markers reach the model
    assert "[1]" in reply.text and reply.text.startswith("Echo: why do sea otters")


def test_nothing_relevant_says_so_instead_of_answering(store, monkeypatch):
    monkeypatch.setenv("PLAIT_MIN_SCORE", "0.99")
    agent = get_agent("rag", load_settings())
    reply = ask(agent, "quantum chromodynamics lattice gauge", retrieve="always")
    assert reply.extras["not_found"] is True
    assert reply.extras["sources"] == []
    assert "could not find" in reply.text and not reply.text.startswith("Echo")


def test_retrieve_never_answers_from_the_model_alone(store):
    reply = ask(get_agent("rag", store), "sea otters", retrieve="never")
    assert reply.extras["retrieved"] is False and reply.extras["gate"]["decided_by"] == "override"
    assert reply.extras["sources"] == [] and reply.text == "Echo: sea otters"


def test_bad_retrieve_mode_and_empty_question_are_refused(store):
    agent = get_agent("rag", store)
    with pytest.raises(InputError, match="retrieve mode"):
        ask(agent, "x", retrieve="sometimes")
    with pytest.raises(InputError, match="no user message"):
        agent.invoke(AgentRequest([{"role": "user", "content": "  "}]))


def test_stream_yields_the_same_text_as_invoke(store):
    agent = get_agent("rag", store)
    pieces = list(agent.stream(AgentRequest([{"role": "user", "content": "Mount Etna volcano"}])))
    assert isinstance(pieces[-1], AgentReply) and all(isinstance(p, str) for p in pieces[:-1])
    assert "".join(pieces[:-1]) == pieces[-1].text == ask(agent, "Mount Etna volcano").text


def test_session_keeps_history_and_sessions_do_not_mix(store):
    agent = get_agent("rag", store)
    ask(agent, "first in a", session="a")
    ask(agent, "second in a", session="a")
    ask(agent, "only in b", session="b")
    history_a = [m["content"] for m in get_agent("rag", store).history("a")]  # a new instance: read from SQLite
    assert history_a[0] == "first in a" and history_a[2] == "second in a" and len(history_a) == 4
    assert "only in b" not in history_a


def test_stateless_request_uses_the_history_it_carries(store):
    from plait.core.models.scripted import ScriptedChatModel

    agent = get_agent("rag", store)
    model = ScriptedChatModel(default="ok")
    agent.context._model = model
    messages = [
        {"role": "user", "content": "earlier question"},
        {"role": "assistant", "content": "earlier answer"},
        {"role": "user", "content": "sea otters"},
    ]
    agent.invoke(AgentRequest(messages, options={"retrieve": "never"}))
    sent = model.calls[0][0]
    assert [m["content"] for m in sent[1:]] == ["earlier question", "earlier answer", "sea otters"]


def test_n_choices_come_back_as_alternatives(store):
    from plait.core.models.scripted import ScriptedChatModel

    agent = get_agent("rag", store)
    agent.context._model = ScriptedChatModel(["one", "two", "three"])
    reply = ask(agent, "otters", retrieve="never", n=3)
    assert reply.text == "one" and reply.alternatives == ["two", "three"]
