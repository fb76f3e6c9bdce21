"""State of the math graph: the conversation with the model and what the interpreter ran.

Per-turn options (sampling, streaming) are not state: nodes read them from
``config["configurable"]`` with ``turn_options`` / ``is_streaming``.
"""

from __future__ import annotations

from typing import Any, TypedDict


class MathState(TypedDict, total=False):
    problem: str
    messages: list[dict[str, Any]]  # what the model sees: system, user, assistant, tool turns
    max_turns: int  # model calls allowed
    turns: int  # model calls made
    completion_tokens: int | None  # tokens the model generated over all turns (None: it reports no usage)
    cells: list[str]  # code that ran without error, passed as the tool's ``setup`` before each new cell
    pending: list[dict[str, Any]]  # code the last model turn asked to run: {"id", "name", "code", "style"}
    executions: list[dict[str, Any]]  # the math_python tool's result for every run, in order
    final: str  # the model's last text
    alternatives: list[str]  # the other choices of the last model call (n > 1)
    answer: str | None  # extracted from the final text (last \boxed{}, else the last number)
    finished: bool  # the model gave an answer (False: it ran out of turns)
    transcript: str  # what the user sees: the model's words, its code, the outputs (the reply text)
    dialogue: list[dict[str, Any]]  # the session's user/assistant turns (the problem, the transcript)
