"""HuixiangDou-style rejection threshold: the best chunk's cosine similarity that separates
questions the store can answer ("good") from those it cannot ("bad"), chosen to maximise F1.

The positive class is "answerable": a question is answered when its best similarity >= threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass
class Calibration:
    threshold: float
    f1: float
    precision: float
    recall: float
    accuracy: float
    n_good: int
    n_bad: int

    def to_json(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _score(t: float, good: list[float], bad: list[float]) -> tuple[float, float, float, float]:
    tp = sum(s >= t for s in good)
    fp = sum(s >= t for s in bad)
    fn = len(good) - tp
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    acc = (tp + len(bad) - fp) / (len(good) + len(bad))
    return f1, precision, recall, acc


def best_threshold(good: Iterable[float], bad: Iterable[float]) -> Calibration:
    """The threshold with the highest F1 (ties: higher accuracy, then the middle of the tied range)."""
    good, bad = [float(s) for s in good], [float(s) for s in bad]
    if not good or not bad:
        raise ValueError("calibration needs at least one good and one bad question")
    values = sorted(set(good + bad))
    # Candidates: midpoints between neighbouring scores, plus just below the lowest score.
    cands = [values[0] - 1e-6] + [(a + b) / 2 for a, b in zip(values, values[1:])] + [values[-1] + 1e-6]
    scored = [(_score(t, good, bad), t) for t in cands]
    best_key = max((s[0], s[3]) for s, _ in scored)
    tied = [t for s, t in scored if (s[0], s[3]) == best_key]
    t = tied[len(tied) // 2]
    f1, p, r, acc = _score(t, good, bad)
    return Calibration(round(t, 4), f1, p, r, acc, len(good), len(bad))


def best_similarity(hits: Any) -> float:
    """The best chunk's cosine similarity, as the RAG agent computes it (0 when nothing came back)."""
    hits = getattr(hits, "hits", hits) or []
    sims = [getattr(h, "similarity", None) if not isinstance(h, dict) else h.get("similarity") for h in hits]
    return max((s or 0.0 for s in sims), default=0.0)
