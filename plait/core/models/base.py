"""The chat and embedding protocols every backend implements.

Messages are OpenAI-style dicts (``{"role": "user", "content": "..."}``; tool calls as in the
OpenAI API). Backends raise ``ModelUnavailable`` / ``ModelResponseError`` from ``plait.core.errors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol, runtime_checkable

Message = dict[str, Any]


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as the OpenAI API sends it


@dataclass
class Choice:
    text: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    logprobs: list[dict[str, Any]] | None = None  # [{"token": str, "logprob": float, "top": {...}}]


@dataclass
class ChatResult:
    choices: list[Choice]
    model: str = ""
    usage: dict[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.choices[0].text if self.choices else ""

    @property
    def tool_calls(self) -> list[ToolCall]:
        return self.choices[0].tool_calls if self.choices else []


@dataclass
class ChatOptions:
    """Sampling and output options shared by all backends."""

    temperature: float | None = None
    max_tokens: int | None = None
    n: int = 1
    stop: list[str] | None = None
    logprobs: int | None = None  # number of top logprobs wanted; None = none
    tools: list[dict[str, Any]] | None = None  # OpenAI tool schemas
    tool_choice: Any = None
    json_schema: dict[str, Any] | None = None  # structured output
    seed: int | None = None


@runtime_checkable
class ChatModel(Protocol):
    name: str

    def chat(self, messages: list[Message], options: ChatOptions | None = None) -> ChatResult:
        """One request; ``options.n`` choices."""
        ...

    def stream(self, messages: list[Message], options: ChatOptions | None = None) -> Iterator[str]:
        """Text deltas of one choice; joined they equal ``chat(...).text`` at temperature 0."""
        ...


@runtime_checkable
class Embedder(Protocol):
    id: str  # stable id stored with collections and heads, e.g. "local/all-minilm-l6-v2"
    dim: int
    max_tokens: int  # what the model reads; text past it is lost

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One vector per text (unit-normalised)."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens as the model counts them, for chunking."""
        ...
