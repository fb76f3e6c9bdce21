"""Deterministic models for tests, demos and benchmarks.

- ``scripted/echo``: replies ``Echo: <last user message>`` and cites every numbered source
  (``[n]`` at the start of a line) found in the messages.
- ``ScriptedChatModel(replies=[...])``: returns queued replies in order and records every call.
- ``scripted/hash``: a deterministic bag-of-words embedder (no model files).
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Callable, Iterator

from plait.core.errors import ModelError
from plait.core.models.base import ChatOptions, ChatResult, Choice, Message, ToolCall

_SOURCE = re.compile(r"^\[(\d+)\]", re.M)


def last_user_text(messages: list[Message]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            c = m.get("content") or ""
            return c if isinstance(c, str) else " ".join(p.get("text", "") for p in c if isinstance(p, dict))
    return ""


def echo_reply(messages: list[Message]) -> str:
    labels: list[str] = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, str):
            for label in _SOURCE.findall(content):
                if label not in labels:
                    labels.append(label)
    cites = " ".join(f"[{x}]" for x in labels)
    return f"Echo: {last_user_text(messages)}" + (f" {cites}" if cites else "")


Reply = str | ChatResult | Callable[[list[Message], ChatOptions], "str | ChatResult"]


class ScriptedChatModel:
    """Replies from a queue (or a function); records ``(messages, options)`` of each call."""

    def __init__(self, replies: list[Reply] | None = None, *, default: Reply | None = None, name: str = "scripted/queue"):
        self.name = name
        self.replies: list[Reply] = list(replies or [])
        self.default = default
        self.calls: list[tuple[list[Message], ChatOptions]] = []

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def _next(self, messages: list[Message], options: ChatOptions) -> ChatResult:
        if self.replies:
            reply = self.replies.pop(0)
        elif self.default is not None:
            reply = self.default
        else:
            raise ModelError("scripted model has no replies left; queue more with .queue(...)")
        if callable(reply):
            reply = reply(messages, options)
        if isinstance(reply, ChatResult):
            return reply
        return ChatResult([Choice(reply, finish_reason="stop")], model=self.name)

    def chat(self, messages: list[Message], options: ChatOptions | None = None) -> ChatResult:
        options = options or ChatOptions()
        self.calls.append(([dict(m) for m in messages], options))
        first = self._next(messages, options)
        choices = list(first.choices)
        while len(choices) < options.n:
            choices.extend(self._next(messages, options).choices)
        return ChatResult(choices[: max(1, options.n)], model=self.name, usage=first.usage)

    def stream(self, messages: list[Message], options: ChatOptions | None = None) -> Iterator[str]:
        text = self.chat(messages, options).text
        for piece in re.findall(r"\S+\s*|\s+", text):
            yield piece


class EchoChatModel(ScriptedChatModel):
    """``scripted/echo``: deterministic, and cites what it was given."""

    def __init__(self, name: str = "scripted/echo"):
        super().__init__(default=lambda msgs, _opts: echo_reply(msgs), name=name)


def scripted_tool_call(name: str, arguments: str, text: str = "") -> ChatResult:
    """A ChatResult that calls one tool, for scripting agents in tests."""
    return ChatResult([Choice(text, [ToolCall(f"call_{name}", name, arguments)], "tool_calls")])


class HashEmbedder:
    """Deterministic bag-of-words embedder: words hashed into ``dim`` buckets, L2-normalised."""

    max_tokens = 10_000

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.id = f"scripted/hash-{dim}"

    def _bucket(self, word: str) -> int:
        return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little") % self.dim

    def embed(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            vec = [0.0] * self.dim
            for word in re.findall(r"\w+", text.lower()):
                vec[self._bucket(word)] += 1.0
            norm = math.sqrt(sum(v * v for v in vec)) or 1.0
            out.append([v / norm for v in vec])
        return out

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))
