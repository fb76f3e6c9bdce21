"""Running a pipeline: stage after stage, committing each finished row, skipping rows already done.

Each stage reads its input (the source rows for the first stage, the previous stage's committed
output after that), drops the ids its log already has as ``done``, hands the rest to the executor
and appends every record it gets back to its log. Rows that ended as ``error`` are tried again on
the next run. A run killed at any point resumes to exactly the rows of an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from plait.core.config import Settings
from plait.core.errors import InputError
from plait.pipeline.executors import Executor
from plait.pipeline.pipeline import Pipeline, runs_dir
from plait.pipeline.progress import NoProgress, Progress
from plait.pipeline.stage import AnyStage
from plait.pipeline.store import CommitLog, LogState, read_log, LOG_NAME
from plait.pipeline.worker import Item

SUMMARY = "run.json"


def _source_items(pipeline: Pipeline, input_path: Any, limit: int | None) -> list[Item]:
    items: list[Item] = []
    for n, row in enumerate(pipeline.rows(input_path)):
        if limit is not None and n >= limit:
            break
        items.append(([n], row))
    return items


def _stage_items(prev: LogState, prev_name: str) -> list[Item]:
    items = prev.outputs()
    seen: set[str] = set()
    for _, row in items:
        if row["id"] in seen:
            raise InputError(
                f"stage {prev_name!r} produced the id {row['id']!r} twice; a flat_map stage that sets ids "
                "must make them unique (or leave them out to get INPUT_ID.N)"
            )
        seen.add(row["id"])
    return items


def _run_stage(stage: AnyStage, items: list[Item], log: CommitLog, executor: Executor, settings: Settings,
               progress: Progress) -> dict[str, Any]:
    done = log.state().done
    pending = [it for it in items if it[1]["id"] not in done]
    progress.start(stage.name, total=len(items), already=len(items) - len(pending))
    t0 = time.monotonic()
    processed = errors = tokens = 0
    if pending:
        for records in executor.run_stage(stage, pending, settings):
            log.append(records)  # committed: a kill after this line keeps these rows
            processed += len(records)
            errors += sum(1 for r in records if r.get("status") == "error")
            tokens += sum(int((r.get("usage") or {}).get("completion_tokens") or 0) for r in records)
            progress.update(stage.name, records)
    progress.finish(stage.name)
    seconds = time.monotonic() - t0
    return {
        "stage": stage.name, "resources": stage.resources, "rows_in": len(items),
        "skipped": len(items) - len(pending), "processed": processed, "errors_this_run": errors,
        "seconds": round(seconds, 3),
        "rows_per_s": round(processed / seconds, 2) if seconds > 0 and processed else 0.0,
        "tokens_per_s": round(tokens / seconds, 2) if seconds > 0 and tokens else 0.0,
    }


def run_pipeline(pipeline: Pipeline, settings: Settings, executor: Executor, *, limit: int | None = None,
                 input_path: str | os.PathLike[str] | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Run (or resume) ``pipeline``; returns the JSON summary also written to ``run.json``."""
    progress = progress or NoProgress()
    root = runs_dir(settings, pipeline.name)
    t0 = time.monotonic()
    stages: list[dict[str, Any]] = []
    items = _source_items(pipeline, input_path, limit)
    try:
        for i, stage in enumerate(pipeline.stages):
            if i:
                items = _stage_items(state, pipeline.stages[i - 1].name)
            with CommitLog(root / stage.name) as log:
                summary = _run_stage(stage, items, log, executor, settings, progress)
                state = log.state()
            summary.update(state.totals())
            stages.append(summary)
    finally:
        progress.close()
    result = {
        "pipeline": pipeline.name, "executor": executor.name, "dir": str(root),
        "seconds": round(time.monotonic() - t0, 3), "stages": stages,
        "rows_out": stages[-1]["rows_out"] if stages else 0,
        "errors": sum(s["errors"] for s in stages),
    }
    _write_json(root / SUMMARY, result)
    return result


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(path)


def pipeline_status(pipeline: Pipeline, settings: Settings) -> dict[str, Any]:
    """Rows, errors and tokens per stage as committed so far (nothing is run)."""
    root = runs_dir(settings, pipeline.name)
    stages = []
    for stage in pipeline.stages:
        state = read_log(root / stage.name / LOG_NAME)
        stages.append({"stage": stage.name, "resources": stage.resources, **state.totals(),
                       "last_errors": [{"id": r["in"], "error": r.get("error")} for r in state.errors()[:5]]})
    last = None
    if (root / SUMMARY).is_file():
        last = json.loads((root / SUMMARY).read_text(encoding="utf-8"))
    return {"pipeline": pipeline.name, "dir": str(root), "started": root.is_dir(), "stages": stages,
            "last_run": last}


def read_outputs(settings: Settings, pipeline: str, stage: str) -> list[dict[str, Any]]:
    """The committed output rows of one stage, in input order."""
    return [row for _, row in read_log(runs_dir(settings, pipeline) / stage / LOG_NAME).outputs()]
