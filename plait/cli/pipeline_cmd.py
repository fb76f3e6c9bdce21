"""``plait pipeline run|status|list``: batch pipelines registered by plugins (see docs/pipeline.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import JsonOption, ModelOption, console, print_json, settings_for, subgroup
from plait.core.errors import InputError


def run_cmd(
    name: Annotated[str, typer.Argument(help="a registered pipeline (`plait pipeline list`)")],
    executor: Annotated[str, typer.Option("--executor", "-e", help="local (threads) or ray (Ray Data)")] = "local",
    ray_address: Annotated[Optional[str], typer.Option("--ray-address", help="Ray cluster to join, e.g. ray://head:10001 or auto; default: start a local one")] = None,
    concurrency: Annotated[Optional[int], typer.Option("--concurrency", "-c", help="requests / batches in flight (default [pipeline] concurrency or 8)")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", help="take only the first N input rows")] = None,
    input_path: Annotated[Optional[Path], typer.Option("--input", "-i", help="dataset directory or .jsonl/.parquet file instead of the built-in input")] = None,
    ray_llm: Annotated[bool, typer.Option("--ray-llm", help="ray: send model stages through ray.data.llm's HTTP processor (openai/ models)")] = False,
    model: ModelOption = None,
    json_out: JsonOption = False,
) -> None:
    """Run or resume a pipeline: rows already done are skipped, failed rows are tried again."""
    from plait.pipeline import get_pipeline, run
    from plait.pipeline.progress import NoProgress, RichProgress

    if limit is not None and limit < 0:
        raise InputError(f"--limit must be 0 or more, got {limit}")
    settings = settings_for(model)
    pipeline = get_pipeline(name, settings)
    options = {"llm": "http"} if ray_llm else {}
    if ray_llm and executor != "ray":
        raise InputError("--ray-llm needs --executor ray")
    progress = NoProgress() if json_out else RichProgress()
    summary = run(pipeline, settings=settings, executor=executor, concurrency=concurrency, ray_address=ray_address,
                  limit=limit, input_path=input_path, progress=progress, **options)
    if json_out:
        print_json(summary)
        return
    _print_table(summary["stages"], f"pipeline {name} ({summary['executor']}, {summary['seconds']:.1f}s)")
    console.print(f"output: {summary['dir']}/{summary['stages'][-1]['stage']}/log.jsonl", highlight=False)
    if summary["errors"]:
        console.print(f"[yellow]{summary['errors']} rows ended with an error record; "
                      f"`plait pipeline status {name}` shows them, a rerun tries them again[/yellow]")


def _print_table(stages: list[dict], title: str) -> None:
    from rich.table import Table

    table = Table(title=title)
    for col in ("stage", "resources", "done", "errors", "rows out", "prompt tok", "completion tok"):
        table.add_column(col, justify="left" if col in ("stage", "resources") else "right")
    for s in stages:
        table.add_row(s["stage"], s["resources"], str(s["done"]), str(s["errors"]), str(s["rows_out"]),
                      str(s["prompt_tokens"]), str(s["completion_tokens"]))
    console.print(table)


def status_cmd(
    name: Annotated[str, typer.Argument(help="a registered pipeline")],
    json_out: JsonOption = False,
) -> None:
    """Rows done, errors and tokens per stage, as committed so far."""
    from plait.pipeline import get_pipeline, status

    settings = settings_for(None)
    info = status(get_pipeline(name, settings), settings)
    if json_out:
        print_json(info)
        return
    if not info["started"]:
        console.print(f"pipeline {name} has not run yet (`plait pipeline run {name}`)")
        return
    _print_table(info["stages"], f"pipeline {name}: {info['dir']}")
    for s in info["stages"]:
        for err in s["last_errors"]:
            console.print(f"[red]{s['stage']}[/red] {err['id']}: {err['error']}", highlight=False)


def list_cmd(json_out: JsonOption = False) -> None:
    """Registered pipelines, their stages and the plugin that registered each."""
    from plait.core.host import get_host
    from plait.pipeline import get_pipeline

    host = get_host()
    settings = settings_for(None)
    rows = []
    for name in host.pipelines.names():
        pipe = get_pipeline(name, settings)
        rows.append({"name": name, "plugin": host.pipelines.entry(name).plugin, "description": pipe.description,
                     "stages": [{"name": s.name, "resources": s.resources} for s in pipe.stages]})
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print("no pipelines registered")
    for row in rows:
        stages = " -> ".join(f"{s['name']}({s['resources']})" for s in row["stages"])
        console.print(f"[bold]{row['name']}[/bold] [{row['plugin']}] {row['description']}\n    {stages}", highlight=False)


def register(app: typer.Typer) -> None:
    group = subgroup(app, "pipeline", "Batch pipelines: resumable runs of model, sandbox and CPU stages.")
    group.command("run")(run_cmd)
    group.command("status")(status_cmd)
    group.command("list")(list_cmd)
