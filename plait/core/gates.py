"""The retrieval-gate protocol: decide per question whether the RAG agent retrieves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from plait.core.models.base import Message


@dataclass
class GateDecision:
    retrieve: bool
    decided_by: str  # criterion that settled it ("intent", "knowledge", ..., "always", "override")
    scores: dict[str, float] = field(default_factory=dict)  # criterion -> P(yes)

    def to_json(self) -> dict:
        return {"retrieve": self.retrieve, "decided_by": self.decided_by, "scores": dict(self.scores)}


@runtime_checkable
class RetrievalGate(Protocol):
    name: str

    def decide(self, question: str, history: list[Message] | None = None) -> GateDecision:
        ...


class AlwaysRetrieve:
    """The fallback gate: always retrieve."""

    name = "always"

    def decide(self, question: str, history: list[Message] | None = None) -> GateDecision:
        return GateDecision(True, "always")


class NeverRetrieve:
    name = "never"

    def decide(self, question: str, history: list[Message] | None = None) -> GateDecision:
        return GateDecision(False, "never")
