"""Hybrid retrieval on real Chroma: cosine similarity, BM25 + dense fusion, the BM25 index cache."""

from __future__ import annotations

import pytest

from plait.retrieval.ingest import ingest_paths
from plait.retrieval.retrieve import Retriever
from plait.retrieval.store import get_collection

from .conftest import SynonymEmbedder, write_docs


@pytest.fixture
def corpus(tmp_path):
    """60 distractor notes about a car, one error-code page, one car-maintenance page."""
    d = tmp_path / "corpus"
    d.mkdir()
    for i in range(60):
        (d / f"note{i:02d}.md").write_text(f"Reference note {i} about the car, gardening topic{i} and weather.")
    (d / "errors.md").write_text("Disk status E4021 is raised when the volume is full.")
    (d / "cars.md").write_text("Car maintenance: change the oil of the car every year.")
    return d


def test_similarity_is_one_minus_cosine_distance(settings, embedder, tmp_path):
    docs = write_docs(tmp_path / "docs", 5)
    ingest_paths([docs], settings, embedder, progress=False)
    hits = Retriever(settings, embedder).retrieve("doc3 token4 sentence7", k=5)
    coll = get_collection(settings, settings.collection, embedder.id)
    raw = coll.query(query_embeddings=embedder.embed(["doc3 token4 sentence7"]), n_results=30, include=["distances"])
    distance = dict(zip(raw["ids"][0], raw["distances"][0]))
    assert hits and hits[0].source.endswith("doc003.md")
    for hit in hits:
        assert hit.similarity == pytest.approx(1 - distance[hit.id], abs=1e-6)
        assert 0.0 <= hit.score <= 1.0


def test_bm25_only_exact_term_is_retrieved(settings, corpus):
    emb = SynonymEmbedder()
    ingest_paths([corpus], settings, emb, progress=False)
    query = "E4021 automobile"  # dense sees only "automobile" (= car): every note is closer than the code page
    dense_top = get_collection(settings, settings.collection, emb.id).query(
        query_embeddings=emb.embed([query]), n_results=5)["ids"][0]
    assert not any("errors.md" in cid for cid in dense_top)  # dense alone misses the code
    hits = Retriever(settings, emb).retrieve(query, k=5)
    found = [h for h in hits if h.source.endswith("errors.md")]
    assert found, [h.source for h in hits]
    hit = found[0]
    assert hit.bm25 and hit.bm25 > 0
    assert hit.similarity is not None and hit.similarity < 0.2  # computed from its stored vector
    assert hit.score == pytest.approx(max(hit.similarity, hit.metadata["lexical"])) and hit.metadata["lexical"] > 0.1
    code = Retriever(settings, emb).retrieve("E4021", k=3)[0]  # a lookup of the code alone
    assert code.source.endswith("errors.md") and code.similarity < 0.2
    assert code.score > 0.9  # the rare exact term makes it relevant despite a low cosine


def test_dense_only_paraphrase_is_retrieved(settings, corpus):
    emb = SynonymEmbedder()
    ingest_paths([corpus], settings, emb, progress=False)
    hits = Retriever(settings, emb).retrieve("automobile upkeep", k=3)
    assert hits[0].source.endswith("cars.md")
    assert hits[0].bm25 is None  # no shared word: BM25 cannot see it
    assert hits[0].similarity > 0.5 and hits[0].score == pytest.approx(hits[0].similarity)


def test_unrelated_question_scores_low(settings, corpus):
    emb = SynonymEmbedder()
    ingest_paths([corpus], settings, emb, progress=False)
    hits = Retriever(settings, emb).retrieve("quantum chromodynamics lattice", k=5)
    assert all(h.score < settings.min_score for h in hits)


def test_empty_store_and_count(settings, embedder, tmp_path):
    r = Retriever(settings, embedder)
    assert r.count() == 0 and r.retrieve("anything") == []
    ingest_paths([write_docs(tmp_path / "d", 2)], settings, embedder, progress=False)
    assert r.count() == len(get_collection(settings, settings.collection, embedder.id).get()["ids"])
    assert len(r.retrieve("doc1", k=1)) == 1


def test_bm25_index_rebuilt_only_when_store_changes(settings, embedder, tmp_path, monkeypatch):
    import plait.retrieval.bm25 as bm25

    builds = []
    real = bm25._build
    monkeypatch.setattr(bm25, "_build", lambda coll, sig: builds.append(sig) or real(coll, sig))
    docs = write_docs(tmp_path / "docs", 3)
    ingest_paths([docs], settings, embedder, progress=False)
    r = Retriever(settings, embedder)
    r.retrieve("doc1 token2")
    r.retrieve("doc2 token3")
    assert len(builds) == 1
    bm25._CACHE.clear()  # a new process loads the persisted index instead of rebuilding
    r.retrieve("doc1 token2")
    assert len(builds) == 1
    ingest_paths([docs], settings, embedder, progress=False)  # unchanged: no rebuild
    r.retrieve("doc1 token2")
    assert len(builds) == 1
    (docs / "doc001.md").write_text("entirely new words: pelican harbour")
    ingest_paths([docs], settings, embedder, progress=False)
    hits = r.retrieve("pelican harbour", k=1)
    assert len(builds) == 2 and hits[0].source.endswith("doc001.md") and hits[0].bm25 > 0
