"""``plait chat``: an interactive chat with an agent or character, in a resumable session.

Reads from a terminal interactively, or one message per line from a pipe (ending at end of input),
so scripts can drive it. Slash commands: /exit, /help, /session, plus those the agent offers
(``agent.commands``, e.g. /regenerate, /alts, /memory for characters).
"""

from __future__ import annotations

import sys
import time
from typing import Annotated, Optional

import typer

from plait.cli.common import ModelOption, console, settings_for


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
    from plait.agents.base import AgentRequest, AgentReply, get_agent

    settings = settings_for(model)
    name = f"character/{character}" if character else agent_name
    agent = get_agent(name, settings)
    session = session or _new_session_name()
    interactive = sys.stdin.isatty()
    history = agent.history(session) if hasattr(agent, "history") else []
    if interactive:
        state = "resumed" if history else "new"
        console.print(f"[dim]{name} · session {session} ({state}) · /help for commands, /exit to leave[/dim]")
        for turn in history[-10:]:
            who = "you" if turn["role"] == "user" else name
            console.print(f"[bold]{who}>[/bold] {turn['content']}", highlight=False)
    if not history and hasattr(agent, "greeting"):
        greeting = agent.greeting(session)
        if greeting:
            console.print(greeting, highlight=False, markup=False)
    commands = dict(getattr(agent, "commands", {}) or {})
    options = {"retrieve": retrieve} if retrieve else {}

    for line in _messages(interactive):
        if line.startswith("/"):
            cmd, _, args = line.partition(" ")
            if cmd in ("/exit", "/quit"):
                break
            if cmd == "/help":
                console.print("commands: /exit /session " + " ".join(sorted(commands)), highlight=False)
            elif cmd == "/session":
                console.print(session)
            elif cmd in commands:
                console.print(commands[cmd](session, args.strip()), highlight=False, markup=False)
            else:
                console.print(f"unknown command {cmd}; /help lists them")
            continue
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
    if hasattr(agent, "end_session"):
        agent.end_session(session)  # e.g. characters summarise the session into long-term memory
    if interactive:
        console.print(f"[dim]session saved: resume with `plait chat --session {session}`[/dim]")


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
