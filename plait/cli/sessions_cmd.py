"""``plait sessions list|show|delete|migrate``."""

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


def migrate(
    to: Annotated[str, typer.Option("--to", help="PostgreSQL URL to copy the SQLite sessions into")],
    json_out: JsonOption = False,
) -> None:
    """Copy the SQLite sessions under PLAIT_HOME into PostgreSQL (sessions already there are skipped)."""
    from plait.agents.sessions.migrate import migrate_to
    from plait.core.redact import redact_text

    report = migrate_to(settings_for(), to)
    if json_out:
        print_json(report.to_json())
        return
    console.print(f"copied {report.copied} sessions to {redact_text(to)}, skipped {report.skipped} already there")
    if report.copied or report.skipped:
        console.print(f"use them with PLAIT_SESSIONS_URL={redact_text(to)} (or sessions_url in plait.toml)")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="List, show, delete and migrate chat sessions.", no_args_is_help=True)
    group.command("list")(list_)
    group.command("show")(show)
    group.command("delete")(delete)
    group.command("migrate")(migrate)
    app.add_typer(group, name="sessions")
