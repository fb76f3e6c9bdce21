"""The model x item results table: a long CSV or JSONL of ``model, item, score, max_score`` rows
(optional ``difficulty`` and ``reasoning_tokens``), turned into score matrices.

``difficulty`` is an external item difficulty: a human score rate in [0, 1] (converted to logits,
``ln((1 - p) / p)``, so harder items are higher) or, when any value lies outside [0, 1], logits as given.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from plait import InputError, iter_jsonl

REQUIRED = ("model", "item", "score", "max_score")


@dataclass
class Results:
    """Scores as matrices: ``scores[model, item]`` (NaN where a model did not answer an item)."""

    models: list[str]
    items: list[str]
    scores: np.ndarray  # (n_models, n_items) float, NaN = missing
    max_score: np.ndarray  # (n_items,) int
    human: np.ndarray | None  # (n_items,) logits from the difficulty column, NaN where absent
    reasoning: np.ndarray | None  # (n_items,) mean reasoning tokens over models, NaN where absent


def _rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, row)`` pairs; ``where`` is ``file:line`` for error messages."""
    if not path.is_file():
        raise InputError(f"{path}: no such results file; give a CSV or JSONL with columns {', '.join(REQUIRED)}")
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        for n, row in enumerate(iter_jsonl(path, what="results", required=REQUIRED), 1):
            yield f"{path.name}:{n}", row
        return
    with path.open(newline="", encoding="utf-8") as fh:
        lines = (line for line in fh if line.strip() and not line.lstrip().startswith("#"))
        reader = csv.DictReader(lines)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path} lacks the column(s) {', '.join(missing)}; the header must name "
                             f"{', '.join(REQUIRED)} (optional: difficulty, reasoning_tokens)")
        for n, row in enumerate(reader, 2):
            if all(row.get(c) == c for c in REQUIRED):  # the header of a second file `cat` appended
                continue
            yield f"{path.name}:row {n}", row


def _number(where: str, row: dict[str, Any], key: str) -> float | None:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: {key}={value!r} is not a number") from None
    if not math.isfinite(out):
        raise InputError(f"{where}: {key}={value!r} is not a finite number")
    return out


def _check_score(where: str, score: float | None, top: float | None) -> tuple[int, int]:
    if score is None or top is None:
        raise InputError(f"{where}: score and max_score are required")
    if top < 1 or top != int(top):
        raise InputError(f"{where}: max_score={top:g} must be a whole number >= 1")
    if score != int(score) or not 0 <= score <= top:
        raise InputError(f"{where}: score={score:g} must be a whole number from 0 to max_score={top:g} "
                         "(the Rasch and partial credit models count score categories)")
    return int(score), int(top)


def load_results(path: str | Path) -> Results:
    """Read and validate a results table (CSV or JSONL, chosen by the file extension)."""
    path = Path(path)
    cells: dict[tuple[str, str], int] = {}
    tops: dict[str, int] = {}
    human: dict[str, float] = {}
    tokens: dict[str, list[float]] = {}
    for where, row in _rows(path):
        model, item = str(row["model"]).strip(), str(row["item"]).strip()
        if not model or not item:
            raise InputError(f"{where}: model and item must not be empty")
        score, top = _check_score(where, _number(where, row, "score"), _number(where, row, "max_score"))
        if tops.setdefault(item, top) != top:
            raise InputError(f"{where}: item {item!r} has max_score {top} here but {tops[item]} earlier")
        if (model, item) in cells:
            raise InputError(f"{where}: a second score for model {model!r} on item {item!r}; keep one row per pair")
        cells[(model, item)] = score
        diff = _number(where, row, "difficulty")
        if diff is not None:
            human.setdefault(item, diff)
        tok = _number(where, row, "reasoning_tokens")
        if tok is not None:
            tokens.setdefault(item, []).append(tok)
    if not cells:
        raise InputError(f"{path} has no result rows")
    models = sorted({m for m, _ in cells})
    items = sorted(tops)
    scores = np.full((len(models), len(items)), np.nan)
    mi, ii = {m: k for k, m in enumerate(models)}, {i: k for k, i in enumerate(items)}
    for (m, i), s in cells.items():
        scores[mi[m], ii[i]] = s
    return Results(
        models=models,
        items=items,
        scores=scores,
        max_score=np.array([tops[i] for i in items], dtype=int),
        human=_human_logits(path, items, human) if human else None,
        reasoning=np.array([np.mean(tokens[i]) if i in tokens else np.nan for i in items]) if tokens else None,
    )


def _human_logits(path: Path, items: list[str], human: dict[str, float]) -> np.ndarray:
    raw = np.array([human.get(i, np.nan) for i in items])
    seen = raw[~np.isnan(raw)]
    if seen.min() >= 0 and seen.max() <= 1:  # score rates: harder = lower rate = higher logit
        p = np.clip(raw, 0.005, 0.995)
        return np.log((1 - p) / p)
    return raw
