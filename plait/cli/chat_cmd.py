"""``plait chat``: an interactive chat with an agent or character, in a resumable session.

Reads from a terminal interactively, or one message per line from a pipe (ending at end of input),
so scripts can drive it. Slash commands: /exit, /help, /session, plus those the agent offers
(``SupportsCommands``, e.g. /regenerate, /alts, /memory for characters).

A session remembers its agent: opening it with another agent (e.g. a character's session without
``--character``) is refused before anything is written, with the command that opens it. A slash
command or turn that fails with a plait error prints ``error: ...`` and the chat goes on.
"""

from __future__ import annotations

import sys
import time
from typing import Annotated, Any, Optional

import typer

from plait.agents.base import SupportsCommands, SupportsEndSession, SupportsGreeting, SupportsHistory
from plait.cli.common import ModelOption, console, err_console, settings_for
from plait.core.errors import PlaitError


def _new_session_name() -> str:
    return time.strftime("chat-%Y%m%d-%H%M%S")


def chat(
    session: Annotated[Optional[str], typer.Option("--session", "-s", help="session name; an existing one is resumed")] = None,
    character: Annotated[Optional[str], typer.Option("--character", "-c", help="chat with this character")] = None,
    agent_name: Annotated[str, typer.Option("--agent", help="agent to chat with (ignored with --character)")] = "rag",
    model: ModelOption = None,
    retrieve: Annotated[Optional[str], typer.Option("--retrieve", help="always | never | auto (RAG agent)")] = None,
) -> None:
    """Chat with an agent (default: rag) or a character; sessions survive a restart."""
    from plait.agents.base import get_agent
    from plait.agents.sessions import check_agent, resume_command

    settings = settings_for(model)
    name = f"character/{character}" if character else agent_name
    agent = get_agent(name, settings)
    name = str(getattr(agent, "name", "") or name)  # the registered name, as sessions record it
    session = session or _new_session_name()
    check_agent(settings, session, name)  # another agent's session: refused, nothing written
    interactive = sys.stdin.isatty()
    _open(agent, name, session, interactive)
    options = {"retrieve": retrieve} if retrieve else {}
    commands = dict(agent.commands) if isinstance(agent, SupportsCommands) else {}
    for line in _messages(interactive):
        if line.startswith("/"):
            if not _command(line, session, commands):
                break
            continue
        _guarded(_turn, agent, line, session, options, interactive)
    if isinstance(agent, SupportsEndSession):
        agent.end_session(session)  # e.g. characters summarise the session into long-term memory
    hint = f"session saved: resume with `{resume_command(session, name)}`"
    if interactive:
        console.print(hint, style="dim", highlight=False, markup=False)
    else:  # stdout carries the replies of a piped chat; the hint goes beside them
        err_console.print(hint, highlight=False, markup=False)


def _open(agent: Any, name: str, session: str, interactive: bool) -> None:
    """Show a resumed session's last turns (on a terminal) or a new session's greeting."""
    history = agent.history(session) if isinstance(agent, SupportsHistory) else []
    if interactive:
        state = "resumed" if history else "new"
        console.print(f"[dim]{name} · session {session} ({state}) · /help for commands, /exit to leave[/dim]")
        for turn in history[-10:]:
            who = "you" if turn["role"] == "user" else name
            console.print(f"[bold]{who}>[/bold] {turn['content']}", highlight=False)
    if not history and isinstance(agent, SupportsGreeting):
        greeting = agent.greeting(session)
        if greeting:
            console.print(greeting, highlight=False, markup=False)


def _guarded(fn: Any, *args: Any) -> Any:
    """Run ``fn``; a plait error (bad /alts number, model down) is printed and the chat goes on."""
    try:
        return fn(*args)
    except PlaitError as exc:
        err_console.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        return None


def _command(line: str, session: str, commands: dict[str, Any]) -> bool:
    """Run a slash command; False when it ends the chat."""
    cmd, _, args = line.partition(" ")
    if cmd in ("/exit", "/quit"):
        return False
    if cmd == "/help":
        console.print("commands: /exit /session " + " ".join(sorted(commands)), highlight=False)
    elif cmd == "/session":
        console.print(session)
    elif cmd in commands:
        out = _guarded(commands[cmd], session, args.strip())
        if out is not None:
            console.print(out, highlight=False, markup=False)
    else:
        console.print(f"unknown command {cmd}; /help lists them")
    return True


def _turn(agent: Any, line: str, session: str, options: dict[str, Any], interactive: bool) -> None:
    from plait.agents.base import AgentReply, AgentRequest

    request = AgentRequest([{"role": "user", "content": line}], session, options)
    for piece in agent.stream(request):
        if isinstance(piece, AgentReply):
            sys.stdout.write("\n")
            sources = piece.extras.get("sources") or []
            if sources and interactive:
                from plait.cli.ask_cmd import print_sources

                print_sources(sources)
        else:
            sys.stdout.write(piece)
        sys.stdout.flush()


def _messages(interactive: bool):
    """Non-empty lines: prompted on a terminal, read one per line from a pipe."""
    while True:
        try:
            line = input("you> ") if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive and line == "":
            return  # end of input
        line = line.strip()
        if line:
            yield line


def register(app: typer.Typer) -> None:
    app.command("chat")(chat)
