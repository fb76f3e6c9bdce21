"""State of the RAG graph. ``history`` accumulates across turns of a session (checkpointed).

Everything in ``RagState`` is written by the checkpointer (msgpack), so it holds plain JSON types
only: every node's update and the turn's input pass through ``plain`` on their way in.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Callable, TypedDict

from plait.retrieval.types import jsonable


class RagState(TypedDict, total=False):
    history: Annotated[list[dict[str, Any]], operator.add]  # user/assistant turns of the session
    question: str
    retrieve_mode: str  # auto | always | never
    options: dict[str, Any]  # sampling options of this turn
    streaming: bool
    gate: dict[str, Any]  # GateDecision.to_json()
    hits: list[dict[str, Any]]  # Hit.to_json() of retrieved chunks
    rejected: bool  # retrieval found nothing relevant enough
    answer: str
    alternatives: list[str]


def plain(update: dict[str, Any]) -> dict[str, Any]:
    """``update`` as plain JSON types (numpy scores from a store or a gate become floats)."""
    return jsonable(update)


def plain_node(node: Callable[[RagState], dict]) -> Callable[[RagState], dict]:
    """``node`` whose state update is made plain before LangGraph checkpoints it."""

    def run(state: RagState) -> dict:
        return plain(node(state))

    run.__name__ = getattr(node, "__name__", "node")
    return run
