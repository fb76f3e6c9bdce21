"""Checkpointed RAG sessions hold plain JSON only, also when a chunk found only by BM25 is cited.

Regression for issue 11.1: the cosine computed for a BM25-only hit from Chroma's stored vector was
a numpy.float64, and the SQLite checkpointer refused it (``Type is not msgpack serializable``),
losing the turn.
"""

from __future__ import annotations

import json
import re

import pytest

from plait.agents.base import AgentRequest, get_agent
from plait.core.config import load_settings
from plait.core.models.scripted import HashEmbedder


class DigitBlindEmbedder(HashEmbedder):
    """Ignores words with digits, as sentence embedders often do with codes: only BM25 finds ``E4021``."""

    def __init__(self):
        super().__init__(256)
        self.id = "test/digit-blind-256"

    def embed(self, texts):
        return super().embed([" ".join(w for w in re.findall(r"\w+", t.lower()) if not any(c.isdigit() for c in w)) for t in texts])


@pytest.fixture
def agent(plait_home, tmp_path):
    from plait.retrieval.ingest import ingest_paths
    from plait.retrieval.retrieve import Retriever

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(60):
        (corpus / f"note{i:02d}.md").write_text(f"Reference note {i} about the car, gardening topic{i} and weather.")
    (corpus / "errors.md").write_text("Disk status E4021 is raised when the volume is full.")
    settings = load_settings()
    embedder = DigitBlindEmbedder()
    ingest_paths([corpus], settings, embedder, progress=False)
    rag = get_agent("rag", settings)
    rag.retriever = Retriever(settings, embedder)  # the same embedder that filled the store
    return rag


def _types(value, path="state"):
    """Every leaf type in ``value`` with its path."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _types(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _types(v, f"{path}[{i}]")
    else:
        yield path, type(value)


def test_session_turn_citing_a_bm25_only_chunk_is_checkpointed(agent, monkeypatch):
    # Each list is fused 20 deep here, so on this 61-chunk corpus the code page is outside the dense
    # list and reaches the top k through BM25 alone (at the default depth, 50, dense lists it too).
    monkeypatch.setattr("plait.retrieval.retrieve.FUSION_DEPTH", 20)
    question = "E4021 car"  # dense sees only "car" (every note has it): the code page is a BM25-only hit
    dense = agent.retriever.collection.query(
        query_embeddings=agent.retriever.embedder.embed([question]), n_results=20)["ids"][0]
    assert not any("errors.md" in cid for cid in dense)  # the premise: dense retrieval misses it

    reply = agent.invoke(AgentRequest([{"role": "user", "content": question}], "s1", {"retrieve": "always"}))
    cited = [s for s in reply.extras["sources"] if s["source"].endswith("errors.md")]
    assert cited and type(cited[0]["similarity"]) is float
    json.dumps(reply.extras)  # the API answers with it

    agent.invoke(AgentRequest([{"role": "user", "content": "and the E4021 fix?"}], "s1", {"retrieve": "always"}))
    fresh = get_agent("rag", load_settings())  # a new agent reads the session back from SQLite
    assert [m["content"] for m in fresh.history("s1")][::2] == [question, "and the E4021 fix?"]
    values = fresh.session_graph.get_state({"configurable": {"thread_id": "s1"}}).values
    bad = [(p, t) for p, t in _types(values) if t not in (str, int, float, bool, type(None))]
    assert not bad, bad


def test_plain_turns_numpy_and_other_types_into_json():
    np = pytest.importorskip("numpy")
    from pathlib import Path

    from plait.agents.rag.state import plain

    state = {"hits": [{"score": np.float32(0.5), "vec": np.arange(3), "ok": np.bool_(True), "n": np.int64(2)}],
             "gate": {"p": np.float64(0.25), "at": Path("/x"), "pair": (1, 2), "nan": float("nan")}, "other": object()}
    out = plain(state)
    json.dumps(out)
    assert out["hits"][0] == {"score": 0.5, "vec": [0, 1, 2], "ok": True, "n": 2}
    assert out["gate"] == {"p": 0.25, "at": "/x", "pair": [1, 2], "nan": None}
    assert type(out["hits"][0]["score"]) is float and isinstance(out["other"], str)
