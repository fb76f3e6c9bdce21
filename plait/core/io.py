"""The shared I/O kit: validating JSONL reading and atomic writes, used by every layer and plugin.

One implementation of each, so every command reports a bad input file the same way (file, line,
what is wrong, what to do) and no crash ever leaves a half-written file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

from plait.core.errors import InputError


def iter_jsonl(path: str | os.PathLike, *, what: str = "JSONL", required: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
    """Objects of a JSONL file, one per non-blank line, each checked for ``required`` keys.

    Errors are ``InputError`` naming the file and line: ``data.jsonl:7 is not valid JSON (...)``.
    """
    p = Path(path)
    need = tuple(required)
    if not p.is_file():
        shape = f" with one {{{', '.join(map(repr, need))}}} object per line" if need else ""
        raise InputError(f"no such {what} file: {p}; give a JSONL file{shape}")
    with p.open(encoding="utf-8", errors="strict") as fh:
        try:
            for no, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{p}:{no} is not valid JSON ({exc.msg}); fix or remove the line") from None
                if not isinstance(row, dict):
                    raise InputError(f"{p}:{no} is not a JSON object; each {what} line must be {{...}}")
                missing = [k for k in need if k not in row]
                if missing:
                    raise InputError(
                        f"{p}:{no} lacks {', '.join(map(repr, missing))} (a {what} line needs {', '.join(need)})"
                    )
                yield row
        except UnicodeDecodeError:
            raise InputError(f"{p} is not UTF-8 text; convert it (e.g. with iconv) and retry") from None


def read_jsonl(
    path: str | os.PathLike, *, what: str = "JSONL", required: Iterable[str] = (), allow_empty: bool = True
) -> list[dict[str, Any]]:
    """All rows of :func:`iter_jsonl`; ``allow_empty=False`` refuses a file with no rows."""
    rows = list(iter_jsonl(path, what=what, required=required))
    if not rows and not allow_empty:
        raise InputError(f"{path} has no {what} rows; give at least one JSON object per line")
    return rows


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any, *, indent: int | None = 2) -> Path:
    return atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=indent) + "\n")


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict[str, Any]]) -> Path:
    """Write ``rows`` as JSONL atomically (all or nothing)."""
    return atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
