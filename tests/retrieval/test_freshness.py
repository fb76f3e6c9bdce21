"""A long-lived retriever (as in `plait serve`) sees ingests made by other processes.

Regression for issue 11.2: after `plait ingest` ran in another process, every question whose BM25
hits included a new chunk failed with chromadb's "Error finding id" until a restart.
"""

from __future__ import annotations

import os
import subprocess
import sys

from plait.core.models import get_embedder
from plait.retrieval.ingest import ingest_paths
from plait.retrieval.retrieve import Retriever


def run_other_process(*args: str) -> subprocess.CompletedProcess:
    """``plait ARGS`` in a separate process on the same PLAIT_HOME (env set by the plait_home fixture)."""
    done = subprocess.run([sys.executable, "-m", "plait", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def write(folder, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_retriever_sees_chunks_ingested_by_another_process(settings, tmp_path):
    old = write(tmp_path / "old", {f"n{i}.md": f"Garden note {i} about tomatoes and basil." for i in range(30)})
    embedder = get_embedder(None, settings)
    ingest_paths([old], settings, embedder, progress=False)
    retriever = Retriever(settings, embedder)  # lives across the other process's ingest, like a server
    assert retriever.retrieve("tomatoes basil", k=3)  # BM25 index built and cached in this process

    new = write(tmp_path / "new", {"zephyr.md": "The zephyrquartz relay restarts the tomatoes pump at dawn."})
    run_other_process("ingest", str(new))

    hits = retriever.retrieve("zephyrquartz relay", k=3)
    assert hits and hits[0].source.endswith("zephyr.md"), [h.source for h in hits]


def test_chunks_deleted_by_another_process_are_never_an_error(settings, tmp_path):
    docs = write(tmp_path / "docs", {f"n{i}.md": f"Garden note {i} about tomatoes and basil." for i in range(30)})
    write(docs, {"gone.md": "The quasarflux valve leaks when the tomatoes are watered."})
    embedder = get_embedder(None, settings)
    ingest_paths([docs], settings, embedder, progress=False)
    retriever = Retriever(settings, embedder)
    assert retriever.retrieve("quasarflux valve", k=3)[0].source.endswith("gone.md")

    (docs / "gone.md").unlink()
    run_other_process("ingest", str(docs), "--sync")

    hits = retriever.retrieve("quasarflux valve", k=3)
    assert not any(h.source.endswith("gone.md") for h in hits)


def test_stale_bm25_entry_from_a_writer_bypassing_ingest_is_skipped(settings, tmp_path):
    """A chunk deleted behind plait's back (no generation bump, same chunk count) is skipped, not a 500."""
    docs = write(tmp_path / "docs", {f"n{i}.md": f"Garden note {i} about tomatoes and basil." for i in range(30)})
    write(docs, {"gone.md": "The quasarflux valve leaks when the tomatoes are watered."})
    embedder = get_embedder(None, settings)
    ingest_paths([docs], settings, embedder, progress=False)
    retriever = Retriever(settings, embedder)
    retriever.retrieve("tomatoes", k=3)  # index cached with the gone.md chunk in it
    gone = [i for i in retriever.collection.get()["ids"] if i.endswith("gone.md#0")]
    script = (
        "import sys, chromadb\n"
        "c = chromadb.PersistentClient(path=sys.argv[1]).get_collection(sys.argv[2])\n"
        "c.delete(ids=[sys.argv[3]])\n"
        "c.add(ids=['other#0'], documents=['unrelated filler'], embeddings=[[1.0] + [0.0] * (int(sys.argv[4]) - 1)])\n"
    )
    subprocess.run([sys.executable, "-c", script, str(settings.home / "chroma"), settings.collection, gone[0],
                    str(embedder.dim)], check=True, timeout=120)

    hits = retriever.retrieve("quasarflux valve", k=3)  # BM25 still names the deleted chunk
    assert not any(h.source.endswith("gone.md") for h in hits)
    hits = retriever.retrieve("quasarflux valve", k=3)  # and the rebuilt index no longer does
    assert not any(h.source.endswith("gone.md") for h in hits)
