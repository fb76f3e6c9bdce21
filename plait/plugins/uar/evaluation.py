"""``plait gate eval``: gate accuracy on a benchmark and each head on its own validation rows."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from plait.core.errors import InputError
from plait.plugins.uar.decision import criterion_accuracy
from plait.plugins.uar.heads import validation_rows
from plait.plugins.uar.training import parse_bool, read_jsonl


def read_bench(path: Path) -> list[dict]:
    rows = read_jsonl(path, ("question", "need_retrieve"))
    for no, row in enumerate(rows, 1):
        try:
            row["need_retrieve"] = parse_bool(row["need_retrieve"], "need_retrieve")
        except ValueError as exc:
            raise InputError(f"{path}: row {no}: {exc}") from None
        row["scenario"] = str(row.get("scenario") or "default")
    return rows


def criteria_accuracy(gate: Any) -> dict[str, float]:
    """Each loaded head's accuracy on the validation rows saved with it (else its recorded one)."""
    out = {}
    for criterion, head in gate.heads.items():
        rows = validation_rows(gate.settings, gate.featurizer.id, criterion)
        if rows:
            out[criterion] = round(criterion_accuracy(head, gate.featurizer, rows), 4)
        elif head.val_accuracy is not None:
            out[criterion] = round(float(head.val_accuracy), 4)
    return out


def evaluate_gate(gate: Any, data: Path, *, per_item: bool = False) -> dict:
    """Accuracy overall and per scenario; ``per_item`` adds ``"rows"`` and ``"right"`` (one per line)."""
    rows = read_bench(data)
    decisions = gate.decide_many([r["question"] for r in rows])
    hits: dict[str, list[bool]] = defaultdict(list)
    for row, d in zip(rows, decisions):
        hits[row["scenario"]].append(d.retrieve == row["need_retrieve"])
    correct = sum(sum(v) for v in hits.values())
    report = {
        "accuracy": round(correct / len(rows), 4),
        "by_scenario": {k: round(sum(v) / len(v), 4) for k, v in sorted(hits.items())},
        "n": len(rows),
        "criteria": criteria_accuracy(gate),
        "featurizer": gate.featurizer.id,
        "decided_by": {c: sum(d.decided_by == c for d in decisions) for c in gate.order},
    }
    if per_item:
        report["rows"] = rows
        report["right"] = [d.retrieve == r["need_retrieve"] for r, d in zip(rows, decisions)]
    return report
