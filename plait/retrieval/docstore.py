"""The ingestion docstore (LlamaIndex ``SimpleDocumentStore``) and its on-disk discipline.

It lives under ``PLAIT_HOME/ingest/`` next to a lock file and a generation counter:

- the docstore maps each document id (the file's resolved path) to the hash of what was last
  fully written to Chroma. It is the commit record: Chroma is written first, the docstore after,
  so a crash leaves at worst a file whose chunks are in Chroma but not yet committed, and the next
  run redoes that file (deleting its stray chunk ids first).
- writes are atomic (temp file + ``os.replace``): a kill never leaves a half-written docstore.
- the generation counter changes whenever ingestion touched the store; the BM25 index compares
  it (and the chunk count) to know when to rebuild.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from plait.core.config import Settings
from plait.core.errors import StoreError


def ingest_dir(settings: Settings) -> Path:
    path = Path(settings.home) / "ingest"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stem(settings: Settings, collection: str) -> str:
    # One docstore per store target: a Chroma server and the embedded store never share records.
    if settings.chroma_url:
        return f"{collection}-{hashlib.sha1(settings.chroma_url.encode()).hexdigest()[:10]}"
    return collection


def docstore_path(settings: Settings, collection: str) -> Path:
    return ingest_dir(settings) / f"{_stem(settings, collection)}.docstore.json"


def generation_path(settings: Settings, collection: str) -> Path:
    return ingest_dir(settings) / f"{_stem(settings, collection)}.generation"


def load_docstore(settings: Settings, collection: str):
    from llama_index.core.storage.docstore import SimpleDocumentStore

    path = docstore_path(settings, collection)
    if not path.exists():
        return SimpleDocumentStore()
    try:
        return SimpleDocumentStore.from_persist_path(str(path))
    except Exception as exc:
        raise StoreError(
            f"the ingestion docstore {path} is unreadable ({type(exc).__name__}: {exc}); remove it and run "
            f"`plait ingest` again on your folders (unchanged chunks are rewritten in place, nothing is duplicated)"
        ) from None


def save_docstore(docstore, settings: Settings, collection: str) -> None:
    path = docstore_path(settings, collection)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    docstore.persist(persist_path=str(tmp))
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def committed_docs(docstore) -> dict[str, str]:
    """doc id -> hash of every committed document."""
    return {doc_id: doc_hash for doc_hash, doc_id in docstore.get_all_document_hashes().items()}


def read_generation(settings: Settings, collection: str) -> str:
    try:
        return generation_path(settings, collection).read_text().strip()
    except OSError:
        return "0"


def bump_generation(settings: Settings, collection: str) -> None:
    path = generation_path(settings, collection)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(str(time.time_ns()))
    os.replace(tmp, path)


@contextmanager
def ingest_lock(settings: Settings, collection: str) -> Iterator[None]:
    """One ingestion per store at a time; a second one fails fast instead of racing."""
    path = ingest_dir(settings) / f"{_stem(settings, collection)}.lock"
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"another `plait ingest` is writing collection {collection!r} under {settings.home}; "
                f"wait for it to finish and run again"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
