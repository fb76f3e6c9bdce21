"""Batch data engine: datasets, stages, resumable pipelines, local and Ray executors.

    from plait.pipeline import Pipeline, Stage, ModelStage, run

    pipe = Pipeline("topics", [Stage("clean", clean), ModelStage("ask", prompt, parse)], source="topics.jsonl")
    summary = run(pipe)                      # local threads; run(pipe, executor="ray") on Ray Data

See docs/pipeline.md. This layer imports core, retrieval and sandbox, never a plugin.
"""

from __future__ import annotations

import os
from typing import Any

from plait.pipeline.dataset import Dataset, content_id, write_dataset
from plait.pipeline.pipeline import Pipeline, get_pipeline, pipeline_names, runs_dir
from plait.pipeline.stage import ModelStage, SandboxStage, Stage, filter_stage, flat_map_stage, map_stage

__all__ = [
    "Dataset", "ModelStage", "Pipeline", "SandboxStage", "Stage", "content_id", "filter_stage", "flat_map_stage",
    "get_pipeline", "map_stage", "pipeline_names", "read_outputs", "run", "runs_dir", "status", "write_dataset",
]


def run(pipeline: Pipeline, *, settings: Any = None, executor: str = "local", concurrency: int | None = None,
        ray_address: str | None = None, limit: int | None = None, input_path: str | os.PathLike[str] | None = None,
        progress: Any = None, **executor_options: Any) -> dict[str, Any]:
    """Run or resume ``pipeline``; returns the summary (rows, errors and tokens per stage)."""
    from plait.core.config import load_settings
    from plait.pipeline.executors import configured_concurrency, make_executor
    from plait.pipeline.runner import run_pipeline

    settings = settings or load_settings()
    ex = make_executor(executor, concurrency=configured_concurrency(settings, concurrency),
                       ray_address=ray_address, **executor_options)
    try:
        return run_pipeline(pipeline, settings, ex, limit=limit, input_path=input_path, progress=progress)
    finally:
        ex.close()


def status(pipeline: Pipeline, settings: Any = None) -> dict[str, Any]:
    from plait.core.config import load_settings
    from plait.pipeline.runner import pipeline_status

    return pipeline_status(pipeline, settings or load_settings())


def read_outputs(pipeline: str, stage: str, settings: Any = None) -> list[dict[str, Any]]:
    from plait.core.config import load_settings
    from plait.pipeline.runner import read_outputs as _read

    return _read(settings or load_settings(), pipeline, stage)
