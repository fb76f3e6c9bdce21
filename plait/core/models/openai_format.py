"""OpenAI wire format <-> plait's ChatResult, shared by the ``openai`` and ``llamacpp`` backends.

Both the OpenAI SDK (``response.model_dump()``) and llama-cpp-python hand back the same
OpenAI-shaped dicts, so one parser serves both.
"""

from __future__ import annotations

import json
from typing import Any

from plait.core.models.base import ChatResult, Choice, ToolCall

_TOOL_CHOICE_KEYWORDS = {"auto", "none", "required"}


def tool_choice_param(tool_choice: Any) -> Any:
    """``"search"`` (a function name) -> the OpenAI ``{"type": "function", ...}`` form; else as given."""
    if isinstance(tool_choice, str) and tool_choice not in _TOOL_CHOICE_KEYWORDS:
        return {"type": "function", "function": {"name": tool_choice}}
    return tool_choice


def named_tool(tool_choice: Any) -> str | None:
    """The function name a tool_choice forces, or None for auto/none/required."""
    tc = tool_choice_param(tool_choice)
    if isinstance(tc, dict):
        return (tc.get("function") or {}).get("name")
    return None


def parse_logprobs(logprobs: Any) -> list[dict[str, Any]] | None:
    """OpenAI ``choice.logprobs`` -> ``[{"token", "logprob", "top": {token: logprob}}]``."""
    if not logprobs:
        return None
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if content is None:
        return None
    out = []
    for item in content:
        top = {t["token"]: float(t["logprob"]) for t in (item.get("top_logprobs") or [])}
        out.append({"token": item.get("token", ""), "logprob": float(item.get("logprob", 0.0)), "top": top})
    return out


def parse_tool_calls(raw: list[dict[str, Any]] | None) -> list[ToolCall]:
    calls = []
    for i, tc in enumerate(raw or []):
        fn = tc.get("function") or {}
        args = fn.get("arguments")
        if not isinstance(args, str):  # some servers send an object; the protocol wants JSON text
            args = json.dumps(args or {})
        calls.append(ToolCall(id=tc.get("id") or f"call_{i}", name=fn.get("name", ""), arguments=args))
    return calls


def parse_choice(raw: dict[str, Any]) -> Choice:
    message = raw.get("message") or {}
    tool_calls = parse_tool_calls(message.get("tool_calls"))
    if not tool_calls and message.get("function_call"):  # legacy single function call
        tool_calls = parse_tool_calls([{"id": "call_0", "function": message["function_call"]}])
    return Choice(
        text=message.get("content") or "",
        tool_calls=tool_calls,
        finish_reason=raw.get("finish_reason"),
        logprobs=parse_logprobs(raw.get("logprobs")),
    )


def parse_completion(raw: dict[str, Any], model: str) -> ChatResult:
    """A whole ``chat.completion`` body -> ChatResult (choices ordered by ``index``)."""
    choices = sorted(raw.get("choices") or [], key=lambda c: c.get("index", 0))
    usage = {k: int(v) for k, v in (raw.get("usage") or {}).items() if isinstance(v, (int, float))}
    return ChatResult([parse_choice(c) for c in choices], model=raw.get("model") or model, usage=usage)
