"""``plait sessions list|show|delete``."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from plait.cli.common import JsonOption, console, print_json, settings_for


def list_(json_out: JsonOption = False) -> None:
    """List chat sessions, most recent first."""
    from plait.agents.sessions import list_sessions

    sessions = list_sessions(settings_for())
    if json_out:
        print_json([s.to_json() for s in sessions])
        return
    if not sessions:
        console.print("no sessions yet; start one with `plait chat --session NAME`")
        return
    from rich.table import Table

    table = Table("name", "agent", "turns", "updated", "title", box=None)
    for s in sessions:
        table.add_row(s.name, s.agent, str(s.turns), time.strftime("%Y-%m-%d %H:%M", time.localtime(s.updated)), s.title)
    console.print(table)


def show(name: Annotated[str, typer.Argument(help="session name")], json_out: JsonOption = False) -> None:
    """Show the turns of a session."""
    from plait.agents.base import SupportsHistory, get_agent
    from plait.agents.sessions import require_session

    settings = settings_for()
    info = require_session(settings, name)
    agent = get_agent(info.agent, settings)
    turns = agent.history(name) if isinstance(agent, SupportsHistory) else []
    if json_out:
        print_json({**info.to_json(), "messages": turns})
        return
    console.print(f"[dim]{info.name} · {info.agent} · {info.turns} turns[/dim]")
    for turn in turns:
        console.print(f"[bold]{turn['role']}>[/bold] {turn['content']}", highlight=False)


def delete(
    name: Annotated[str, typer.Argument(help="session name")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
) -> None:
    """Delete a session and its checkpoints."""
    from plait.agents.sessions import delete_session, require_session

    settings = settings_for()
    require_session(settings, name)
    if not yes and not typer.confirm(f"delete session {name!r}?"):
        raise typer.Exit(1)
    delete_session(settings, name)
    console.print(f"deleted session {name}")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="List, show and delete chat sessions.", no_args_is_help=True)
    group.command("list")(list_)
    group.command("show")(show)
    group.command("delete")(delete)
    app.add_typer(group, name="sessions")
