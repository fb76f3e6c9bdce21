"""State of the RAG graph. ``history`` accumulates across turns of a session (checkpointed)."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


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
