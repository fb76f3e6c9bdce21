"""Datasets: a directory of JSONL / Parquet shards with a manifest, or one JSONL / Parquet file.

    my-data/
      manifest.json        {"format": "plait-dataset/1", "shards": [{"path": "part-00000.jsonl", "rows": 1000}, ...]}
      part-00000.jsonl
      part-00001.parquet

A directory without ``manifest.json`` is read shard by shard in name order (``*.jsonl``,
``*.parquet``). Every row is a JSON object with a stable string ``id``; a row without one gets
the hash of its content (``sha256`` of its canonical JSON), so the same row has the same id on
every read, on every machine. Parquet needs ``pyarrow`` (imported only for Parquet).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterator

from plait.core.errors import InputError

Row = dict[str, Any]
MANIFEST = "manifest.json"
FORMAT = "plait-dataset/1"
SUFFIXES = (".jsonl", ".parquet")


def content_id(row: Row) -> str:
    """A stable id from a row's content: the same row gives the same id everywhere."""
    body = {k: v for k, v in row.items() if k != "id"}
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:20]


def with_id(row: Any, where: str) -> Row:
    """``row`` with a string ``id`` (kept if given, else its content hash)."""
    if not isinstance(row, dict):
        raise InputError(f"{where}: a row must be a JSON object, got {type(row).__name__}; write one object per line")
    rid = row.get("id")
    if rid is None or rid == "":
        return {"id": content_id(row), **{k: v for k, v in row.items() if k != "id"}}
    if not isinstance(rid, (str, int)) or isinstance(rid, bool):
        raise InputError(f"{where}: id must be a string or an integer, got {rid!r}")
    return {**row, "id": str(rid)}


def _read_jsonl(path: Path) -> Iterator[Row]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read dataset file {path}: {exc}") from None
    with handle:
        for n, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n} is not valid JSON ({exc.msg}); fix or remove that line") from None
            yield with_id(obj, f"{path}:{n}")


def _read_parquet(path: Path) -> Iterator[Row]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(f"{path} is Parquet, which needs pyarrow: `pip install pyarrow`") from None
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own zoo of errors for bad files
        raise InputError(f"{path} is not a readable Parquet file: {exc}") from None
    n = 0
    for batch in pf.iter_batches(batch_size=1024):
        for row in batch.to_pylist():
            n += 1
            yield with_id(row, f"{path} row {n}")


def read_file(path: Path) -> Iterator[Row]:
    if path.suffix == ".jsonl":
        return _read_jsonl(path)
    if path.suffix == ".parquet":
        return _read_parquet(path)
    raise InputError(f"{path}: a dataset file must end in .jsonl or .parquet")


class Dataset:
    """Rows of a dataset directory or file, read lazily in a stable order."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"no dataset at {self.path}; give a directory of shards or a .jsonl / .parquet file")
        if self.path.is_file() and self.path.suffix not in SUFFIXES:
            raise InputError(f"{self.path}: a dataset file must end in .jsonl or .parquet")

    def shards(self) -> list[Path]:
        if self.path.is_file():
            return [self.path]
        manifest = self.path / MANIFEST
        if manifest.is_file():
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
                names = [s["path"] for s in data["shards"]]
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"{manifest} is not a plait dataset manifest ({exc}); rewrite it with write_dataset()") from None
            missing = [n for n in names if not (self.path / n).is_file()]
            if missing:
                raise InputError(f"{manifest} lists shards that do not exist: {', '.join(missing)}")
            return [self.path / n for n in names]
        shards = sorted(p for p in self.path.iterdir() if p.suffix in SUFFIXES)
        if not shards:
            raise InputError(f"{self.path} holds no .jsonl or .parquet shards and no {MANIFEST}")
        return shards

    def __iter__(self) -> Iterator[Row]:
        """Every row once; a repeated id is an error (ids are what a run commits by)."""
        seen: set[str] = set()
        for shard in self.shards():
            for row in read_file(shard):
                if row["id"] in seen:
                    raise InputError(
                        f"{shard}: id {row['id']!r} appears twice in dataset {self.path}; ids must be unique "
                        "(drop the id field to use content hashes)"
                    )
                seen.add(row["id"])
                yield row


def write_dataset(path: str | os.PathLike[str], rows: list[Row] | Iterator[Row], *, shard_rows: int = 10_000,
                  fmt: str = "jsonl") -> Path:
    """Write ``rows`` as shards plus a manifest under the directory ``path``; returns it."""
    if fmt not in ("jsonl", "parquet"):
        raise InputError(f"dataset format {fmt!r}: use jsonl or parquet")
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    shards: list[dict[str, Any]] = []
    buf: list[Row] = []

    def flush() -> None:
        name = f"part-{len(shards):05d}.{fmt}"
        if fmt == "jsonl":
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in buf)
            (out / name).write_text(text, encoding="utf-8")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(buf), out / name)
        shards.append({"path": name, "rows": len(buf)})
        buf.clear()

    for n, row in enumerate(rows, 1):
        buf.append(with_id(row, f"row {n}"))
        if len(buf) >= shard_rows:
            flush()
    if buf or not shards:
        flush()
    manifest = {"format": FORMAT, "rows": sum(s["rows"] for s in shards), "shards": shards}
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    tmp.replace(out / MANIFEST)
    return out
