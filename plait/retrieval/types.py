"""What retrieval and ingestion return, and ``jsonable`` that keeps them plain JSON."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (dict with str keys, list, str, int, float, bool, None).

    Checkpointers serialise state with msgpack/JSON, which refuse numpy scalars and arrays, and
    Chroma hands out exactly those (stored embeddings, distances). numpy-like scalars and arrays
    become Python numbers and lists (``.item()``/``.tolist()``), tuples and sets become lists,
    paths become strings, non-finite floats become None; anything else becomes its ``str``, so a
    stray type can never lose a chat turn.
    """
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # numpy scalar or array, without importing numpy
        return jsonable(value.tolist())
    return str(value)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass
class Hit:
    text: str
    source: str  # file path (relative to where it was ingested from, as stored) or URL
    chunk: int  # chunk index within the source
    score: float  # fused relevance in [0, 1] for display and thresholds
    similarity: float | None = None  # cosine similarity of the dense match (None if BM25-only)
    bm25: float | None = None
    id: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Scores are plain Python floats whatever numpy handed us: hits go into checkpointed state.
        self.chunk = int(self.chunk)
        self.score = float(self.score)
        self.similarity = _number(self.similarity)
        self.bm25 = _number(self.bm25)

    def to_json(self) -> dict:
        return jsonable(asdict(self))


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    chunks: int = 0  # chunks written by this run
    unchanged: int = 0  # files already ingested with the same content (not in the JSON contract)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"added": self.added, "updated": self.updated, "deleted": self.deleted, "skipped": self.skipped, "chunks": self.chunks}
