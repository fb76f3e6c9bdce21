"""One tool-calling loop for agents that offer registered tools to their model.

The model gets the tools' OpenAI schemas (``ChatOptions.tools``); every tool call it returns is run
through ``Tool.call`` and answered with a ``tool`` message; then the model is asked again, until it
answers without calling a tool. This is the OpenAI tool-calling protocol, which vLLM speaks when
started with ``--tool-call-parser``.

A tool call never crashes the turn: an unknown tool name, arguments the tool refuses, or a tool
that raises become a ``tool`` message starting with ``error:`` that the model reads (and the trace
records). After ``max_rounds`` rounds of calls the model is asked once more without tools, so a
model that keeps calling tools still ends with an answer.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from plait.core.models.base import ChatModel, ChatOptions, ChatResult, Message, ToolCall
from plait.core.tools import Tool

DEFAULT_MAX_ROUNDS = 4


def resolve_tools(names: list[str] | tuple[str, ...], registered: dict[str, Any]) -> dict[str, Tool]:
    """The registered tools called ``names``; ``InputError`` naming every registered tool otherwise."""
    from plait.core.errors import InputError

    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise InputError(f"tools must be a list of tool names, got {names!r}")
    unknown = [n for n in names if not isinstance(registered.get(n), Tool)]
    if unknown:
        known = ", ".join(sorted(registered)) or "none"
        raise InputError(f"no tool named {', '.join(map(repr, unknown))}; registered tools: {known} "
                         f"(a plugin adds tools with the register_tools hook)")
    return {n: registered[n] for n in names}


def _assistant_message(result: ChatResult) -> Message:
    """The model's tool-calling turn as the OpenAI API expects it back in the conversation."""
    return {"role": "assistant", "content": result.text, "tool_calls": [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for c in result.tool_calls]}


def _arguments_for_trace(arguments: str) -> Any:
    try:
        return json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return arguments  # kept as sent: the trace shows what the model really wrote


def execute_call(call: ToolCall, tools: dict[str, Tool]) -> tuple[str, dict[str, Any]]:
    """(text of the ``tool`` message, trace entry) for one call; never raises for a tool's failure."""
    entry: dict[str, Any] = {"id": call.id, "name": call.name, "arguments": _arguments_for_trace(call.arguments)}
    tool = tools.get(call.name)
    if tool is None:
        offered = ", ".join(sorted(tools)) or "none"
        error = f"no tool named {call.name!r}; the tools offered are: {offered}"
    else:
        try:
            text = Tool.result_text(tool.call(call.arguments))
            return text, {**entry, "ok": True, "result": text}
        except Exception as exc:  # any failure of a plugin's tool goes back to the model, not up the stack
            error = f"tool {call.name!r} failed: {type(exc).__name__}: {exc}"
    return f"error: {error}", {**entry, "ok": False, "error": error}


def run_with_tools(model: ChatModel, messages: list[Message], tools: dict[str, Tool],
                   options: ChatOptions | None = None, max_rounds: int = DEFAULT_MAX_ROUNDS,
                   ) -> tuple[ChatResult, list[dict[str, Any]]]:
    """(final ChatResult, JSON-safe trace of every call) of a conversation where the model may call ``tools``.

    ``messages`` is not modified. Each trace entry holds ``round`` (1-based), ``id``, ``name``,
    ``arguments`` (parsed when they are JSON), ``ok`` and ``result`` or ``error``.
    """
    if max_rounds < 0:
        raise ValueError(f"max_rounds must be 0 or more, got {max_rounds}")
    base = options or ChatOptions()
    offered = dataclasses.replace(base, tools=[t.openai_schema() for t in tools.values()]) if tools else base
    conversation = list(messages)
    trace: list[dict[str, Any]] = []
    for round_no in range(1, max_rounds + 1):
        result = model.chat(conversation, offered)
        if not result.tool_calls:
            return result, trace
        conversation.append(_assistant_message(result))
        for call in result.tool_calls:
            text, entry = execute_call(call, tools)
            trace.append({"round": round_no, **entry})
            conversation.append({"role": "tool", "tool_call_id": call.id, "name": call.name, "content": text})
    # out of rounds (or none allowed): the model answers with what it has, no tools offered
    return model.chat(conversation, dataclasses.replace(base, tools=None, tool_choice=None)), trace
