"""PLAIT_CHROMA_URL: ingestion and retrieval against a real ``chroma run`` server on loopback."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from plait.retrieval.ingest import ingest_paths
from plait.retrieval.retrieve import Retriever
from plait.testing.kit import free_port, stop_process, wait_for_http

from .conftest import write_docs


@pytest.fixture
def chroma_server(tmp_path):
    exe = shutil.which("chroma")
    if exe is None:
        pytest.skip("the `chroma` CLI (installed with chromadb) is not on PATH")
    port = free_port()
    log = open(tmp_path / "chroma.log", "w")
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/api/v2/heartbeat", 60, proc=proc, log=tmp_path / "chroma.log", interval=0.3)
        yield url
    finally:
        stop_process(proc, 15)
        log.close()


def test_ingest_and_retrieve_through_chroma_server(plait_home, monkeypatch, chroma_server, embedder, tmp_path):
    from plait.core.config import load_settings

    monkeypatch.setenv("PLAIT_CHROMA_URL", chroma_server)
    settings = load_settings()
    docs = write_docs(tmp_path / "docs", 3, words=100)
    first = ingest_paths([docs], settings, embedder, progress=False)
    assert first.added == 3 and first.chunks > 3
    assert not (plait_home / "chroma").exists()  # nothing went to the embedded store
    again = ingest_paths([docs], settings, embedder, progress=False)
    assert again.added == 0 and again.unchanged == 3
    (docs / "doc002.md").unlink()
    assert ingest_paths([docs], settings, embedder, sync=True, progress=False).deleted == 1

    r = Retriever(settings, embedder)
    assert 0 < r.count() < first.chunks
    hits = r.retrieve("doc1 token3 sentence4", k=3)
    assert hits[0].source.endswith("doc001.md") and hits[0].bm25 > 0
    assert not any(h.source.endswith("doc002.md") for h in r.retrieve("doc2 token3", k=10))

    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.rsplit(":", 1)[1]))
    assert client.get_collection("documents").count() == r.count()


def test_unreachable_server_is_a_clear_error(plait_home, monkeypatch, embedder, tmp_path):
    from plait.core.config import load_settings
    from plait.core.errors import StoreError

    monkeypatch.setenv("PLAIT_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    settings = load_settings()
    with pytest.raises(StoreError, match="no Chroma server at .*chroma run"):
        ingest_paths([write_docs(tmp_path / "docs", 1)], settings, embedder, progress=False)
