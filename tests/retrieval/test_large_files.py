"""Large files ingest; a file that cannot be read is skipped and named, never the whole run (issue 11.3).

Before: one 3 MB text became a single Chroma write past the client's max batch size, a 10 MB one
also ran into NLTK's wall-clock regex timeout, and either failed the whole folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from plait.core.models import get_embedder
from plait.retrieval.retrieve import Retriever


def big_text(path, megabytes: float, marker: str) -> None:
    """Sentences of long words (few chunks per MB, for speed), ``marker`` in the very last one."""
    line = "Lorem ipsumdolorsit ametconsectetur adipiscingelit.\n"
    with open(path, "w") as fh:
        for _ in range(int(megabytes * 1_000_000 / len(line))):
            fh.write(line)
        fh.write(f"The final sentence names {marker}.\n")


# Runs `plait ingest` in this interpreter and, at exit, records VmHWM: the peak RSS of this process's
# own memory map. ru_maxrss (getrusage, wait4) is no use here: Linux carries it across fork and exec,
# so a child of a large pytest process "peaks" at the parent's size before it ran a line.
_RUN_AND_RECORD_PEAK = """
import atexit, runpy, sys
peak_file = sys.argv.pop(1)
def record():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(peak_file, "w").write(line.split()[1])
atexit.register(record)
sys.argv[0] = "plait"
runpy.run_module("plait", run_name="__main__")
"""


def ingest_cli(folder) -> subprocess.CompletedProcess:
    """`plait ingest --json` in a subprocess; as root, without the capabilities that bypass file modes.
    The result carries ``peak_mb``: the ingest process's own peak resident memory."""
    peak_file = Path(tempfile.mkstemp(prefix="plait-peak-")[1])
    cmd = [sys.executable, "-c", _RUN_AND_RECORD_PEAK, str(peak_file), "ingest", str(folder), "--json"]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root needs setpriv (util-linux) to make a file unreadable")
        cmd = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ), timeout=1800)
    recorded = peak_file.read_text()
    peak_file.unlink()
    done.peak_mb = int(recorded) / 1024 if recorded else float("nan")
    return done


def test_3mb_and_12mb_files_ingest_next_to_an_unreadable_one(settings, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a-small.md").write_text("The lighthouse keeper logs every passing ship.")
    big_text(folder / "b-three.txt", 3.2, "zanzibarquill")
    big_text(folder / "c-twelve.txt", 12.0, "quokkamarble")
    locked = folder / "d-locked.md"
    locked.write_text("You should never see this sentence.")
    locked.chmod(0)
    (folder / "e-after.md").write_text("The harbour master signs the ledger at noon.")

    done = ingest_cli(folder)
    locked.chmod(0o644)
    assert done.returncode == 0, done.stderr[-3000:]
    counts = json.loads(done.stdout)
    assert counts["added"] == 4 and counts["skipped"] == 1, counts
    err = " ".join(done.stderr.split())
    assert "d-locked.md" in err and "cannot read" in err

    retriever = Retriever(settings, get_embedder(None, settings))
    assert retriever.count() == counts["chunks"] > retriever.collection._client.get_max_batch_size()
    for word, source in [("zanzibarquill", "b-three.txt"), ("quokkamarble", "c-twelve.txt"),
                         ("lighthouse", "a-small.md"), ("harbour", "e-after.md")]:
        # the filler chunks all tie on the dense side, so look for the word's chunk in the top 3
        hits = retriever.retrieve(word, k=3)
        assert any(h.source.endswith(source) and word in h.text for h in hits), (word, [h.source for h in hits])
    chunks = retriever.collection.get(where={"file_name": "c-twelve.txt"}, include=["metadatas"])
    numbers = sorted(m["chunk"] for m in chunks["metadatas"])
    assert numbers == list(range(len(numbers)))  # one numbering across the file's sections
    assert sorted(chunks["ids"]) == sorted(f"{folder / 'c-twelve.txt'}#{n}" for n in numbers)
    # bounded memory: the child never held the whole 12 MB file's chunks and vectors at once
    assert done.peak_mb < 1500, done.peak_mb

    again = json.loads(ingest_cli(folder).stdout)  # unchanged large files are recognised
    assert again["updated"] == 0 and again["added"] == 1 and again["chunks"] == 1  # d-locked.md, readable now


def test_a_file_that_fails_to_store_is_skipped_and_named_and_the_rest_stored(settings, tmp_path):
    from plait.core.models.scripted import HashEmbedder
    from plait.retrieval.ingest import ingest_paths

    class PoisonEmbedder(HashEmbedder):
        """Fails on one word, like an embedding server refusing one input."""

        def embed(self, texts):
            if any("poisonword" in t for t in texts):
                raise RuntimeError("embedding server refused the input")
            return super().embed(texts)

    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(5):
        (folder / f"ok{i}.md").write_text(f"Healthy page {i} about the orchard.")
    (folder / "bad.md").write_text("This page carries a poisonword.")
    embedder = PoisonEmbedder()
    report = ingest_paths([folder], settings, embedder, progress=False)
    assert report.added == 5 and report.skipped == 1
    assert any(w.startswith(f"skipped {folder / 'bad.md'}: could not be chunked or stored (RuntimeError") for w in report.warnings)
    assert Retriever(settings, embedder).count() == 5

    (folder / "bad.md").write_text("This page is fine now.")  # no commit record was left: the next run retries it
    again = ingest_paths([folder], settings, embedder, progress=False)
    assert again.added == 1 and again.unchanged == 5
