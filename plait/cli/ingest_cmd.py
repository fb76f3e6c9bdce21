"""``plait ingest PATH... [--sync] [--json]``: files and folders into the Chroma store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List

import typer

from plait.cli.common import JsonOption, console, err_console, print_json


def ingest(
    paths: Annotated[List[Path], typer.Argument(help="files or folders to ingest (folders recursively)")],
    sync: Annotated[bool, typer.Option("--sync", help="also delete chunks of files under these folders that no longer exist")] = False,
    json_out: JsonOption = False,
) -> None:
    """Ingest documents (.md .txt .html .pdf .py .json ...): chunk, embed, store; unchanged files are skipped.

    Re-running on the same folder adds nothing; a changed file replaces its chunks; --sync removes
    the chunks of deleted files. Prints the counts (added, updated, deleted, skipped, chunks).
    """
    from plait.core.config import load_settings
    from plait.core.models import get_embedder
    from plait.retrieval.ingest import ingest_paths

    settings = load_settings()
    embedder = get_embedder(None, settings)
    report = ingest_paths(paths, settings, embedder, sync=sync, progress=True)
    for warning in report.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, soft_wrap=True)
    if json_out:
        print_json(report.counts())
        return
    c = report.counts()
    console.print(
        f"added {c['added']}, updated {c['updated']}, deleted {c['deleted']}, skipped {c['skipped']} "
        f"(unchanged {report.unchanged}); {c['chunks']} chunks written into collection "
        f"{settings.collection!r} under {settings.home}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
