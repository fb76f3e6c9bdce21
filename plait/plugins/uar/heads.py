"""Linear heads: a 2-way, bias-free linear classifier per criterion, tied to one featurizer.

A head is stored as ``<criterion>.npz`` (the 2 x d weight matrix plus a JSON ``meta`` string with
featurizer id, data hash, validation accuracy and counts) next to ``<criterion>.val.jsonl``, its
held-back validation rows. Heads live in ``<PLAIT_HOME>/gate/heads/<featurizer>/`` (trained by the
user) and in the package's ``data/heads/<featurizer>/`` (shipped); the user's win.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

from plait.core.errors import ConfigError, InputError
from plait.core.io import atomic_write_bytes

CRITERIA = ("intent", "knowledge", "time", "self")
SHIPPED_DIR = Path(__file__).parent / "data" / "heads"


class HeadMismatch(ConfigError):
    """A head was loaded onto a featurizer other than the one it was trained on."""


@dataclass
class Head:
    criterion: str
    weight: np.ndarray  # (2, d): row 0 scores "no", row 1 scores "yes"; no bias, as in UAR
    featurizer_id: str
    data_hash: str = ""
    val_accuracy: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.weight.shape[1])

    def prob_yes(self, x: np.ndarray) -> np.ndarray:
        """P(yes) for each feature row (softmax over the two logits)."""
        logits = np.atleast_2d(x) @ self.weight.T
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e[:, 1] / e.sum(axis=1)

    def check(self, featurizer_id: str, dim: int | None = None) -> None:
        if featurizer_id != self.featurizer_id:
            raise HeadMismatch(
                f"the {self.criterion} head was trained on featurizer {self.featurizer_id!r} but the gate uses "
                f"{featurizer_id!r}; retrain it with `plait gate train --criterion {self.criterion} --data FILE.jsonl` "
                "or set [uar] featurizer back"
            )
        if dim is not None and dim != self.dim:
            raise HeadMismatch(
                f"the {self.criterion} head expects {self.dim}-dim features but featurizer {featurizer_id!r} gives {dim}; retrain it"
            )

    def info(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "featurizer": self.featurizer_id, "data_hash": self.data_hash,
                "val_accuracy": self.val_accuracy, "dim": self.dim, **self.meta}

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"criterion": self.criterion, "featurizer_id": self.featurizer_id, "data_hash": self.data_hash,
                "val_accuracy": self.val_accuracy, "meta": self.meta}
        buf = BytesIO()
        np.savez(buf, weight=self.weight.astype(np.float32), meta=np.array(json.dumps(meta)))
        atomic_write_bytes(path, buf.getvalue())  # a failed save never leaves a broken head behind
        return path

    @classmethod
    def load(cls, path: Path, featurizer_id: str | None = None) -> "Head":
        try:
            with np.load(path, allow_pickle=False) as z:
                weight = np.array(z["weight"], dtype=np.float32)
                meta = json.loads(str(z["meta"]))
        except (OSError, KeyError, ValueError) as exc:
            raise InputError(f"{path} is not a gate head file ({exc}); retrain it with `plait gate train`") from exc
        head = cls(meta["criterion"], weight, meta["featurizer_id"], meta.get("data_hash", ""),
                   meta.get("val_accuracy"), meta.get("meta", {}))
        if featurizer_id is not None:
            head.check(featurizer_id)
        return head


def slug(featurizer_id: str) -> str:
    """A directory name for a featurizer id."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", featurizer_id).strip("_")


def user_dir(settings: Any, featurizer_id: str) -> Path:
    return Path(settings.home) / "gate" / "heads" / slug(featurizer_id)


def shipped_dir(featurizer_id: str) -> Path:
    return SHIPPED_DIR / slug(featurizer_id)


def head_path(settings: Any, featurizer_id: str, criterion: str) -> Path | None:
    """Where the head for ``criterion`` is: the user's, else the shipped one, else None."""
    for base in (user_dir(settings, featurizer_id), shipped_dir(featurizer_id)):
        p = base / f"{criterion}.npz"
        if p.is_file():
            return p
    return None


def load_heads(settings: Any, featurizer_id: str) -> dict[str, Head]:
    heads = {}
    for criterion in CRITERIA:
        p = head_path(settings, featurizer_id, criterion)
        if p is not None:
            heads[criterion] = Head.load(p, featurizer_id)
    return heads


def validation_rows(settings: Any, featurizer_id: str, criterion: str) -> list[dict]:
    """The held-back rows saved with the head (empty if none)."""
    p = head_path(settings, featurizer_id, criterion)
    if p is None:
        return []
    v = p.with_name(f"{criterion}.val.jsonl")
    if not v.is_file():
        return []
    return [json.loads(line) for line in v.read_text(encoding="utf-8").splitlines() if line.strip()]
