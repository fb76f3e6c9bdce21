"""Per-turn options travel in LangGraph's config, not in the checkpoint; old sessions still resume;
the reject threshold is the retrieval setting ``min_score``."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from plait import hookimpl
from plait.agents import sessions
from plait.agents.base import AgentReply, AgentRequest, get_agent
from plait.core.config import load_settings
from plait.core.models.scripted import ScriptedChatModel

CONVERSATION_KEYS = {"history", "question", "gate", "hits", "rejected", "answer", "alternatives", "tool_calls",
                     "answer_mode", "citations", "quotes"}


def checkpointed(name: str) -> dict[str, Any]:
    """The stored state of session ``name``, read back from SQLite by a new agent."""
    return get_agent("rag", load_settings()).session_graph.get_state({"configurable": {"thread_id": name}}).values


def ask(agent, text, session=None, **options):
    return agent.invoke(AgentRequest([{"role": "user", "content": text}], session, options))


def test_turn_options_reach_the_model_and_never_the_checkpoint(plait_settings):
    agent = get_agent("rag", plait_settings)
    model = agent.context._model = ScriptedChatModel(default="ok")
    ask(agent, "first", "s", retrieve="never", temperature=0.3, max_tokens=9, stop=["\n\n"], seed=5, owner="key-1")
    pieces = list(agent.stream(AgentRequest([{"role": "user", "content": "second"}], "s", {"retrieve": "never", "n": 1})))
    assert isinstance(pieces[-1], AgentReply) and pieces[-1].text == "ok"

    sent = model.calls[0][1]
    assert (sent.temperature, sent.max_tokens, sent.stop, sent.seed) == (0.3, 9, ["\n\n"], 5)
    values = checkpointed("s")
    assert set(values) <= CONVERSATION_KEYS, set(values) - CONVERSATION_KEYS
    assert [m["content"] for m in values["history"]] == ["first", "ok", "second", "ok"]
    info = sessions.get_session(plait_settings, "s")
    assert (info.agent, info.title, info.turns, info.owner) == ("rag", "first", 2, "key-1")


class PreviousRagState(TypedDict, total=False):
    """The state schema of the previous version, which checkpointed the turn's options."""

    history: Annotated[list[dict[str, Any]], operator.add]
    question: str
    retrieve_mode: str
    options: dict[str, Any]
    streaming: bool
    gate: dict[str, Any]
    hits: list[dict[str, Any]]
    rejected: bool
    answer: str
    alternatives: list[str]


def _write_previous_session(settings, name: str) -> None:
    from langgraph.graph import END, START, StateGraph

    def answer(state):
        q = state["question"]
        return {"answer": f"old {q}", "alternatives": [], "gate": {"retrieve": False, "decided_by": "override", "scores": {}},
                "hits": [], "rejected": False, "history": [{"role": "user", "content": q}, {"role": "assistant", "content": f"old {q}"}]}

    g = StateGraph(PreviousRagState)
    g.add_node("answer", answer)
    g.add_edge(START, "answer")
    g.add_edge("answer", END)
    old = g.compile(checkpointer=sessions.checkpointer(settings))
    config = {"configurable": {"thread_id": name}}
    for q in ("q1", "q2"):
        old.invoke({"question": q, "retrieve_mode": "never", "options": {"temperature": 0.9, "owner": None}, "streaming": True}, config)
    sessions.touch(settings, name, "rag", title="q1")
    assert {"options", "streaming", "retrieve_mode"} <= set(old.get_state(config).values)  # the premise


def test_session_written_by_the_previous_version_opens_and_resumes(plait_settings):
    _write_previous_session(plait_settings, "legacy")
    agent = get_agent("rag", plait_settings)
    assert [m["content"] for m in agent.history("legacy")] == ["q1", "old q1", "q2", "old q2"]
    reply = ask(agent, "q3", "legacy", retrieve="never")
    assert reply.text == "Echo: q3"
    values = checkpointed("legacy")
    assert [m["content"] for m in values["history"]][-2:] == ["q3", "Echo: q3"] and len(values["history"]) == 6
    assert set(values) <= CONVERSATION_KEYS  # the old channels are gone once the session moves on


@pytest.fixture
def otter_store(plait_settings, tmp_path):
    from plait.core.models import get_embedder
    from plait.retrieval.ingest import ingest_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "otters.md").write_text("Sea otters hold hands while sleeping so they do not drift apart.\n")
    ingest_paths([docs], plait_settings, get_embedder(None, plait_settings), progress=False)


def test_min_score_is_the_reject_threshold(otter_store, monkeypatch):
    monkeypatch.setenv("PLAIT_MIN_SCORE", "0.99")
    reply = ask(get_agent("rag", load_settings()), "quantum lattice otters", retrieve="always")
    assert reply.extras["not_found"] is True and reply.extras["sources"] == []
    monkeypatch.setenv("PLAIT_MIN_SCORE", "0.0")
    reply = ask(get_agent("rag", load_settings()), "quantum lattice otters", retrieve="always")
    assert reply.extras["not_found"] is False and reply.extras["sources"][0]["source"].endswith("otters.md")


def test_gate_reject_threshold_is_still_read_with_a_notice(otter_store, monkeypatch, capsys):
    import plait.agents.rag.graph as rag_graph

    monkeypatch.setattr(rag_graph, "_warned_legacy_threshold", False, raising=False)
    monkeypatch.setenv("PLAIT_GATE__REJECT_THRESHOLD", "0.99")
    reply = ask(get_agent("rag", load_settings()), "quantum lattice otters", retrieve="always")
    assert reply.extras["not_found"] is True
    notice = capsys.readouterr().err
    assert "deprecated: [gate] reject_threshold (in PLAIT_GATE__REJECT_THRESHOLD)" in notice and "min_score = 0.99" in notice
    monkeypatch.setenv("PLAIT_MIN_SCORE", "0.0")  # the new setting, once set, wins over the old key
    assert ask(get_agent("rag", load_settings()), "quantum lattice otters", retrieve="always").extras["not_found"] is False


class RecordingGate:
    """A registered gate that retrieves only for questions mentioning otters, and records what it saw."""

    seen: list[tuple[str, int]] = []

    def decide(self, question, history):
        from plait.core.gates import GateDecision

        RecordingGate.seen.append((question, len(history)))
        return GateDecision("otter" in question, "recording")


class RecordingGatePlugin:
    @hookimpl
    def register_retrieval_gates(self, register):
        register("recording", lambda ctx: RecordingGate())


def test_auto_mode_asks_the_configured_gate_and_retrieve_overrides_it(otter_store, plait_host, monkeypatch):
    RecordingGate.seen = []
    plait_host(("recording-gate", RecordingGatePlugin()))
    monkeypatch.setenv("PLAIT_GATE", "recording")
    agent = get_agent("rag", load_settings())
    found = ask(agent, "why do otters hold hands", "g")
    assert found.extras["gate"]["decided_by"] == "recording" and found.extras["retrieved"] is True
    assert found.extras["sources"][0]["source"].endswith("otters.md")
    skipped = ask(agent, "what is two plus two", "g")
    assert skipped.extras["retrieved"] is False and skipped.extras["sources"] == []
    assert RecordingGate.seen == [("why do otters hold hands", 0), ("what is two plus two", 2)]  # the session's history
    forced = ask(agent, "what is two plus two", "g", retrieve="always")
    assert forced.extras["gate"]["decided_by"] == "override" and len(RecordingGate.seen) == 2
