"""Shared CLI pieces: options, groups, error handling, output helpers."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)

ModelOption = Annotated[
    Optional[str],
    typer.Option("--model", "-m", help="chat model: llamacpp/smollm2, openai/NAME (PLAIT_LLM_URL), scripted/echo; default PLAIT_MODEL"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print one JSON object for scripts")]


def subgroup(app: typer.Typer, name: str, help: str = "") -> typer.Typer:
    """The command group ``name`` under ``app``, created on first use (shared by plugins)."""
    for group in app.registered_groups:
        if group.name == name and group.typer_instance is not None:
            return group.typer_instance
    sub = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(sub, name=name, help=help)
    return sub


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def settings_for(model: str | None = None):
    """Load settings, applying a ``--model`` override."""
    from plait.core.config import load_settings

    settings = load_settings()
    if model:
        settings.model = model
    return settings
