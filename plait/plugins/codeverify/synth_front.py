"""What ``plait synth case2code|unitcoder`` add around their pipelines: a run kept in ``--out``,
a guard against resuming with other options, and today's output files and stats.

The run lives in ``OUT/runs/<pipeline>/`` (the engine's layout, with ``--out`` as its home): a
rerun of the same command resumes it — finished rows are not sent to the model again — and a
rerun with other options into the same ``--out`` is refused instead of mixing two runs.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from plait.pipeline.options import check_run_options
from plait.core.config import Settings
from plait.core.errors import InputError
from plait.core.io import read_jsonl
from plait.pipeline import Pipeline, read_outputs, run, runs_dir

Row = dict[str, Any]
OPTIONS = "options.json"


def corpus_source(path: Path):
    """Corpus rows checked as earlier releases did (``content`` required; the message names the line)."""
    def rows() -> Iterable[Row]:
        return read_jsonl(path, what="corpus", required=["content"])

    return rows


def run_settings(settings: Settings, out: Path) -> Settings:
    return settings.model_copy(update={"home": out})


def check_options(settings: Settings, pipeline: Pipeline, options: dict[str, Any], out: Path) -> None:
    """Refuse to resume a run in ``out`` that was made with other options (it would mix records)."""
    check_run_options(runs_dir(settings, pipeline.name) / OPTIONS, options, what=pipeline.name, out=out)


def run_front(pipeline: Pipeline, settings: Settings, out: Path, options: dict[str, Any], *, executor: str,
              concurrency: int | None, ray_address: str | None, limit: int | None, quiet: bool) -> dict[str, Any]:
    """Run (or resume) ``pipeline`` with its state in ``out``; returns the engine's summary."""
    from plait.pipeline.progress import NoProgress, RichProgress

    if limit is not None and limit < 0:
        raise InputError(f"--limit must be 0 or more, got {limit}")
    check_options(settings, pipeline, options, out)
    progress = NoProgress() if quiet else RichProgress()
    return run(pipeline, settings=settings, executor=executor, concurrency=concurrency, ray_address=ray_address,
               limit=limit, progress=progress)


def outputs(settings: Settings, pipeline: Pipeline, stage: str) -> list[Row]:
    return read_outputs(pipeline.name, stage, settings)


def first_seen(rows: list[Row], key: str) -> tuple[list[Row], int]:
    """Rows whose ``key`` did not occur in an earlier row (input order), and how many were dropped.

    A function found in two corpus files is kept once, as earlier releases did; the engine has no
    stage that sees all rows at once, so duplicates are dropped here, after the run."""
    seen: set[str] = set()
    kept = []
    for row in rows:
        if row[key] not in seen:
            seen.add(row[key])
            kept.append(row)
    return kept, len(rows) - len(kept)


def engine_stats(summary: dict[str, Any], extra_tokens: dict[str, int] | None = None) -> dict[str, Any]:
    """Tokens, errors and per-stage counts of the run, for ``stats.json``."""
    tokens = Counter({"prompt": 0, "completion": 0})
    for stage in summary["stages"]:
        tokens["prompt"] += stage.get("prompt_tokens", 0)
        tokens["completion"] += stage.get("completion_tokens", 0)
    for key, value in (extra_tokens or {}).items():
        tokens[key] += value
    return {
        "errors": summary["errors"],
        "tokens": dict(tokens),
        "executor": summary["executor"],
        "run_dir": summary["dir"],
        "stages": {s["stage"]: {k: s[k] for k in ("rows_in", "skipped", "processed", "done", "errors", "rows_out")}
                   for s in summary["stages"]},
    }
