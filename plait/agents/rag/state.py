"""State of the RAG graph. ``history`` accumulates across turns of a session (checkpointed).

The state holds the conversation and this turn's question, gate decision, hits and answer, never
the turn's options: those travel in ``config["configurable"]`` (``turn_options``), so a session's
checkpoint stores conversation only. Sessions written by earlier versions may still carry
``options``, ``streaming`` and ``retrieve_mode`` channels; they are not part of this schema, so
LangGraph ignores them when it loads such a checkpoint.

Everything in ``RagState`` is written by the checkpointer (msgpack), so it holds plain JSON types
only: every node's update and the turn's input pass through ``plain`` on their way in.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Callable, TypedDict

from langchain_core.runnables import RunnableConfig

from plait.retrieval.types import jsonable


class RagState(TypedDict, total=False):
    history: Annotated[list[dict[str, Any]], operator.add]  # user/assistant turns of the session
    question: str
    gate: dict[str, Any]  # GateDecision.to_json()
    hits: list[dict[str, Any]]  # Hit.to_json() of retrieved chunks
    rejected: bool  # retrieval found nothing relevant enough
    answer: str
    alternatives: list[str]
    tool_calls: list[dict[str, Any]]  # trace of this turn's tool calls (plait.agents.tooling)
    answer_mode: str  # generate | extractive | grounded (plait.agents.rag.grounded)
    citations: list[int]  # source numbers the final answer cites (code excluded)
    quotes: list[dict[str, Any]]  # Quote.to_json() of the quoted sentences (extractive, grounded)


def plain(update: dict[str, Any]) -> dict[str, Any]:
    """``update`` as plain JSON types (numpy scores from a store or a gate become floats)."""
    return jsonable(update)


Node = Callable[[RagState, RunnableConfig], dict]


def plain_node(node: Node) -> Node:
    """``node`` whose state update is made plain before LangGraph checkpoints it."""

    def run(state: RagState, config: RunnableConfig) -> dict:
        return plain(node(state, config))

    run.__name__ = getattr(node, "__name__", "node")
    return run
