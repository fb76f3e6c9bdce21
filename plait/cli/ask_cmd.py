"""``plait ask``: one question through the RAG agent, answer plus sources."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from plait.cli.common import JsonOption, ModelOption, console, print_json, settings_for

RetrieveOption = Annotated[
    Optional[str],
    typer.Option("--retrieve", help="always | never | auto (the retrieval gate decides; default from config)"),
]


def ask(
    question: Annotated[str, typer.Argument(help="the question")],
    model: ModelOption = None,
    retrieve: RetrieveOption = None,
    session: Annotated[Optional[str], typer.Option("--session", help="continue this chat session")] = None,
    agent_name: Annotated[str, typer.Option("--agent", help="agent to ask")] = "rag",
    tool: Annotated[Optional[list[str]], typer.Option(
        "--tool", help="offer this registered tool to the model (repeat for more); the model may call it to answer")] = None,
    json_out: JsonOption = False,
) -> None:
    """Answer QUESTION from the ingested documents, with numbered citations."""
    from plait.agents.base import AgentContext, AgentRequest, get_agent

    settings = settings_for(model)
    options: dict = {"retrieve": retrieve} if retrieve else {}
    if tool:
        from plait.agents.tooling import resolve_tools

        # refused before the agent is built: a typo names every registered tool
        resolve_tools(tool, AgentContext(settings, name=agent_name).tools)
        options["tools"] = list(dict.fromkeys(tool))
    agent = get_agent(agent_name, settings)
    if session:
        from plait.agents.sessions import check_agent

        # a session remembers its agent: continuing another agent's session would replace its history
        check_agent(settings, session, str(getattr(agent, "name", "") or agent_name))
    reply = agent.invoke(AgentRequest([{"role": "user", "content": question}], session, options))
    if json_out:
        print_json({"answer": reply.text, **reply.extras, "model": settings.model, "agent": agent_name, "session": session})
        return
    console.print(reply.text, highlight=False, markup=False)
    print_sources(reply.extras.get("sources", []))
    print_tool_calls(reply.extras.get("tool_calls") or [])
    gate = reply.extras.get("gate")
    if gate:
        verb = "retrieved" if gate["retrieve"] else "answered without retrieval"
        console.print(f"[dim]({verb}; decided by {gate['decided_by']})[/dim]")


def print_sources(sources: list[dict]) -> None:
    if not sources:
        return
    from rich.table import Table

    table = Table("#", "file", "chunk", "score", title="Sources", title_justify="left", box=None)
    table.columns[1].overflow = "fold"
    for s in sources:
        table.add_row(str(s["n"]), display_path(s["source"]), str(s["chunk"]), f"{s['score']:.3f}")
    console.print(table)


def print_tool_calls(calls: list[dict]) -> None:
    for call in calls:
        outcome = call.get("result") if call.get("ok") else f"error: {call.get('error')}"
        # plain text: a tool's output may hold [brackets] that rich would read as markup
        console.print(f"tool {call.get('name')}({call.get('arguments')}) -> {outcome}", style="dim", markup=False, highlight=False)


def display_path(source: str) -> str:
    """A source path relative to the working directory when it lies below it."""
    import os

    if "://" in source or not os.path.isabs(source):
        return source
    rel = os.path.relpath(source)
    return source if rel.startswith("..") else rel


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
