"""Chunk lookup: the text a citation points at, by chunk id or by source and chunk number.

Surfaces (the HTTP API's ``/api/chunks``, the CLI) call this; none of them talks to Chroma.
"""

from __future__ import annotations

from typing import Any

from plait.core.config import Settings
from plait.core.errors import NotFound


def find_chunk(settings: Settings, *, source: str | None = None, chunk: int | None = None,
               chunk_id: str | None = None) -> dict[str, Any]:
    """``{"id", "source", "chunk", "text", "metadata"}`` of one stored chunk, or NotFound saying why."""
    from plait.retrieval.store import chroma_client

    try:
        coll = chroma_client(settings).get_collection(settings.collection)
    except Exception:
        raise NotFound(f"no document collection {settings.collection!r} yet; ingest documents with `plait ingest PATH`") from None
    if chunk_id:
        got = coll.get(ids=[chunk_id], include=["documents", "metadatas"])
    else:
        got = coll.get(where={"$and": [{"source": source}, {"chunk": chunk}]}, include=["documents", "metadatas"])
    if not got.get("ids"):
        what = chunk_id or f"{source} chunk {chunk}"
        raise NotFound(f"no chunk {what!r} in collection {settings.collection!r}; the source may have been re-ingested")
    meta = (got.get("metadatas") or [{}])[0] or {}
    return {
        "id": got["ids"][0],
        "source": meta.get("source", source),
        "chunk": meta.get("chunk", chunk),
        "text": (got.get("documents") or [""])[0],
        "metadata": meta,
    }
