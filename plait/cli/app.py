"""The ``plait`` command: core command modules plus whatever plugins add via ``register_commands``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Annotated, Optional

import typer
from rich.markup import escape

from plait.cli.common import CommandOwners, err_console, reflow_help
from plait.core.errors import PlaitError
from plait.core.redact import redact_text

app = typer.Typer(
    name="plait",
    help="Build retrieval-augmented assistants and agents from plugins.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        import plait

        typer.echo(f"plait {plait.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    strict: Annotated[bool, typer.Option("--strict", help="exit 1 if any plugin failed to load or in a hook")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="print plait's version and exit")] = False,
    disable: Annotated[Optional[list[str]], typer.Option(
        "--disable", metavar="NAME",
        help="turn a plugin off for this command, e.g. --disable plait.math (repeatable; see `plait plugins list --all`)",
    )] = None,
) -> None:
    from plait.core.host import get_host

    host = get_host()
    if not strict:
        return
    problems = host.problems()
    if problems:
        err_console.print(f"[red]error:[/red] {escape('; '.join(problems))} (--strict)", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    host.strict = True  # a plugin failing later in this command (register_routes in plait serve) fails it too


def _load_core_commands() -> None:
    import plait.cli as pkg

    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if mod.name.endswith("_cmd"):
            importlib.import_module(f"plait.cli.{mod.name}").register(app)


def build_app() -> typer.Typer:
    from plait.core.host import get_host

    _load_core_commands()
    owners = CommandOwners(app)  # what is there now is plait's own; a plugin may not replace it
    get_host().call_isolated("register_commands", cli=app, after=owners.claim)
    reflow_help(app)
    return app


def _root_disables(argv: list[str]) -> list[str]:
    """The ``--disable NAME`` options given before the command: the host needs them before it loads
    (the plugins' own commands are part of what they turn off), so they are read ahead of click."""
    names, i = [], 0
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] == "--disable" and i + 1 < len(argv):
            names.append(argv[i + 1])
            i += 2
            continue
        if argv[i].startswith("--disable="):
            names.append(argv[i].split("=", 1)[1])
        i += 1
    return names


def main() -> None:
    """Entry point: click handles usage errors; a PlaitError becomes ``error: ...`` and exit 1."""
    from plait.core.host import disable_plugins

    disable_plugins(_root_disables(sys.argv[1:]))
    try:
        build_app()(prog_name="plait")
    except PlaitError as exc:
        message = redact_text(str(exc))  # an error may quote a URL with a password in it
        err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
