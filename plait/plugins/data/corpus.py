"""The files of a ``plait data`` directory, read and written in one place.

``rows.jsonl`` + ``vectors.npy`` + ``embed.json`` (from ``embed``), ``assignments.jsonl`` +
``centroids.npy`` + ``clusters.json`` (from ``cluster``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from plait import InputError, atomic_write_bytes, atomic_write_json, iter_jsonl, write_jsonl

from plait.plugins.data.kmeans import Clustering, nearest_examples


@dataclass
class Corpus:
    ids: list[str]
    n_tokens: np.ndarray
    first_lines: list[str]


def _need(path: Path, made_by: str) -> Path:
    if not path.is_file():
        raise InputError(f"{path} is missing; run `{made_by}` first")
    return path


def load_rows(out: Path) -> Corpus:
    ids, toks, lines = [], [], []
    for row in iter_jsonl(_need(out / "rows.jsonl", f"plait data embed DATASET --out {out}"), what="rows",
                          required=("id", "n_tokens")):
        ids.append(row["id"])
        toks.append(row["n_tokens"])
        lines.append(row.get("first_line", ""))
    return Corpus(ids, np.asarray(toks, dtype=np.int64), lines)


def load_vectors(out: Path, rows: int) -> np.ndarray:
    vecs = np.load(_need(out / "vectors.npy", f"plait data embed DATASET --out {out}"))
    if len(vecs) != rows:
        raise InputError(f"{out}/vectors.npy has {len(vecs)} vectors but rows.jsonl has {rows} rows; rerun "
                         "`plait data embed` into a fresh --out")
    return vecs


def load_clusters(out: Path, corpus: Corpus) -> np.ndarray:
    path = _need(out / "assignments.jsonl", f"plait data cluster {out} --k K")
    labels = [(r["id"], r["cluster"]) for r in iter_jsonl(path, what="assignments", required=("id", "cluster"))]
    if [i for i, _ in labels] != corpus.ids:
        raise InputError(f"{path} does not match {out}/rows.jsonl (the rows were re-embedded); rerun "
                         f"`plait data cluster {out} --k K`")
    return np.asarray([c for _, c in labels], dtype=np.int64)


def save_clustering(out: Path, corpus: Corpus, vecs: np.ndarray, cl: Clustering, meta: dict[str, Any],
                    examples: int = 3) -> dict[str, Any]:
    write_jsonl(out / "assignments.jsonl", ({"id": i, "cluster": int(c)} for i, c in zip(corpus.ids, cl.labels)))
    buf = io.BytesIO()
    np.save(buf, cl.centroids)
    atomic_write_bytes(out / "centroids.npy", buf.getvalue())
    sizes = np.bincount(cl.labels, minlength=len(cl.centroids))
    toks = np.bincount(cl.labels, weights=corpus.n_tokens, minlength=len(cl.centroids))
    near = nearest_examples(vecs, cl.labels, cl.centroids, examples)
    summary = {**meta, "backend": cl.backend, "rows": len(corpus.ids), "clusters": [
        {"cluster": c, "size": int(sizes[c]), "tokens": int(toks[c]),
         "examples": [{"id": corpus.ids[i], "first_line": corpus.first_lines[i]} for i in near[c]]}
        for c in range(len(cl.centroids))]}
    atomic_write_json(out / "clusters.json", summary)
    return summary
