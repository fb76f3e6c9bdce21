"""``plait mine ingest DIR``: a pile into a Chroma collection through plait's ingestion.

Each pile document is written as a text file under ``DIR/ingest/`` (named by a hash of its id, so a
rerun finds the same files and plait's ingestion skips the unchanged ones) and ingested with its
provenance as chunk metadata: ``source`` is the original URL (or corpus source), which is what
``plait ask --collection NAME`` cites; ``mined_id``, ``domain``, ``seed_id``, ``query_id``,
``query_kind``, ``bm25``, ``rank`` and ``absorbed`` (the duplicates it stands for) come along.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from plait.core.errors import InputError
from plait.core.io import atomic_write_text, iter_jsonl

PROVENANCE = ("domain", "seed_id", "query_id", "query_kind", "bm25", "rank")


def stage_files(pile_dir: Path) -> dict[Path, dict[str, Any]]:
    """Write the pile's documents as files; returns file -> metadata (files of documents no longer in the pile go)."""
    pile = pile_dir / "pile.jsonl"
    if not pile.is_file():
        raise InputError(f"{pile_dir} has no pile.jsonl; run `plait mine run ... --out {pile_dir}` first")
    folder = pile_dir / "ingest"
    folder.mkdir(exist_ok=True)
    files: dict[Path, dict[str, Any]] = {}
    for n, row in enumerate(iter_jsonl(pile, what="pile", required=["id", "text"]), 1):
        path = (folder / (hashlib.sha1(str(row["id"]).encode()).hexdigest()[:20] + ".txt")).resolve()
        if not path.is_file() or path.read_text(encoding="utf-8") != row["text"]:
            atomic_write_text(path, row["text"])
        source = row.get("url") or row.get("source")
        if not source:
            raise InputError(f"{pile}:{n}: a pile row needs \"url\" or \"source\" (its provenance)")
        files[path] = {"source": source, "mined_id": str(row["id"]), **{k: row[k] for k in PROVENANCE if k in row},
                       "absorbed": row.get("absorbed") or []}
    for stale in folder.glob("*.txt"):
        if stale.resolve() not in files:
            stale.unlink()
    return files


def ingest_pile(pile_dir: Path, settings: Any, collection: str) -> dict[str, Any]:
    """Ingest ``pile_dir``'s pile into ``collection`` (created if needed); returns ingestion's counts."""
    from plait.core.models import get_embedder
    from plait.retrieval.ingest import ingest_paths

    files = stage_files(pile_dir)
    settings = settings.model_copy(update={"collection": collection})
    report = ingest_paths([pile_dir / "ingest"], settings, get_embedder(None, settings), sync=True, progress=False,
                          metadata=files)
    return {"collection": collection, "documents": len(files), **report.counts(), "unchanged": report.unchanged,
            "warnings": report.warnings}
