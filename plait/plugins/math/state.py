"""State of the math graph: the conversation with the model and what the sandbox ran."""

from __future__ import annotations

from typing import Any, TypedDict


class MathState(TypedDict, total=False):
    problem: str
    messages: list[dict[str, Any]]  # what the model sees: system, user, assistant, tool turns
    options: dict[str, Any]  # sampling options (temperature, max_tokens, seed)
    max_turns: int  # model calls allowed
    turns: int  # model calls made
    cells: list[str]  # code that ran without error, replayed before each new cell (a notebook)
    pending: list[dict[str, Any]]  # code the last model turn asked to run: {"id", "code", "style"}
    executions: list[dict[str, Any]]  # Execution.to_json() of every run, in order
    final: str  # the model's last text
    answer: str | None  # extracted from the final text (last \boxed{}, else the last number)
    finished: bool  # the model gave an answer (False: it ran out of turns)
    transcript: str  # what the user sees: the model's words, its code, the outputs (the reply text)
    streaming: bool
