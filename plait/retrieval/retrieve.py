"""Hybrid retrieval: dense (Chroma, cosine) + BM25 (bm25s), fused by weighted reciprocal rank.

Ranking is by weighted reciprocal rank fusion, ``w_dense/(60 + rank) + 1/(60 + rank)`` over the two
lists (``dense_weight``: for an English-only embedder, dense counts double on English text and
fades with the share of the question written in CJK, which such an embedder cannot read; other
embedders fuse plainly); BM25 reads the question's key terms (``bm25.key_terms``). RRF values
only order; they say nothing about relevance. So every ``Hit`` also carries:

- ``similarity``: cosine similarity of the chunk to the question, ``1 - distance`` from Chroma's
  cosine space (for a chunk found only by BM25 we compute the same cosine from its stored vector);
- ``bm25``: the raw BM25 score, None if BM25 did not find the chunk;
- ``score`` in [0, 1]: ``max(similarity, lexical)``, where ``lexical`` is the squared IDF-weighted
  share of the question's terms present in the chunk. A paraphrase scores by meaning, an exact
  rare term (an error code, a name) by its match; unrelated chunks stay low on both. This is the
  number to compare with ``settings.min_score`` to decide that nothing relevant was found.
"""

from __future__ import annotations

import math

from plait.core.config import Settings
from plait.core.models.base import Embedder
from plait.retrieval.bm25 import CJK, chunk_count, forget_index, get_index, key_terms, tokenize
from plait.retrieval.docstore import read_generation
from plait.retrieval.store import fresh_client, get_collection, similarity
from plait.retrieval.types import Hit

RRF_K = 60
FUSION_DEPTH = 50  # each list is read this deep before fusing: a chunk ranked 30th by both still wins
INTERNAL_KEYS = {"_node_content", "_node_type", "document_id", "doc_id", "ref_doc_id"}
# Embedders trained on English text only: their vectors of Chinese/Japanese/Korean text carry
# little meaning (on the zh_CN man pages dense MiniLM alone found 0.64 of the tune questions).
ENGLISH_ONLY = frozenset({"local/all-minilm-l6-v2"})
# Chosen on the tune split of benchmarks/retrieval_quality.py: 1.5 and 2 tie, 3 lost on the mixed
# corpus; see docs/retrieval.md.
DENSE_WEIGHT = 2.0


def cjk_share(text: str) -> float:
    """Share of the letters and digits of ``text`` that are Han, kana or Hangul characters."""
    chars = [ch for ch in text if ch.isalnum()]
    return sum(1 for ch in chars if CJK.match(ch)) / len(chars) if chars else 0.0


def dense_weight(query: str, embedder_id: str) -> float:
    """Weight of the dense list in the fusion for ``query``.

    An English-only embedder: ``DENSE_WEIGHT`` times the share of the question it can read (0 for
    a question written wholly in Chinese, where BM25's character bigrams decide). Any other
    embedder: 1, plain RRF (not measured otherwise).
    """
    if embedder_id not in ENGLISH_ONLY:
        return 1.0
    return DENSE_WEIGHT * (1.0 - cjk_share(query))


def _cosine(a, b) -> float:
    """Cosine of two vectors as a plain float (Chroma returns stored vectors as numpy arrays)."""
    a, b = [float(x) for x in a], [float(y) for y in b]
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    nb = math.sqrt(sum(y * y for y in b)) or 1.0
    return float(dot / (na * nb))


class Retriever:
    """Hybrid retriever over ``settings.collection`` filled by ``ingest_paths`` with ``embedder``."""

    def __init__(self, settings: Settings, embedder: Embedder, collection: str | None = None):
        self.settings = settings
        self.embedder = embedder
        self.name = collection or settings.collection
        self.generation = read_generation(settings, self.name)
        self.collection = get_collection(settings, self.name, embedder.id)

    def _refresh(self) -> None:
        """Another process ingested since this retriever opened the store: look at it anew."""
        generation = read_generation(self.settings, self.name)
        if generation != self.generation:
            client = fresh_client(self.settings, generation)
            self.collection = get_collection(self.settings, self.name, self.embedder.id, client)
            self.generation = generation

    def count(self) -> int:
        """Chunks in the store."""
        return self.collection.count()

    def retrieve(self, query: str, k: int | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query`` (default ``settings.top_k``), best first."""
        k = k or self.settings.top_k
        self._refresh()
        total = chunk_count(self.settings, self.name, self.collection)
        if total == 0 or not query.strip():
            return []
        depth = min(total, max(4 * k, FUSION_DEPTH))
        qvec = self.embedder.embed([query])[0]
        # Distances only: text and metadata are fetched for the k fused winners, not for 50 candidates.
        res = self.collection.query(query_embeddings=[qvec], n_results=depth, include=["distances"])
        rows: dict[str, dict] = {}
        fused: dict[str, float] = {}
        dense_rank: dict[str, int] = {}
        weight = dense_weight(query, self.embedder.id)
        for rank, (cid, dist) in enumerate(zip(res["ids"][0], res["distances"][0])):
            rows[cid] = {"similarity": similarity(dist), "bm25": None}
            fused[cid] = weight / (RRF_K + rank + 1)
            dense_rank[cid] = rank
        index = get_index(self.settings, self.name, self.collection, total)
        terms = tokenize([query])[0]
        bm25_hits = index.search(key_terms(terms), depth)
        for rank, (cid, score) in enumerate(bm25_hits):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
            rows.setdefault(cid, {"similarity": None})["bm25"] = score
        # With a dense weight of 0 the chunks BM25 did not find still come in the dense list's
        # order; otherwise ties go by chunk id, as in plain RRF.
        tie = dense_rank if weight == 0 else {}
        top = sorted(fused, key=lambda c: (-fused[c], tie.get(c, 0), c))[:k]
        self._fill(top, rows, qvec)
        top = [cid for cid in top if "text" in rows[cid]]  # a chunk deleted since it was ranked
        lexicals = index.lexical(terms, [rows[cid]["text"] for cid in top])
        hits = []
        for cid, lexical in zip(top, lexicals):
            row = rows[cid]
            meta = row["meta"]
            sim = row["similarity"]
            score = min(1.0, max(0.0, sim if sim is not None else 0.0, lexical))
            hits.append(Hit(
                text=row["text"], source=str(meta.get("source", meta.get("path", cid))),
                chunk=int(meta.get("chunk", 0) or 0), score=score, similarity=sim, bm25=row["bm25"], id=cid,
                metadata={**{key: v for key, v in meta.items() if key not in INTERNAL_KEYS},
                          "rrf": fused[cid], "lexical": lexical},
            ))
        return hits

    def _fill(self, top: list[str], rows: dict[str, dict], qvec: list[float]) -> None:
        """Text and metadata of the fused winners, and the cosine similarity of those only BM25 found.

        The BM25 index can name a chunk this process cannot fetch: deleted by another process, or
        written by another process that this process's Chroma view does not hold yet. Such a chunk
        is left out of the hits (never an error), and the index is marked stale so the next
        question rebuilds it.
        """
        missing = [cid for cid in top if "text" not in rows[cid]]
        if not missing:
            return
        need_vectors = any(rows[cid].get("similarity") is None for cid in missing)
        for cid, doc, meta, emb in self._fetch(missing, need_vectors):
            rows[cid].update(text=doc or "", meta=meta or {})
            if rows[cid].get("similarity") is None:
                rows[cid]["similarity"] = _cosine(qvec, emb)
        if any("text" not in rows[cid] and rows[cid].get("bm25") is not None for cid in missing):
            forget_index(self.settings, self.name)  # BM25 named a chunk the store does not hold

    def _fetch(self, ids: list[str], vectors: bool = True) -> list[tuple]:
        """(id, document, metadata, embedding or None) for the ``ids`` Chroma can find; the others
        are skipped. Stored vectors are read only when ``vectors`` (a chunk only BM25 found)."""
        include = ["documents", "metadatas"] + (["embeddings"] if vectors else [])
        try:
            got = self.collection.get(ids=ids, include=include)
        except Exception:  # chromadb raises InternalError("Error finding id") for one unknown id
            if len(ids) == 1:
                return []
            return [row for cid in ids for row in self._fetch([cid], vectors)]
        embeddings = got["embeddings"] if vectors else [None] * len(got["ids"])
        return list(zip(got["ids"], got["documents"], got["metadatas"], embeddings))
