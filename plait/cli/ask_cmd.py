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
    question: Annotated[Optional[str], typer.Argument(help="the question (read from stdin when not given)")] = None,
    model: ModelOption = None,
    retrieve: RetrieveOption = None,
    session: Annotated[Optional[str], typer.Option("--session", help="continue this chat session")] = None,
    agent_name: Annotated[str, typer.Option("--agent", help="agent to ask")] = "rag",
    tool: Annotated[Optional[list[str]], typer.Option(
        "--tool", help="offer this registered tool to the model (repeat for more); the model may call it to answer")] = None,
    collection: Annotated[Optional[str], typer.Option(
        "--collection", help="answer from this Chroma collection (default: [retrieval] collection)")] = None,
    answer_mode: Annotated[Optional[str], typer.Option(
        "--answer-mode", help="grounded | extractive | generate (default: [rag] answer_mode; grounded for llamacpp/ models)")] = None,
    max_tokens: Annotated[Optional[int], typer.Option(
        "--max-tokens", min=1, help="cap the generated tokens (default: 128 for llamacpp/ models, else the backend's)")] = None,
    json_out: JsonOption = False,
) -> None:
    """Answer QUESTION from the ingested documents, with numbered citations (streamed as generated)."""
    from plait.agents.base import AgentContext, AgentRequest, get_agent

    question = question if question is not None else read_question()

    settings = settings_for(model)
    if collection:
        settings = settings.model_copy(update={"collection": collection})
    options: dict = {"retrieve": retrieve} if retrieve else {}
    if answer_mode:
        options["answer_mode"] = answer_mode
    if max_tokens:
        options["max_tokens"] = max_tokens
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
    request = AgentRequest([{"role": "user", "content": question}], session, options)
    if json_out:  # one JSON object: wait for the whole answer
        reply = agent.invoke(request)
        print_json({"answer": reply.text, **reply.extras, "model": settings.model, "agent": agent_name, "session": session})
        return
    reply = stream_answer(agent, request)
    print_sources(reply.extras.get("sources", []))
    print_tool_calls(reply.extras.get("tool_calls") or [])
    gate = reply.extras.get("gate")
    if gate:
        verb = "retrieved" if gate["retrieve"] else "answered without retrieval"
        console.print(f"[dim]({verb}; decided by {gate['decided_by']})[/dim]")


def read_question() -> str:
    """The question piped on stdin (``echo "..." | plait ask``); refused on a terminal or when empty."""
    import sys

    if sys.stdin is None or sys.stdin.isatty():
        raise typer.BadParameter("give the question as an argument, or pipe it on stdin: echo 'QUESTION' | plait ask",
                                 param_hint="QUESTION")
    text = sys.stdin.read().strip()
    if not text:
        raise typer.BadParameter("stdin held no question; give it as an argument or pipe it in", param_hint="QUESTION")
    return text


def stream_answer(agent, request):
    """Print the answer's text as the agent generates it; the final AgentReply."""
    import sys

    from plait.agents.base import AgentReply

    streamed = False
    for piece in agent.stream(request):
        if isinstance(piece, AgentReply):
            if not streamed:  # an agent that streams nothing (a refusal, a fixed reply) still answers
                sys.stdout.write(piece.text)
            sys.stdout.write("\n")
            sys.stdout.flush()
            return piece
        if piece:
            streamed = True
            sys.stdout.write(piece)
            sys.stdout.flush()
    raise RuntimeError(f"agent {getattr(agent, 'name', agent)!r} ended its stream without a reply")


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
