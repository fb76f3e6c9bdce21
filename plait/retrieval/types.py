"""What retrieval and ingestion return."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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

    def to_json(self) -> dict:
        return asdict(self)


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
