"""The UAR decision procedure and the ``uar`` gate.

Default order intent -> knowledge -> time -> self (the paper's); each head's threshold is the one
calibrated on its held-out rows and saved with it (0.5 for heads without one); ``[uar] order``,
``[uar] threshold`` or ``[uar.thresholds]`` override them:
  intent P(yes) >= t        -> retrieve
  knowledge P(yes) < t      -> answer directly (no outside facts needed)
  time P(yes) >= t          -> retrieve
  self P(unknown) >= t      -> retrieve
  otherwise                 -> answer directly (decided by the last criterion consulted)
A criterion without a trained head for the featurizer is skipped. When the featurizer cannot be
loaded at all (``ModelUnavailable``), the gate retrieves (``decided_by: "fallback"``) with a warning.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from plait.core.config import ConfigTable
from plait.core.errors import ConfigError, ModelUnavailable
from plait.core.gates import GateDecision
from plait.core.models.base import Message
from plait.plugins.uar.heads import CRITERIA, Head, load_heads
from plait.plugins.uar.settings import uar_table

DEFAULT_ORDER = ("intent", "knowledge", "time", "self")
# Which side of the threshold settles the question, and how: (settle when yes?, retrieve then?)
RULES = {"intent": (True, True), "knowledge": (False, False), "time": (True, True), "self": (True, True)}


def parse_order(value: Any) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_ORDER
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else [str(v).strip() for v in value]
    items = [v for v in items if v]
    bad = [v for v in items if v not in CRITERIA]
    if bad or not items or len(set(items)) != len(items):
        raise ConfigError(f"[uar] order {value!r} must list distinct criteria from {', '.join(CRITERIA)}")
    return tuple(items)


def decide_from_scores(scores: dict[str, float], order: tuple[str, ...] = DEFAULT_ORDER,
                       thresholds: dict[str, float] | None = None) -> tuple[bool, str]:
    """(retrieve?, deciding criterion) from criterion -> P(yes); missing criteria are skipped."""
    thresholds = thresholds or {}
    last = None
    for criterion in order:
        if criterion not in scores:
            continue
        last = criterion
        says_yes = scores[criterion] >= thresholds.get(criterion, 0.5)
        settle_on_yes, retrieve = RULES[criterion]
        if says_yes == settle_on_yes:
            return retrieve, criterion
    if last is None:
        raise ConfigError("the uar gate has no trained heads to consult; run `plait gate train` first")
    return False, last


def _thresholds(table: ConfigTable) -> dict[str, float]:
    """Thresholds set in the configuration; a criterion not set here uses its head's calibrated one."""
    base = table.number("threshold", 0.5, lo=0.0, hi=1.0)  # a bad value: ConfigError naming key and file
    per = table.get("thresholds") or {}
    out = {c: base for c in CRITERIA} if "threshold" in table else {}
    try:
        out.update({k: float(v) for k, v in per.items() if k in CRITERIA})
        for c in CRITERIA:  # env form: PLAIT_GATE__THRESHOLD_TIME=0.6
            if f"threshold_{c}" in table:
                out[c] = float(table[f"threshold_{c}"])
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"[uar] thresholds must be numbers in [0, 1] ({exc})") from None
    return out


class UARGate:
    """Unified Active Retrieval: four linear heads on one forward pass of a frozen featurizer."""

    name = "uar"

    def __init__(self, settings: Any, featurizer: Any = None, heads: dict[str, Head] | None = None):
        table = uar_table(settings)
        self.settings = settings
        self.order = parse_order(table.get("order"))
        self.thresholds = _thresholds(table)
        self._featurizer = featurizer
        self._heads = heads
        self._warned = False

    @property
    def featurizer(self):
        if self._featurizer is None:
            from plait.plugins.uar.featurizers import featurizer_from_settings

            self._featurizer = featurizer_from_settings(self.settings)
        return self._featurizer

    @property
    def heads(self) -> dict[str, Head]:
        if self._heads is None:
            heads = load_heads(self.settings, self.featurizer.id)
            if not heads:
                raise ConfigError(
                    f"no trained gate heads for featurizer {self.featurizer.id!r}; train them with "
                    "`plait gate train --criterion intent --data FILE.jsonl` (and knowledge, time, self) "
                    "or switch back to [uar] featurizer = \"embed\""
                )
            self._heads = heads
        for head in self._heads.values():
            head.check(self.featurizer.id)
        return self._heads

    def scores_many(self, questions: list[str]) -> list[dict[str, float]]:
        heads = self.heads
        x = self.featurizer.features(questions)
        for head in heads.values():
            head.check(self.featurizer.id, x.shape[1])
        probs = {c: heads[c].prob_yes(x) for c in self.order if c in heads}
        return [{c: round(float(p[i]), 4) for c, p in probs.items()} for i in range(len(questions))]

    def decide(self, question: str, history: list[Message] | None = None) -> GateDecision:
        # The heads read the question alone: history changes the answer, rarely the need to retrieve.
        try:
            scores = self.scores_many([question])[0]
        except ModelUnavailable as exc:
            # No featurizer on this install (e.g. without plait[local]): retrieve, as the
            # "always" gate would, and say why once rather than failing every question.
            if not self._warned:
                self._warned = True
                warnings.warn(f"uar gate unavailable, retrieving for every question: {exc}", stacklevel=2)
            return GateDecision(True, "fallback", {})
        retrieve, by = decide_from_scores(scores, self.order, self.effective_thresholds())
        return GateDecision(retrieve, by, scores)

    def effective_thresholds(self) -> dict[str, float]:
        """Configured thresholds first, else each head's calibrated one (saved with it), else 0.5."""
        return {c: self.thresholds.get(c, float(h.meta.get("threshold", 0.5))) for c, h in self.heads.items()}

    def decide_many(self, questions: list[str], batch: int = 64) -> list[GateDecision]:
        out = []
        for i in range(0, len(questions), batch):
            for s in self.scores_many(questions[i:i + batch]):
                r, by = decide_from_scores(s, self.order, self.effective_thresholds())
                out.append(GateDecision(r, by, s))
        return out


def criterion_accuracy(head: Head, featurizer: Any, rows: list[dict]) -> float:
    x = featurizer.features([r["question"] for r in rows])
    y = np.array([int(r["label"]) for r in rows])
    return float(((head.prob_yes(x) >= 0.5).astype(int) == y).mean())
