"""The Chroma store: embedded under PLAIT_HOME, or a server given by PLAIT_CHROMA_URL.

Collections use cosine distance and remember the embedder that filled them; plait computes
similarity itself as ``1 - distance``.
"""

from __future__ import annotations

import itertools
import threading
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from plait.core.config import Settings
from plait.core.errors import StoreError

COSINE = {"hnsw:space": "cosine"}


@lru_cache(maxsize=8)
def _client(home: str, url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreError(
                f"no Chroma server at {url} ({type(exc).__name__}: {exc}) — start one with "
                f"`chroma run --path DIR --host 127.0.0.1 --port 8000` or unset PLAIT_CHROMA_URL"
            ) from None
        return client
    path = Path(home) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def chroma_client(settings: Settings):
    """The Chroma client for these settings (cached per home/URL)."""
    return _client(str(settings.home), settings.chroma_url)


_VIEWS: dict[str, list[tuple[str, str, object]]] = {}  # home -> [(generation, chroma identifier, client)]
_VIEWS_LOCK = threading.Lock()
_VIEW_NUMBER = itertools.count(1)
_ORDER: list[str] = []  # homes in the order their views were opened
MAX_VIEWS = 8  # open views across all data directories (tests and tools open many)


def fresh_client(settings: Settings, generation: str):
    """A Chroma client that sees the store as written up to ingestion ``generation``.

    An embedded Chroma client keeps each collection's vector index in memory as it was when first
    read: writes by another process (`plait ingest` next to `plait serve`) stay invisible to its
    queries, and fetching such a chunk's vector fails with "Error finding id". A long-lived reader
    therefore opens a new client when the generation changed. Chroma caches one client per path
    string, so each view spells the same folder differently (``chroma/./.``). The two newest views
    per home are kept (a question may still run on the previous one); older ones are stopped.
    A Chroma server has one view for everyone: its client is returned as is.
    """
    if settings.chroma_url:
        return chroma_client(settings)
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    home = str(settings.home)
    with _VIEWS_LOCK:
        views = _VIEWS.setdefault(home, [])
        for gen, _ident, client in views:
            if gen == generation:
                return client
        ident = str(Path(home) / "chroma") + "/." * next(_VIEW_NUMBER)
        client = chromadb.PersistentClient(path=ident, settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False))
        views.append((generation, ident, client))
        while len(views) > 2:
            _stop(views.pop(0)[1])
        _ORDER.append(home)
        while len(_ORDER) > MAX_VIEWS and sum(len(v) for v in _VIEWS.values()) > MAX_VIEWS:
            oldest = _VIEWS.get(_ORDER.pop(0)) or []  # other data directories this process looked at
            if oldest and oldest is not views:
                _stop(oldest.pop(0)[1])
        return client


def _stop(identifier: str) -> None:
    """Release an old view's Chroma system (its in-memory indexes)."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        system = SharedSystemClient._identifier_to_system.pop(identifier, None)
        if system is not None:
            system.stop()
    except Exception:  # a Chroma without this cache: the view is simply left to the garbage collector
        pass


def get_collection(settings: Settings, name: str, embedder_id: str, client=None):
    """A cosine collection bound to ``embedder_id``; refuses one filled by another embedder.

    ``client`` is a view from ``fresh_client``; default: the process's shared client.
    """
    client = client or chroma_client(settings)
    coll = client.get_or_create_collection(name, metadata={**COSINE, "plait:embedder": embedder_id}, embedding_function=None)
    stored = (coll.metadata or {}).get("plait:embedder")
    if stored and stored != embedder_id:
        raise StoreError(
            f"collection {name!r} was filled with embedder {stored!r}, not {embedder_id!r}; "
            f"use PLAIT_EMBEDDER={stored} or re-ingest into a new PLAIT_HOME"
        )
    return coll


def similarity(distance: float) -> float:
    """Cosine similarity from Chroma's cosine distance."""
    return 1.0 - float(distance)


def flatten_metadata(meta: dict) -> dict:
    """Chroma accepts only str/int/float/bool (and no None): flatten the rest to strings."""
    import json

    out = {}
    for key, value in meta.items():
        if value is None:
            continue
        if isinstance(value, (str, int, float, bool)):
            out[key] = value
        else:
            out[key] = json.dumps(value, ensure_ascii=False, default=str)
    return out
