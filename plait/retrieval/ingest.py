"""``ingest_paths``: files -> chunks -> Chroma through LlamaIndex's ``IngestionPipeline``.

Per batch of new or changed files the order is fixed, which is what makes a SIGKILL harmless:

1. delete every chunk Chroma holds for those document ids (old versions, or strays of a run that
   was killed after writing Chroma but before committing);
2. ``pipeline.run``: split (in embedder tokens), embed, add to Chroma under deterministic ids;
3. commit the new hashes in the docstore (atomic file replace).

A file whose docstore hash is missing or stale is simply redone on the next run; a file whose
hash matches is skipped without reading Chroma at all.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Sequence

from plait.core.config import Settings
from plait.core.errors import InputError
from plait.core.models.base import Embedder
from plait.retrieval.docstore import (
    bump_generation, committed_docs, ingest_lock, load_docstore, save_docstore,
)
from plait.retrieval.readers import SkipFile, iter_files, read_file
from plait.retrieval.sections import write_sections
from plait.retrieval.store import flatten_metadata, get_collection
from plait.retrieval.types import IngestReport

BATCH_DOCS = 16  # files per pipeline run: big enough to batch embeddings, small enough to lose little on a crash
BATCH_CHARS = 400_000
SECTION_CHARS = 200_000  # a file larger than this is chunked, embedded and written section by section
PERSIST_EVERY_S = 5.0  # large docstores are rewritten at most this often (and always at the end)
HANG_HOOK = "PLAIT_TEST_INGEST_HANG_AFTER"  # test hook: stop forever after N files reach Chroma, before commit


def _resolve_inputs(paths: Sequence[Path | str]) -> list[tuple[Path, str, bool]]:
    """(resolved path, path as given, is_dir) for each input; refuses missing paths up front."""
    out = []
    for raw in paths:
        given = str(raw)
        p = Path(given).expanduser()
        if not p.exists():
            raise InputError(f"no such file or folder: {given}; check the path (nothing was ingested)")
        out.append((p.resolve(), given, p.is_dir()))
    if not out:
        raise InputError("no paths given; usage: plait ingest PATH... (files or folders)")
    return out


def _display(file: Path, root: Path, given: str, is_dir: bool) -> str:
    if not is_dir:
        return given
    return str(Path(given) / file.relative_to(root))


def _document(file: Path, display: str, text: str, file_type: str, extra: dict, chunking: str):
    from llama_index.core import Document

    meta = flatten_metadata({
        "source": display, "path": str(file), "file_name": file.name, "file_type": file_type,
        "chunking": chunking, **extra,
    })
    doc = Document(id_=str(file), text=text, metadata=meta)
    doc.excluded_embed_metadata_keys = list(meta)
    doc.excluded_llm_metadata_keys = list(meta)
    return doc


def _gather(inputs: list[tuple[Path, str, bool]], report: IngestReport) -> dict[Path, str]:
    """resolved file -> display name; links leaving their folder or broken are skipped and named."""
    files: dict[Path, str] = {}
    for root, given, is_dir in inputs:
        links: list[tuple[Path, str]] = []
        for file in iter_files(root, links):
            files.setdefault(file.resolve(), _display(file, root, given, is_dir))
        for link, why in links:
            report.skipped += 1
            report.warnings.append(f"skipped {_display(link, root, given, is_dir)}: {why}")
    return files


def build_pipeline(settings: Settings, embedder: Embedder, collection, docstore):
    """The LlamaIndex pipeline plait ingests with (explicit embedder, Chroma store, docstore)."""
    from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline
    from plait.retrieval.llama import ChunkNumberer, PlaitEmbedding, batched_store, make_splitter

    return IngestionPipeline(
        transformations=[
            make_splitter(settings.chunk_size, settings.chunk_overlap, embedder),
            ChunkNumberer(),
            PlaitEmbedding(embedder),
        ],
        vector_store=batched_store(collection),
        docstore=docstore,
        # plait classifies files itself and scopes deletions to the folders given with --sync;
        # the pipeline's UPSERTS strategy then replaces changed documents by id.
        docstore_strategy=DocstoreStrategy.UPSERTS,
        disable_cache=True,
    )


class _Progress:
    def __init__(self, enabled: bool, total: int):
        self.bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("{task.description}"), console=Console(stderr=True), transient=False,
            )
            self.task = self.bar.add_task("", total=total)
            self.bar.start()

    def advance(self, name: str) -> None:
        if self.bar:
            self.bar.update(self.task, advance=1, description=name[-40:])

    def close(self) -> None:
        if self.bar:
            self.bar.stop()


def ingest_paths(
    paths: Sequence[Path | str], settings: Settings, embedder: Embedder, *, sync: bool = False, progress: bool = True,
    metadata: dict[Path, dict] | None = None,
) -> IngestReport:
    """Ingest files and folders into ``settings.collection``; see the module docstring for the order.

    ``metadata``: extra chunk metadata per resolved file path (e.g. ``source`` = the URL a mined
    document came from, which citations then show instead of the file path)."""
    from plait.retrieval.llama import check_chunking

    check_chunking(settings.chunk_size, settings.chunk_overlap, embedder)
    inputs = _resolve_inputs(paths)
    report = IngestReport()
    files = _gather(inputs, report)
    name = settings.collection
    chunking = f"{embedder.id}:{settings.chunk_size}/{settings.chunk_overlap}"
    with ingest_lock(settings, name):
        collection = get_collection(settings, name, embedder.id)
        docstore = load_docstore(settings, name)
        committed = committed_docs(docstore)
        if committed and collection.count() == 0:
            # The store was wiped or replaced: the commit records describe nothing any more.
            report.warnings.append(f"collection {name!r} is empty; its ingestion records were reset")
            for doc_id in committed:
                docstore.delete_document(doc_id, raise_error=False)
            committed = {}
        pipeline = build_pipeline(settings, embedder, collection, docstore)
        state = {"persisted": time.monotonic(), "dirty": False, "files": 0}
        hang_after = int(os.environ.get(HANG_HOOK, "0") or 0)

        def commit(force: bool = False) -> None:
            if state["dirty"] and (force or len(committed) < 2000 or time.monotonic() - state["persisted"] > PERSIST_EVERY_S):
                save_docstore(docstore, settings, name)
                state["persisted"], state["dirty"] = time.monotonic(), False

        def write(batch: list) -> int:
            """Chunks written for ``batch``; raises if any of its files failed."""
            ids = [doc.id_ for doc, _ in batch]
            bump_generation(settings, name)
            collection.delete(where={"document_id": {"$in": ids}})  # old versions and crash strays
            small = [doc for doc, _ in batch if len(doc.text) <= SECTION_CHARS]
            chunks = len(pipeline.run(documents=small, store_doc_text=False)) if small else 0
            for doc, _ in batch:
                if len(doc.text) > SECTION_CHARS:  # bounded memory: one section's chunks at a time
                    chunks += write_sections(doc, settings, embedder, collection, SECTION_CHARS)
                    docstore.set_document_hash(doc.id_, doc.hash)
            bump_generation(settings, name)  # again: an index built while we wrote is stale now
            return chunks

        def flush(batch: list) -> None:
            if not batch:
                return
            try:
                chunks = write(batch)
            except Exception as exc:
                if len(batch) > 1:  # find the file that failed; the others are stored
                    for one in list(batch):
                        flush([one])
                    batch.clear()
                    return
                _forget_failed(batch[0][0], exc, collection, docstore, report)
                committed.pop(batch[0][0].id_, None)
                state["dirty"] = True
                batch.clear()
                return
            state["files"] += len(batch)
            if hang_after and state["files"] >= hang_after:
                sys.stderr.write(f"{HANG_HOOK}: {state['files']} files in Chroma, not committed\n")
                sys.stderr.flush()
                while True:
                    time.sleep(60)
            report.chunks += chunks
            for doc, kind in batch:
                setattr(report, kind, getattr(report, kind) + 1)
                committed[doc.id_] = doc.hash
            state["dirty"] = True
            commit()
            batch.clear()

        bar = _Progress(progress, len(files))
        try:
            batch: list = []
            chars = 0
            for file, display in files.items():
                bar.advance(display)
                try:
                    content = read_file(file)
                except SkipFile as why:
                    report.skipped += 1
                    report.warnings.append(f"skipped {display}: {why}")
                    continue
                extra = {**content.extra, **(metadata or {}).get(file, {})}
                doc = _document(file, display, content.text, content.file_type, extra, chunking)
                old = committed.get(doc.id_)
                if old == doc.hash:
                    report.unchanged += 1
                    continue
                batch.append((doc, "updated" if old else "added"))
                chars += len(content.text)
                if len(batch) >= BATCH_DOCS or chars >= BATCH_CHARS:
                    flush(batch)
                    chars = 0
            flush(batch)
            if sync:
                _sync_deletes(inputs, files, committed, collection, docstore, report)
                if report.deleted:
                    bump_generation(settings, name)
                    state["dirty"] = True
        finally:
            bar.close()
            commit(force=True)
    return report


def _forget_failed(doc, exc: Exception, collection, docstore, report: IngestReport) -> None:
    """A file whose chunks could not be written: remove what was written, skip it and name it."""
    collection.delete(where={"document_id": {"$in": [doc.id_]}})
    docstore.delete_document(doc.id_, raise_error=False)  # no commit record: the next run retries it
    report.skipped += 1
    report.warnings.append(
        f"skipped {doc.metadata.get('source', doc.id_)}: could not be chunked or stored "
        f"({type(exc).__name__}: {exc}); the other files were stored, run `plait ingest` again after fixing it"
    )


def _sync_deletes(inputs, files, committed, collection, docstore, report) -> None:
    """Delete the chunks of committed files under the given folders that no longer exist."""
    roots = [root for root, _given, is_dir in inputs if is_dir]
    gone = []
    for doc_id in list(committed):
        path = Path(doc_id)
        if path in files or path.exists():
            continue
        if any(path.is_relative_to(root) for root in roots):
            gone.append(doc_id)
    for i in range(0, len(gone), 100):
        part = gone[i:i + 100]
        collection.delete(where={"document_id": {"$in": part}})  # Chroma first, then the record
        for doc_id in part:
            docstore.delete_document(doc_id, raise_error=False)
            committed.pop(doc_id, None)
    report.deleted += len(gone)
