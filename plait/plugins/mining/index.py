"""The local corpus backend: a sharded BM25 index (bm25s) built by ``plait mine index``.

An index is a folder with ``index.json`` and one ``shard-NNNNN/`` per ``shard_docs`` documents, each
a bm25s index saved with its documents. Shards are loaded memory-mapped (``mmap=True``): the score
matrix and the documents stay on disk and the OS pages in what a query touches, so a corpus larger
than memory can be searched. A query runs on every shard in parallel threads and the per-shard top-k
lists are merged by score. As in Elasticsearch, each shard scores with its own statistics (IDF), so
scores across shards are comparable only approximately; with shards of similar content this is small.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable, Iterator

from plait.core.errors import InputError
from plait.core.io import atomic_write_json, iter_jsonl

Row = dict[str, Any]
MANIFEST = "index.json"
FORMAT = "plait-mine-index"
STOPWORDS = "en"
# file types a folder corpus is read from (anything else in the folder is skipped and counted)
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".html", ".htm", ".text"}


def _quiet_tokenize(texts: list[str], *, ids: bool) -> Any:
    import bm25s

    return bm25s.tokenize(texts, stopwords=STOPWORDS, return_ids=ids, show_progress=False)


def _doc(row: Row, where: str) -> Row:
    if not isinstance(row.get("text"), str):
        raise InputError(f"{where}: a corpus row needs a string \"text\" (and an \"id\"); got keys {sorted(row)}")
    doc = {"id": str(row.get("id") or ""), "text": row["text"]}
    if not doc["id"]:
        raise InputError(f"{where}: a corpus row needs an \"id\"; add one to every row")
    if row.get("url"):
        doc["url"] = str(row["url"])
    else:
        doc["source"] = str(row.get("source") or doc["id"])
    return doc


def _parquet_rows(path: Path) -> Iterator[Row]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is installed with plait[ray] / [all]
        raise InputError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow)") from exc
    for n, batch in enumerate(pq.ParquetFile(path).iter_batches(batch_size=10_000)):
        for i, row in enumerate(batch.to_pylist()):
            yield _doc(row, f"{path} row {n * 10_000 + i + 1}")


def _jsonl_rows(path: Path) -> Iterator[Row]:
    for n, row in enumerate(iter_jsonl(path, what="corpus"), 1):
        yield _doc(row, f"{path}:{n}")


def _folder_rows(root: Path) -> Iterator[Row]:
    """Every text file under ``root`` is one document; its id and source are its path inside ``root``."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix.lower() in (".html", ".htm"):
            from plait.retrieval.readers import read_file

            text = read_file(path).text
        yield {"id": rel, "text": text, "source": rel}


def read_corpus(path: Path) -> Iterator[Row]:
    """Documents ``{"id", "text", "url"|"source"}`` from a JSONL/Parquet file or a folder of files."""
    if path.is_dir():
        if (path / MANIFEST).is_file():
            raise InputError(f"{path} is already a mine index; give the corpus it was built from")
        return _folder_rows(path)
    if not path.is_file():
        raise InputError(f"no such corpus: {path}; give a .jsonl or .parquet file of {{\"id\", \"text\", \"url\"?}} "
                         "rows or a folder of text files")
    if path.suffix == ".parquet":
        return _parquet_rows(path)
    return _jsonl_rows(path)


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _save_shard(docs: list[Row], folder: Path) -> None:
    import bm25s

    model = bm25s.BM25()
    model.index(_quiet_tokenize([d["text"] for d in docs], ids=True), show_progress=False)
    model.save(str(folder), corpus=docs, show_progress=False)


def build_index(corpus: Path, out: Path, *, shard_docs: int = 100_000) -> dict[str, Any]:
    """Build the sharded index of ``corpus`` in ``out`` (replaced only once the new one is complete)."""
    if shard_docs < 1:
        raise InputError(f"--shard-docs must be 1 or more, got {shard_docs}")
    if out.exists() and not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise InputError(f"{out} exists and is not a mine index; choose an empty or new --out folder")
    tmp = out.with_name(out.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    seen: set[str] = set()
    shards, docs = [], 0
    for n, chunk in enumerate(_chunks(read_corpus(corpus), shard_docs)):
        for d in chunk:
            if d["id"] in seen:
                raise InputError(f"{corpus}: the document id {d['id']!r} occurs twice; ids must be unique")
            seen.add(d["id"])
        name = f"shard-{n:05d}"
        _save_shard(chunk, tmp / name)
        shards.append({"name": name, "docs": len(chunk)})
        docs += len(chunk)
    if not docs:
        raise InputError(f"{corpus} holds no documents (rows with \"id\" and \"text\", or text files)")
    manifest = {"format": FORMAT, "version": 1, "docs": docs, "shards": shards, "shard_docs": shard_docs,
                "stopwords": STOPWORDS, "corpus": str(corpus)}
    atomic_write_json(tmp / MANIFEST, manifest)
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    return manifest


class LocalIndex:
    """A built index, shards memory-mapped; ``search`` queries them in parallel threads."""

    def __init__(self, path: Path, *, threads: int | None = None):
        manifest_path = Path(path) / MANIFEST
        if not manifest_path.is_file():
            raise InputError(f"{path} is not a mine index (no {MANIFEST}); build one with "
                             f"`plait mine index CORPUS --out {path}`")
        self.path = Path(path)
        self.manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        self.shards = [self._load(self.path / s["name"]) for s in self.manifest["shards"]]
        self._pool = ThreadPoolExecutor(max_workers=threads or min(len(self.shards), os.cpu_count() or 1))

    @staticmethod
    def _load(folder: Path) -> tuple[Any, Any]:
        import bm25s

        model = bm25s.BM25.load(str(folder), mmap=True, load_corpus=True, show_progress=False)
        docs, model.corpus = model.corpus, None  # retrieve() then returns indices; documents read on demand
        return model, docs

    def _search_shard(self, shard: int, tokens: list[list[str]], k: int) -> list[list[tuple[float, int, int]]]:
        model, docs = self.shards[shard]
        k = min(k, len(docs))
        idx, scores = model.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [[(float(s), shard, int(i)) for i, s in zip(row_i, row_s) if s > 0] for row_i, row_s in zip(idx, scores)]

    def search(self, queries: list[str], k: int) -> list[list[Row]]:
        """Top-``k`` hits per query: ``{"doc_id", "text", "url"|"source", "bm25", "rank"}`` (rank 1 = best)."""
        if not queries:
            return []
        tokens = _quiet_tokenize(queries, ids=False)
        per_shard = list(self._pool.map(lambda s: self._search_shard(s, tokens, k), range(len(self.shards))))
        out = []
        for q in range(len(queries)):
            merged = sorted((h for shard in per_shard for h in shard[q]), key=lambda h: (-h[0], h[1], h[2]))[:k]
            out.append([self._hit(score, shard, i, rank) for rank, (score, shard, i) in enumerate(merged, 1)])
        return out

    def _hit(self, score: float, shard: int, i: int, rank: int) -> Row:
        doc = dict(self.shards[shard][1][i])
        hit = {"doc_id": doc["id"], "text": doc["text"], "bm25": round(score, 6), "rank": rank}
        hit.update({key: doc[key] for key in ("url", "source") if key in doc})
        return hit

    def close(self) -> None:
        self._pool.shutdown(wait=False)
