"""Per-item result rows, the input of ``plait eval rasch``: ``model, item, score, max_score`` (and
optionally ``difficulty``, ``reasoning_tokens``), written by ``plait eval ... --items-out FILE``.

The format follows the file's extension (``.csv`` or ``.jsonl``). The file is replaced atomically:
one run, one file; results of several models are combined by concatenating files (``cat``; the
reader skips the header lines of the appended CSV files).
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

from plait.core.errors import InputError
from plait.core.io import atomic_write_text

REQUIRED = ("model", "item", "score", "max_score")
OPTIONAL = ("difficulty", "reasoning_tokens")
FORMATS = (".csv", ".jsonl")


def check_items_out(path: str | os.PathLike | None) -> Path | None:
    """``--items-out`` validated before a run starts, so a typo never costs a whole evaluation."""
    if path is None:
        return None
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError(f"--items-out {path}: unknown format {path.suffix or '(no extension)'!r}; "
                         "name a .csv or .jsonl file (the table `plait eval rasch` reads)")
    if path.is_dir():
        raise InputError(f"--items-out {path} is a directory; name a .csv or .jsonl file")
    return path


def item_ids(rows: Sequence[dict[str, Any]], fallback: str = "question") -> list[str]:
    """Each row's ``id`` when it has one, else its ``fallback`` field (the question text); a repeat
    gets `` #2``, `` #3``... in file order, so every item has one id and two runs of one data file
    agree on them."""
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        base = str(row["id"] if row.get("id") not in (None, "") else row[fallback]).strip()
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base} #{seen[base]}")
    return out


def item_row(model: str, item: str, score: int, max_score: int = 1, *, difficulty: Any = None,
             reasoning_tokens: Any = None) -> dict[str, Any]:
    row = {"model": model, "item": item, "score": int(score), "max_score": int(max_score)}
    if difficulty not in (None, ""):
        row["difficulty"] = difficulty
    if reasoning_tokens not in (None, ""):
        row["reasoning_tokens"] = reasoning_tokens
    return row


def write_item_rows(path: str | os.PathLike, rows: Iterable[dict[str, Any]]) -> Path:
    """Write the rows as CSV or JSONL (by extension), atomically; returns the path."""
    path = check_items_out(path)
    rows = list(rows)
    if path.suffix.lower() == ".jsonl":
        return atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    columns = [*REQUIRED, *(c for c in OPTIONAL if any(c in r for r in rows))]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return atomic_write_text(path, buf.getvalue())
