"""The ``plait`` command: core command modules plus whatever plugins add via ``register_commands``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Annotated

import typer
from rich.markup import escape

from plait.cli.common import err_console
from plait.core.errors import PlaitError

app = typer.Typer(
    name="plait",
    help="Build retrieval-augmented assistants and agents from plugins.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    strict: Annotated[bool, typer.Option("--strict", help="fail if any plugin failed to load")] = False,
) -> None:
    from plait.core.host import get_host

    host = get_host()
    if strict and host.failures:
        names = ", ".join(f"{f.name} ({f.error})" for f in host.failures)
        err_console.print(f"[red]error:[/red] plugins failed to load: {names}")
        raise typer.Exit(1)


def _load_core_commands() -> None:
    import plait.cli as pkg

    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if mod.name.endswith("_cmd"):
            importlib.import_module(f"plait.cli.{mod.name}").register(app)


def build_app() -> typer.Typer:
    from plait.core.host import get_host

    _load_core_commands()
    host = get_host()
    try:
        host.call_each("register_commands", cli=app)
    except PlaitError as first:
        for exc in getattr(first, "errors", [first]):  # the other plugins' commands are still there
            err_console.print(f"[yellow]warning:[/yellow] {escape(str(exc))}", highlight=False)
    return app


def main() -> None:
    """Entry point: click handles usage errors; a PlaitError becomes ``error: ...`` and exit 1."""
    try:
        build_app()(prog_name="plait")
    except PlaitError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
