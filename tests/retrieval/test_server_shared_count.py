"""Two PLAIT_HOMEs on one Chroma server (two machines' replicas): an ingest through one home is
retrieved through the other at its very next question, though that home's generation counter
never changed (issue 21)."""

from __future__ import annotations

import uuid

from plait.retrieval.ingest import ingest_paths
from plait.retrieval.retrieve import Retriever

from .conftest import write_docs


def test_an_ingest_from_another_home_is_seen_at_the_next_question(plait_home, monkeypatch, chroma_server_url, embedder, tmp_path):
    from plait.core.config import load_settings

    monkeypatch.setenv("PLAIT_CHROMA_URL", chroma_server_url)
    monkeypatch.setenv("PLAIT_COLLECTION", "shared-" + uuid.uuid4().hex[:10])
    replica = load_settings()
    writer = replica.model_copy(update={"home": tmp_path / "writer-home"})
    retriever = Retriever(replica, embedder)
    assert retriever.retrieve("doc0 token3 sentence4", k=3) == []  # empty store, its count now known here

    ingest_paths([write_docs(tmp_path / "docs", 2, words=60)], writer, embedder, progress=False)
    hits = retriever.retrieve("doc0 token3 sentence4", k=3)  # at once: no waiting for a count to expire
    assert hits and hits[0].source.endswith("doc000.md")
