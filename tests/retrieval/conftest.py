"""Fixtures for the data layer: real embedded Chroma in a temp PLAIT_HOME, deterministic embedders."""

from __future__ import annotations

import re

import pytest

from plait.core.models.scripted import HashEmbedder


class SynonymEmbedder(HashEmbedder):
    """Hash embedder that folds synonyms together and ignores tokens with digits.

    It behaves like a semantic embedder where the tests need one: a paraphrase lands near the
    original, while an exact code such as ``E4021`` is invisible to it (as codes often are to
    real sentence embedders), so only BM25 can find it.
    """

    SYNONYMS = {"automobile": "car", "vehicle": "car", "upkeep": "maintenance", "servicing": "maintenance"}

    def __init__(self):
        super().__init__(256)
        self.id = "test/synonym-256"

    def embed(self, texts):
        folded = []
        for text in texts:
            words = [w for w in re.findall(r"\w+", text.lower()) if not any(c.isdigit() for c in w)]
            folded.append(" ".join(self.SYNONYMS.get(w, w) for w in words))
        return super().embed(folded)


@pytest.fixture
def settings(plait_home):
    from plait.core.config import load_settings

    return load_settings()


@pytest.fixture
def embedder():
    return HashEmbedder()


def write_docs(folder, n: int, words: int = 60, prefix: str = "doc"):
    """``n`` markdown files with distinct, multi-chunk-capable content."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = " ".join(f"{prefix}{i} token{j % 17} sentence{j}." for j in range(words))
        (folder / f"{prefix}{i:03d}.md").write_text(f"# {prefix} {i}\n\n{body}\n", encoding="utf-8")
    return folder


def store_rows(settings, embedder) -> dict[str, tuple]:
    """Everything the collection holds: id -> (document, metadata)."""
    from plait.retrieval.store import get_collection

    coll = get_collection(settings, settings.collection, embedder.id)
    got = coll.get(include=["documents", "metadatas"])
    return {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}
