"""Fixtures shared by the RAG agent tests."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def docs_store(plait_settings):
    """examples/docs ingested with the test settings' embedder (the retriever's own embedder)."""
    from plait.core.models import get_embedder
    from plait.retrieval.ingest import ingest_paths

    ingest_paths([ROOT / "examples" / "docs"], plait_settings, get_embedder(None, plait_settings), progress=False)
    return plait_settings
