"""Running one stage over a chunk of rows, turning every input row into one commit record.

Both executors call :class:`StageWorker`: the local executor once per process, the Ray executor
once per actor. A row never crashes the run: whatever goes wrong with it (the function raised,
the model failed after its retries, the reply did not parse) becomes an ``error`` record.
"""

from __future__ import annotations

import inspect
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from plait.core.config import Settings
from plait.pipeline.calls import RetryPolicy, call_model, resolve_model, usage_of
from plait.pipeline.stage import AnyStage, ModelStage, SandboxStage, Stage
from plait.pipeline.store import Record

Row = dict[str, Any]
Item = tuple[list[int], Row]  # (seq, row): seq orders outputs the same way on every run


def _error(seq: list[int], row: Row, exc: BaseException, attempts: int = 1) -> Record:
    return {"in": row["id"], "seq": seq, "status": "error", "error": f"{type(exc).__name__}: {exc}"[:2000],
            "attempts": getattr(exc, "attempts", attempts)}


def outputs(stage: AnyStage, row: Row, result: Any) -> tuple[list[Row], bool]:
    """(output rows, fanned out?) of one input row; ids default to the input id (or ``id.j``)."""
    if isinstance(stage, Stage) and stage.kind == "filter":
        if not isinstance(result, bool):
            raise TypeError(f"filter stage {stage.name!r} must return a bool per row, got {type(result).__name__}")
        return ([row] if result else []), False
    fanout = isinstance(result, list)
    if isinstance(stage, Stage) and stage.kind == "flat_map" and not fanout:
        raise TypeError(f"flat_map stage {stage.name!r} must return a list of rows per row, got {type(result).__name__}")
    if isinstance(stage, Stage) and stage.kind == "map" and not isinstance(result, dict):
        raise TypeError(f"map stage {stage.name!r} must return a dict per row, got {type(result).__name__}")
    if result is None:
        return [], False
    rows = result if fanout else [result]
    out = []
    for j, r in enumerate(rows):
        if not isinstance(r, dict):
            raise TypeError(f"stage {stage.name!r} produced a {type(r).__name__} where a row (dict) belongs")
        default = f"{row['id']}.{j}" if fanout else row["id"]
        out.append({**r, "id": str(r.get("id") or default)} if fanout else {**r, "id": default})
    return out, fanout


def _done(stage: AnyStage, seq: list[int], row: Row, result: Any, **extra: Any) -> Record:
    rows, fanout = outputs(stage, row, result)
    rec: Record = {"in": row["id"], "seq": seq, "status": "done", "out": rows, **extra}
    if fanout:
        rec["fanout"] = True
    return rec


class StageWorker:
    """One stage made ready to run: its class instantiated, its model client resolved."""

    def __init__(self, stage: AnyStage, settings: Settings, in_flight: int = 1):
        self.stage = stage
        self.in_flight = max(1, in_flight)
        self.policy = RetryPolicy.from_settings(settings)
        self.model: Any = None
        self._lock: threading.Lock | None = None
        if isinstance(stage, Stage):
            self.fn = stage.fn() if inspect.isclass(stage.fn) else stage.fn
        if isinstance(stage, ModelStage):
            self.model = resolve_model(stage.name, stage.model, settings)
            if getattr(self.model, "name", "").startswith("llamacpp/"):
                self._lock = threading.Lock()  # one llama.cpp context is not safe to share between threads

    def process(self, items: list[Item]) -> list[Record]:
        if isinstance(self.stage, Stage):
            return self._batch(items)
        if isinstance(self.stage, ModelStage) and hasattr(self.model, "chat_batch") and len(items) > 1:
            return self._model_batch(items)
        one = self._model_row if isinstance(self.stage, ModelStage) else self._sandbox_row
        if self.in_flight > 1 and len(items) > 1:
            with ThreadPoolExecutor(min(self.in_flight, len(items))) as pool:
                return list(pool.map(one, items))
        return [one(item) for item in items]

    def _batch(self, items: list[Item]) -> list[Record]:
        rows = [row for _, row in items]
        try:
            results = self.fn(rows)
            if not isinstance(results, list) or len(results) != len(rows):
                got = len(results) if isinstance(results, list) else type(results).__name__
                raise TypeError(f"stage {self.stage.name!r} returned {got} results for {len(rows)} rows; return a list, one per row")
            return [_done(self.stage, seq, row, res) for (seq, row), res in zip(items, results)]
        except Exception as exc:
            if len(items) == 1:
                return [_error(items[0][0], items[0][1], exc)]
            return [rec for item in items for rec in self._batch([item])]  # find the row(s) that fail

    def _chat(self, messages: list, options: Any) -> tuple[Any, int]:
        if self._lock is None:
            return call_model(self.model, messages, options, self.policy)
        with self._lock:
            return call_model(self.model, messages, options, self.policy)

    def _model_row(self, item: Item) -> Record:
        seq, row = item
        stage = self.stage
        assert isinstance(stage, ModelStage)
        if stage.passes is not None and stage.passes(row):
            return _done(stage, seq, row, [row] if stage.kind == "flat_map" else row, attempts=0)
        try:
            result, attempts = self._chat(stage.messages(row), stage.options_for(row))
            usage = usage_of(result)
            return _done(stage, seq, row, stage.parse(row, result), usage=usage, attempts=attempts)
        except Exception as exc:
            return _error(seq, row, exc)

    def _model_batch(self, items: list[Item]) -> list[Record]:
        """Backends with ``chat_batch`` (in-process vLLM) take the whole batch in one call."""
        stage = self.stage
        assert isinstance(stage, ModelStage)
        if stage.row_options is not None or stage.passes is not None:  # one options object per batch call: rows differ, call them one by one
            return [self._model_row(item) for item in items]
        try:
            results = self.model.chat_batch([stage.messages(row) for _, row in items], stage.options)
        except Exception:
            return [self._model_row(item) for item in items]  # fall back to rows, with retries
        records = []
        for (seq, row), result in zip(items, results):
            try:
                records.append(_done(stage, seq, row, stage.parse(row, result), usage=usage_of(result), attempts=1))
            except Exception as exc:
                records.append(_error(seq, row, exc))
        return records

    def _sandbox_row(self, item: Item) -> Record:
        from plait.sandbox import run

        seq, row = item
        stage = self.stage
        assert isinstance(stage, SandboxStage)
        try:
            result = run(stage.program(row), limits=stage.limits, backend=stage.backend)
            return _done(stage, seq, row, stage.parse(row, result))
        except Exception as exc:
            return _error(seq, row, exc)
