"""``plait ingest`` killed with SIGKILL half way, then rerun, ends exactly like an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from plait.retrieval.ingest import HANG_HOOK

from .conftest import write_docs


def _env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(home), PLAIT_EMBEDDER="scripted/hash", PLAIT_MODEL="scripted/echo")
    return env


def _ingest(home, docs, cwd, **extra):
    proc = subprocess.run([sys.executable, "-m", "plait", "ingest", str(docs), "--json"], capture_output=True,
                          text=True, env={**_env(home), **extra}, cwd=cwd, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _rows(home):
    import chromadb

    client = chromadb.PersistentClient(path=str(home / "chroma"))
    got = client.get_collection("documents").get(include=["documents", "metadatas"])
    return {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}


def _committed(home):
    data = json.loads((home / "ingest" / "documents.docstore.json").read_text())
    return set(data["docstore/metadata"])


def test_sigkill_mid_ingest_then_rerun_equals_clean_run(tmp_path):
    docs = write_docs(tmp_path / "docs", 40, words=80)
    killed, clean = tmp_path / "killed-home", tmp_path / "clean-home"
    err = tmp_path / "stderr.txt"
    with open(err, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "plait", "ingest", str(docs), "--json"], stdout=subprocess.PIPE,
                                stderr=fh, env={**_env(killed), HANG_HOOK: "20"}, cwd=tmp_path)
    deadline = time.monotonic() + 240
    while HANG_HOOK not in err.read_text() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, f"ingest ended before reaching the kill point: {err.read_text()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # Killed at the worst moment: chunks of files in Chroma whose docstore commit never happened.
    in_chroma = {m["path"] for _, m in _rows(killed).values()}
    committed = _committed(killed)
    assert 0 < len(committed) < len(in_chroma) < 40
    assert committed < in_chroma

    resumed = _ingest(killed, docs, tmp_path)
    assert resumed["added"] == 40 - len(committed) and resumed["updated"] == 0
    reference = _ingest(clean, docs, tmp_path)
    assert reference["added"] == 40

    rows_killed, rows_clean = _rows(killed), _rows(clean)
    assert rows_killed == rows_clean  # same ids, texts and metadata: each chunk exactly once
    assert len(rows_clean) == reference["chunks"]
    assert _committed(killed) == _committed(clean)
    assert _ingest(killed, docs, tmp_path)["added"] == 0


def test_second_ingest_while_one_runs_is_refused(tmp_path, monkeypatch):
    from plait.core.config import load_settings
    from plait.core.errors import StoreError
    from plait.core.models.scripted import HashEmbedder
    from plait.retrieval.ingest import ingest_paths

    docs = write_docs(tmp_path / "docs", 20)
    home = tmp_path / "home"
    err = tmp_path / "stderr.txt"
    with open(err, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "plait", "ingest", str(docs)], stdout=subprocess.DEVNULL,
                                stderr=fh, env={**_env(home), HANG_HOOK: "1"}, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 240
        while HANG_HOOK not in err.read_text() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is None, err.read_text()
        monkeypatch.setenv("PLAIT_HOME", str(home))
        settings = load_settings()
        try:
            ingest_paths([docs], settings, HashEmbedder(), progress=False)
            raise AssertionError("a second ingest ran while the first held the lock")
        except StoreError as exc:
            assert "another `plait ingest`" in str(exc)
    finally:
        proc.kill()
        proc.wait(timeout=30)
