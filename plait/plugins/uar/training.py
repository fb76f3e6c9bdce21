"""Fit a criterion head: logistic regression without bias on frozen features."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import numpy as np

from plait.core import io
from plait.core.errors import InputError
from plait.plugins.uar.heads import CRITERIA, Head

_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n"}


def parse_bool(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"{what} must be true/false or 1/0, got {value!r}")


def read_jsonl(path: Path, required: tuple[str, ...]) -> list[dict]:
    """Rows of a JSONL file with ``required`` keys and a non-empty string ``question``."""
    rows = io.read_jsonl(path, what="question", required=required, allow_empty=False)
    for no, row in enumerate(rows, 1):
        if not isinstance(row["question"], str) or not row["question"].strip():
            raise InputError(f"{path}: row {no} has an empty or non-string \"question\"")
    return rows


def read_labelled(path: Path) -> list[dict]:
    rows = read_jsonl(path, ("question", "label"))
    out = []
    for no, row in enumerate(rows, 1):
        try:
            out.append({**row, "label": int(parse_bool(row["label"], "label"))})
        except ValueError as exc:
            raise InputError(f"{path}: row {no}: {exc}") from None
    return out


def data_hash(rows: list[dict]) -> str:
    canon = "\n".join(json.dumps([r["question"], int(r["label"])], ensure_ascii=False) for r in rows)
    return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()[:16]


def stratified_split(rows: list[dict], val_fraction: float = 0.2, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Hold back ``val_fraction`` of each label (at least one row each when a label has >= 2)."""
    rng = random.Random(seed)
    train, val = [], []
    for label in (0, 1):
        group = [r for r in rows if r["label"] == label]
        rng.shuffle(group)
        n_val = int(round(len(group) * val_fraction)) if len(group) >= 2 else 0
        n_val = max(n_val, 1) if len(group) >= 2 else 0
        val += group[:n_val]
        train += group[n_val:]
    return train, val


def fit_weight(x: np.ndarray, y: np.ndarray, c: float | None = None) -> tuple[np.ndarray, float]:
    """A 2 x d bias-free weight matrix; C picked by 3-fold CV when not given and data allow."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    if len(set(y.tolist())) < 2:
        raise InputError("training data has only one label; a head needs examples of both 0 and 1")
    if c is None:
        c = 10.0
        if len(y) >= 30 and min(np.bincount(y)) >= 3:
            scores = {cc: cross_val_score(LogisticRegression(C=cc, fit_intercept=False, max_iter=3000), x, y, cv=3).mean()
                      for cc in (1.0, 10.0, 100.0)}
            c = max(scores, key=lambda k: (scores[k], -k))  # best CV accuracy, prefer the stronger prior on ties
    lr = LogisticRegression(C=c, fit_intercept=False, max_iter=3000).fit(x, y)
    w = lr.coef_[0].astype(np.float32)
    # Binary LR's logit w.x equals the 2-way softmax with rows (-w/2, +w/2).
    return np.stack([-w / 2, w / 2]), c


def accuracy(head: Head, x: np.ndarray, y: np.ndarray, threshold: float = 0.5) -> float:
    return float(((head.prob_yes(x) >= threshold).astype(int) == y).mean()) if len(y) else float("nan")


def calibrate_threshold(head: Head, x: np.ndarray, y: np.ndarray) -> float:
    """The threshold on P(yes) with the best balanced accuracy on held-out rows (ties: nearest 0.5).
    Balanced, because held-out sets from disjoint sources are rarely balanced."""
    if len(set(y.tolist())) < 2:
        return 0.5
    p = head.prob_yes(x)
    best, best_t = -1.0, 0.5
    for t in sorted(np.round(np.arange(0.05, 0.96, 0.05), 2), key=lambda t: abs(t - 0.5)):
        pred = p >= t
        bal = (pred[y == 1].mean() + (~pred[y == 0]).mean()) / 2
        if bal > best + 1e-9:
            best, best_t = bal, float(t)
    return best_t


def train_head(featurizer: Any, criterion: str, rows: list[dict], val_rows: list[dict] | None = None,
               val_fraction: float = 0.2, seed: int = 0, c: float | None = None,
               calibrate: bool = True) -> tuple[Head, list[dict]]:
    """Fit the ``criterion`` head on ``rows`` (held-back ``val_rows`` or a stratified split); with
    ``calibrate`` its decision threshold is chosen on the held-back rows and saved with it."""
    if criterion not in CRITERIA:
        raise InputError(f"unknown criterion {criterion!r}; choose one of {', '.join(CRITERIA)}")
    if val_rows is None:
        train, val = stratified_split(rows, val_fraction, seed)
    else:
        train, val = rows, val_rows
    if len(train) < 2:
        raise InputError(f"need at least 2 training rows for the {criterion} head, got {len(train)}")
    x = featurizer.features([r["question"] for r in train])
    y = np.array([r["label"] for r in train], dtype=int)
    weight, c_used = fit_weight(x, y, c)
    head = Head(criterion, weight, featurizer.id, data_hash(rows + (val_rows or [])), None,
                {"n_train": len(train), "n_val": len(val), "C": c_used,
                 "train_accuracy": None})
    head.meta["train_accuracy"] = round(accuracy(head, x, y), 4)
    if val:
        xv = featurizer.features([r["question"] for r in val])
        yv = np.array([r["label"] for r in val], dtype=int)
        head.meta["val_accuracy_at_0.5"] = round(accuracy(head, xv, yv), 4)
        threshold = calibrate_threshold(head, xv, yv) if calibrate else 0.5
        head.meta["threshold"] = threshold
        head.val_accuracy = round(accuracy(head, xv, yv, threshold), 4)
    return head, val


def save_with_val(head: Head, val: list[dict], directory: Path) -> Path:
    path = head.save(Path(directory) / f"{head.criterion}.npz")
    io.write_jsonl(path.with_name(f"{head.criterion}.val.jsonl"), ({"question": r["question"], "label": r["label"]} for r in val))
    return path
