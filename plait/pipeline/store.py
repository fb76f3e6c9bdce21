"""Per-stage commit logs: append-only JSONL, one fsync'd line per finished input row.

``runs/<pipeline>/<stage>/log.jsonl`` holds one record per input row the stage finished:

    {"in": "row-7", "seq": [7], "status": "done", "out": [{...}], "usage": {...}, "attempts": 1}
    {"in": "row-9", "seq": [9], "status": "error", "error": "HTTP 503 ...", "attempts": 5}

A line is committed once it is complete and fsync'd. A process killed mid-write leaves at most a
torn last line: readers ignore it and the next writer cuts it off before appending, so a rerun
sees exactly the rows committed before the kill and redoes the rest. A ``done`` record wins over
any ``error`` record of the same input id; among several records of one id the first ``done``
counts, so a duplicate line can never duplicate output rows.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from plait.core.errors import StoreError

Record = dict[str, Any]
LOG_NAME = "log.jsonl"


def seq_key(record: Record) -> list[int]:
    return list(record.get("seq") or [])


@dataclass
class LogState:
    """What a stage's log says: the winning record per input id."""

    records: dict[str, Record] = field(default_factory=dict)

    @property
    def done(self) -> set[str]:
        return {k for k, r in self.records.items() if r.get("status") == "done"}

    def errors(self) -> list[Record]:
        return sorted((r for r in self.records.values() if r.get("status") == "error"), key=seq_key)

    def outputs(self) -> list[tuple[list[int], dict[str, Any]]]:
        """(seq, row) of every output row, in input order (stable across runs and executors)."""
        out: list[tuple[list[int], dict[str, Any]]] = []
        for rec in sorted((r for r in self.records.values() if r.get("status") == "done"), key=seq_key):
            rows = rec.get("out") or []
            for j, row in enumerate(rows):
                out.append((seq_key(rec) + [j] if rec.get("fanout") else seq_key(rec), row))
        return out

    def totals(self) -> dict[str, int]:
        t = {"done": 0, "errors": 0, "rows_out": 0, "prompt_tokens": 0, "completion_tokens": 0}
        for rec in self.records.values():
            if rec.get("status") == "done":
                t["done"] += 1
                t["rows_out"] += len(rec.get("out") or [])
            else:
                t["errors"] += 1
            usage = rec.get("usage") or {}
            t["prompt_tokens"] += int(usage.get("prompt_tokens") or 0)
            t["completion_tokens"] += int(usage.get("completion_tokens") or 0)
        return t


def _merge(state: LogState, rec: Record) -> None:
    old = state.records.get(rec["in"])
    if old is not None and old.get("status") == "done":
        return  # the first committed result of a row is the row's result
    state.records[rec["in"]] = rec


def read_log(path: Path) -> LogState:
    """Parse a log; a torn (unterminated) last line is ignored, any other bad line is an error."""
    state = LogState()
    if not path.is_file():
        return state
    data = path.read_bytes()
    lines = data.split(b"\n")
    complete = lines[:-1]  # after the last "\n": empty, or a torn line from a killed writer
    for n, raw in enumerate(complete, 1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
            rec["in"]
        except (ValueError, KeyError, TypeError):
            raise StoreError(
                f"{path}:{n} is not a commit record; the log was edited or damaged — "
                f"delete {path.parent} to redo this stage"
            ) from None
        _merge(state, rec)
    return state


class CommitLog:
    """Appends records to one stage's log; each ``append`` call ends with an fsync."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.path = self.dir / LOG_NAME
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create run directory {self.dir}: {exc}; check PLAIT_HOME") from None
        self._lock = threading.Lock()
        self._repair()
        self._fh = open(self.path, "ab")

    def _repair(self) -> None:
        """Cut a torn last line left by a killed writer, so new lines start on a line of their own."""
        if not self.path.is_file():
            return
        with open(self.path, "rb+") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size == 0:
                return
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            data = fh.seek(0) or fh.read()
            fh.truncate(data.rfind(b"\n") + 1)
            fh.flush()
            os.fsync(fh.fileno())

    def state(self) -> LogState:
        return read_log(self.path)

    def append(self, records: Iterable[Record]) -> None:
        lines = b"".join(
            json.dumps(r, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8") + b"\n"
            for r in records
        )
        if not lines:
            return
        with self._lock:
            self._fh.write(lines)
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        with self._lock:
            self._fh.close()

    def __enter__(self) -> "CommitLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
