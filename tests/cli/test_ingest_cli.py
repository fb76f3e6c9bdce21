"""``plait ingest``: the JSON contract and the Must-show sequence, as real processes."""

from __future__ import annotations

import json


def _docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "one.md").write_text("# One\n\nThe first page talks about herons and lakes.\n")
    (d / "two.txt").write_text("The second page talks about otters and rivers.\n")
    (d / "three.html").write_text("<html><body><p>The third page talks about owls.</p></body></html>")
    (d / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    return d


def test_ingest_twice_edit_and_sync(run_plait, tmp_path):
    docs = _docs(tmp_path)
    first = run_plait("ingest", "docs", "--json")
    out = json.loads(first.stdout)
    assert list(out) == ["added", "updated", "deleted", "skipped", "chunks"]
    assert out == {"added": 3, "updated": 0, "deleted": 0, "skipped": 1, "chunks": 3}
    assert "logo.png" in first.stderr  # the warning names the skipped file

    again = json.loads(run_plait("ingest", "docs", "--json").stdout)
    assert again == {"added": 0, "updated": 0, "deleted": 0, "skipped": 1, "chunks": 0}

    (docs / "two.txt").write_text("The second page now talks about beavers.\n")
    assert json.loads(run_plait("ingest", "docs", "--json").stdout)["updated"] == 1

    (docs / "three.html").unlink()
    synced = json.loads(run_plait("ingest", "docs", "--sync", "--json").stdout)
    assert (synced["deleted"], synced["added"], synced["updated"]) == (1, 0, 0)

    asked = json.loads(run_plait("ask", "--json", "owls").stdout)
    assert not any(s["source"].endswith("three.html") for s in asked["sources"])


def test_plain_output_has_counts(run_plait, tmp_path):
    _docs(tmp_path)
    out = run_plait("ingest", "docs").stdout
    assert "added 3" in out and "skipped 1" in out and "deleted 0" in out


def test_missing_path_is_an_error(run_plait, tmp_path):
    proc = run_plait("ingest", "nowhere", "--json", check=False)
    assert proc.returncode == 1 and "nowhere" in proc.stderr and proc.stdout == ""


def test_chunk_size_larger_than_embedder_is_an_error(run_plait, tmp_path):
    _docs(tmp_path)
    proc = run_plait("ingest", "docs", check=False, extra_env={"PLAIT_CHUNK_SIZE": "20000"})
    assert proc.returncode == 1 and "chunk_size 20000" in proc.stderr
