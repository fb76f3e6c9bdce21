"""A character's long-term memory: its own Chroma collection ``character-<slug>``.

Two kinds of record: ``profile`` chunks (indexed once from the character's profile, ids from
the chunk's text so an edited profile re-indexes) and ``summary`` records, first-person
summaries of earlier conversations written back by the agent.

Summaries belong to the owner of the session that wrote them (``owner_scope``: ``local`` for
the command line, a hash of the API key's owner for the server; the key itself is never
stored). Recall returns the profile plus the asking owner's own summaries only, unless the
memory is shared (``[characters] shared_memory = true``), when every summary is recalled.
Summaries written before scoping existed carry no owner and are recalled only when shared.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from plait.core.config import Settings


def chunk_profile(text: str, max_words: int = 120) -> list[str]:
    """Paragraph-aligned chunks of at most ``max_words`` words (long paragraphs split on sentences)."""
    pieces: list[str] = []
    for para in re.split(r"\n\s*\n", text.strip()):
        para = " ".join(para.split())
        if not para:
            continue
        if len(para.split()) <= max_words:
            pieces.append(para)
            continue
        current: list[str] = []
        for sentence in re.split(r"(?<=[.!?])\s+", para):
            if current and len(" ".join(current + [sentence]).split()) > max_words:
                pieces.append(" ".join(current))
                current = []
            current.append(sentence)
        if current:
            pieces.append(" ".join(current))
    # merge short neighbours so chunks carry enough context to be retrieved
    merged: list[str] = []
    for piece in pieces:
        if merged and len(merged[-1].split()) + len(piece.split()) <= max_words // 2:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


LOCAL_OWNER = "local"


def owner_scope(owner: str | None) -> str:
    """The memory scope of a session owner: ``local`` (no owner: the CLI user) or ``key-<hash>``."""
    if owner is None or str(owner) == "":
        return LOCAL_OWNER
    return "key-" + hashlib.sha256(str(owner).encode("utf-8")).hexdigest()[:16]


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


class CharacterMemory:
    """Profile chunks and conversation summaries of one character."""

    def __init__(self, settings: Settings, slug: str, embedder: Any = None, shared: bool = False):
        self.settings = settings
        self.slug = slug
        self.shared = shared  # True: every owner recalls every summary
        self._embedder = embedder
        self._coll = None

    @property
    def embedder(self):
        if self._embedder is None:
            from plait.core.models import get_embedder

            self._embedder = get_embedder(None, self.settings)
        return self._embedder

    @property
    def collection(self):
        if self._coll is None:
            from plait.retrieval.store import get_collection

            self._coll = get_collection(self.settings, f"character-{self.slug}", self.embedder.id)
        return self._coll

    def ensure_profile(self, profile: str) -> int:
        """Index the profile's chunks if not there yet; drop chunks of an older profile. Returns the count added."""
        chunks = chunk_profile(profile)
        ids = [f"profile-{i}-{_hash(c)}" for i, c in enumerate(chunks)]
        coll = self.collection
        existing = set(coll.get(where={"kind": "profile"}, include=[])["ids"])
        stale = sorted(existing - set(ids))
        if stale:
            coll.delete(ids=stale)
        missing = [(i, c) for i, c in zip(ids, chunks) if i not in existing]
        if missing:
            coll.upsert(
                ids=[i for i, _ in missing],
                documents=[c for _, c in missing],
                embeddings=self.embedder.embed([c for _, c in missing]),
                metadatas=[{"kind": "profile", "order": ids.index(i)} for i, _ in missing],
            )
        return len(missing)

    def add_summary(self, session: str, text: str, upto: int, scope: str = LOCAL_OWNER) -> str:
        """Store a summary of ``session`` up to message ``upto`` for owner ``scope``; returns its id."""
        rid = f"summary-{scope}-{session}-{upto}"
        self.collection.upsert(
            ids=[rid],
            documents=[text],
            embeddings=self.embedder.embed([text]),
            metadatas=[{"kind": "summary", "owner": scope, "session": session, "upto": upto, "time": time.time()}],
        )
        return rid

    def _visible(self, scope: str) -> dict[str, Any] | None:
        """The Chroma filter for what ``scope`` may recall (None = everything, when shared)."""
        if self.shared:
            return None
        return {"$or": [{"kind": "profile"}, {"$and": [{"kind": "summary"}, {"owner": scope}]}]}

    def recall(self, query: str, k: int = 4, scope: str = LOCAL_OWNER) -> list[dict[str, Any]]:
        """The ``k`` records visible to ``scope`` nearest to ``query`` as ``{id, kind, text, score}``."""
        from plait.retrieval.store import similarity

        coll = self.collection
        where = self._visible(scope)
        total = len(coll.get(where=where, include=[])["ids"]) if where else coll.count()
        if not query.strip() or total == 0:
            return []
        res = coll.query(query_embeddings=self.embedder.embed([query]), n_results=min(k, total), where=where,
                         include=["documents", "metadatas", "distances"])
        out = []
        for rid, doc, meta, dist in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0]):
            out.append({"id": rid, "kind": (meta or {}).get("kind", ""), "text": doc, "score": round(similarity(dist), 4)})
        return out

    def summaries(self, scope: str | None = None) -> list[dict[str, Any]]:
        """Stored summaries: every owner's (``scope=None``) or one owner's."""
        where: dict[str, Any] = {"kind": "summary"} if scope is None else {"$and": [{"kind": "summary"}, {"owner": scope}]}
        got = self.collection.get(where=where, include=["documents", "metadatas"])
        return [{"id": i, "text": d, **(m or {})} for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
