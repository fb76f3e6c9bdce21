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


# -- scoring any gate on the need_retrieve benchmark format --------------------------------------
@runtime_checkable
class BatchGate(Protocol):
    """A gate that decides many questions at once faster than one by one (optional)."""

    def decide_many(self, questions: list[str]) -> list[GateDecision]:
        ...


_TRUE, _FALSE = {"1", "true", "yes", "y"}, {"0", "false", "no", "n"}


def _need_retrieve(value: object, where: str) -> bool:
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    from plait.core.errors import InputError

    raise InputError(f"{where}: need_retrieve must be true/false or 1/0, got {value!r}")


def read_need_retrieve(path) -> list[dict]:
    """Rows ``{"question", "need_retrieve", "scenario"?, "language"?}`` of a gate benchmark (JSONL)."""
    from plait.core.io import iter_jsonl

    rows = []
    for no, row in enumerate(iter_jsonl(path, what="gate benchmark", required=("question", "need_retrieve")), 1):
        rows.append({**row, "need_retrieve": _need_retrieve(row["need_retrieve"], f"{path}: row {no}"),
                     "scenario": str(row.get("scenario") or "default")})
    if not rows:
        from plait.core.errors import InputError

        raise InputError(f"{path} has no rows; give one {{\"question\", \"need_retrieve\"}} object per line")
    return rows


def score_gate(gate: RetrievalGate, rows: list[dict], *, per_item: bool = False) -> dict:
    """Accuracy of ``gate`` on benchmark rows, overall, per scenario and per language when given;
    ``per_item`` adds ``"right"``: for each row, whether the decision matched ``need_retrieve``."""
    questions = [r["question"] for r in rows]
    decisions = gate.decide_many(questions) if isinstance(gate, BatchGate) else [gate.decide(q) for q in questions]
    groups: dict[str, dict[str, list[bool]]] = {"by_scenario": {}, "by_language": {}}
    for row, d in zip(rows, decisions):
        right = d.retrieve == row["need_retrieve"]
        groups["by_scenario"].setdefault(row["scenario"], []).append(right)
        if row.get("language"):
            groups["by_language"].setdefault(str(row["language"]), []).append(right)
    correct = sum(d.retrieve == r["need_retrieve"] for r, d in zip(rows, decisions))
    decided_by: dict[str, int] = {}
    for d in decisions:
        decided_by[d.decided_by] = decided_by.get(d.decided_by, 0) + 1
    report = {
        "gate": getattr(gate, "name", type(gate).__name__),
        "n": len(rows),
        "accuracy": round(correct / len(rows), 4),
        "retrieved": sum(d.retrieve for d in decisions),
        **{k: {g: round(sum(v) / len(v), 4) for g, v in sorted(vals.items())} for k, vals in groups.items()},
        "decided_by": decided_by,
    }
    if not report["by_language"]:
        del report["by_language"]
    if per_item:
        report["right"] = [d.retrieve == r["need_retrieve"] for r, d in zip(rows, decisions)]
    return report
