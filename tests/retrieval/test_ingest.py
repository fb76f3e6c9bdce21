"""Ingestion into real embedded Chroma: idempotence, update, --sync delete, bad files, chunk sizes."""

from __future__ import annotations

import pytest

from plait.core.errors import ConfigError, InputError, StoreError
from plait.retrieval.ingest import ingest_paths

from .conftest import store_rows, write_docs


def test_reingesting_unchanged_folder_adds_nothing(settings, embedder, tmp_path):
    docs = write_docs(tmp_path / "docs", 4, words=120)
    first = ingest_paths([docs], settings, embedder, progress=False)
    assert (first.added, first.updated, first.deleted, first.skipped) == (4, 0, 0, 0)
    rows = store_rows(settings, embedder)
    assert first.chunks == len(rows) > 4  # 120 sentences do not fit one 200-token chunk
    second = ingest_paths([docs], settings, embedder, progress=False)
    assert second.counts() == {"added": 0, "updated": 0, "deleted": 0, "skipped": 0, "chunks": 0}
    assert second.unchanged == 4
    assert store_rows(settings, embedder) == rows


def test_chunk_ids_and_metadata_are_deterministic_and_flat(settings, embedder, tmp_path):
    docs = write_docs(tmp_path / "docs", 1, words=120)
    ingest_paths([docs], settings, embedder, progress=False)
    rows = store_rows(settings, embedder)
    path = str((docs / "doc000.md").resolve())
    assert sorted(rows) == sorted(f"{path}#{i}" for i in range(len(rows)))
    for cid, (text, meta) in rows.items():
        assert meta["source"] == str(docs / "doc000.md") and meta["path"] == path
        assert meta["chunk"] == int(cid.rsplit("#", 1)[1])
        assert all(isinstance(v, (str, int, float, bool)) for v in meta.values())
        assert "source:" not in text  # metadata is not embedded into the chunk text


def test_changed_file_replaces_its_chunks(settings, embedder, tmp_path):
    docs = write_docs(tmp_path / "docs", 3, words=120)
    ingest_paths([docs], settings, embedder, progress=False)
    before = store_rows(settings, embedder)
    (docs / "doc001.md").write_text("A short new text about zebras.\n")
    report = ingest_paths([docs], settings, embedder, progress=False)
    assert (report.added, report.updated, report.unchanged, report.chunks) == (0, 1, 2, 1)
    after = store_rows(settings, embedder)
    mine = {cid: row for cid, row in after.items() if row[1]["file_name"] == "doc001.md"}
    assert [row[0] for row in mine.values()] == ["A short new text about zebras."]
    others = {cid: row for cid, row in before.items() if row[1]["file_name"] != "doc001.md"}
    assert {cid: row for cid, row in after.items() if cid in others} == others


def test_sync_deletes_removed_files_only_under_given_folders(settings, embedder, tmp_path):
    a = write_docs(tmp_path / "a", 3, prefix="alpha")
    b = write_docs(tmp_path / "b", 2, prefix="beta")
    ingest_paths([a, b], settings, embedder, progress=False)
    (a / "alpha001.md").unlink()
    (b / "beta000.md").unlink()
    plain = ingest_paths([a], settings, embedder, progress=False)
    assert plain.deleted == 0  # without --sync nothing is removed
    synced = ingest_paths([a], settings, embedder, sync=True, progress=False)
    assert (synced.deleted, synced.added, synced.unchanged) == (1, 0, 2)
    names = {m["file_name"] for _, m in store_rows(settings, embedder).values()}
    assert names == {"alpha000.md", "alpha002.md", "beta000.md", "beta001.md"}  # b was not synced
    again = ingest_paths([a], settings, embedder, sync=True, progress=False)
    assert again.counts()["deleted"] == 0


def test_bad_files_are_skipped_with_a_warning_naming_each(settings, embedder, tmp_path):
    docs = write_docs(tmp_path / "docs", 2)
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0binary")
    (docs / "weird.txt").write_bytes(b"\xff\xfe\xfa not utf8")
    (docs / "nul.md").write_bytes(b"ok\x00\x00")
    report = ingest_paths([docs], settings, embedder, progress=False)
    assert (report.added, report.skipped) == (2, 3)
    text = "\n".join(report.warnings)
    for name in ("photo.jpg", "weird.txt", "nul.md"):
        assert name in text
    assert {m["file_name"] for _, m in store_rows(settings, embedder).values()} == {"doc000.md", "doc001.md"}


def test_every_reader_goes_through_the_pipeline(settings, embedder, tmp_path):
    from .test_readers import _minimal_pdf

    docs = tmp_path / "mixed"
    docs.mkdir()
    (docs / "a.md").write_text("markdown quokka")
    (docs / "b.txt").write_text("text wombat")
    (docs / "c.html").write_text("<html><body><p>html platypus</p><script>nope()</script></body></html>")
    (docs / "d.pdf").write_bytes(_minimal_pdf("pdf echidna"))
    (docs / "e.py").write_text("def numbat():\n    return 'python numbat'\n")
    (docs / "f.json").write_text('{"animal": "json dingo"}')
    report = ingest_paths([docs], settings, embedder, progress=False)
    assert (report.added, report.skipped) == (6, 0)
    texts = {m["file_type"]: t for t, m in store_rows(settings, embedder).values()}
    assert set(texts) == {"md", "txt", "html", "pdf", "py", "json"}
    for kind, word in [("md", "quokka"), ("txt", "wombat"), ("html", "platypus"), ("pdf", "echidna"),
                       ("py", "numbat"), ("json", "dingo")]:
        assert word in texts[kind]
    assert "nope" not in texts["html"]


def test_chunks_fit_the_embedder_tokens(plait_home, monkeypatch, embedder, tmp_path):
    from plait.core.config import load_settings

    monkeypatch.setenv("PLAIT_CHUNK_SIZE", "50")
    monkeypatch.setenv("PLAIT_CHUNK_OVERLAP", "10")
    settings = load_settings()
    docs = write_docs(tmp_path / "docs", 2, words=200)
    report = ingest_paths([docs], settings, embedder, progress=False)
    texts = [t for t, _ in store_rows(settings, embedder).values()]
    assert report.chunks == len(texts) >= 2 * 200 * 4 // 50 // 2
    assert max(embedder.count_tokens(t) for t in texts) <= 50


def test_chunk_size_beyond_embedder_is_refused_before_writing(settings, embedder, tmp_path):
    class Small(type(embedder)):
        max_tokens = 64

    settings.chunk_size = 100
    docs = write_docs(tmp_path / "docs", 1)
    with pytest.raises(ConfigError, match=r"chunk_size 100 .* \(64 tokens, 62 of text\)"):
        ingest_paths([docs], settings, Small(), progress=False)
    assert not (settings.home / "chroma").exists() or store_rows(settings, Small()) == {}


def test_changing_chunk_size_rechunks_everything(settings, embedder, tmp_path):
    docs = write_docs(tmp_path / "docs", 2, words=120)
    first = ingest_paths([docs], settings, embedder, progress=False)
    settings.chunk_size, settings.chunk_overlap = 60, 5
    second = ingest_paths([docs], settings, embedder, progress=False)
    assert second.updated == 2 and second.chunks > first.chunks
    assert len(store_rows(settings, embedder)) == second.chunks


def test_missing_path_is_refused_and_nothing_written(settings, embedder, tmp_path):
    docs = write_docs(tmp_path / "docs", 1)
    with pytest.raises(InputError, match="no-such-dir"):
        ingest_paths([docs, tmp_path / "no-such-dir"], settings, embedder, progress=False)
    assert not (settings.home / "ingest").exists()


def test_corrupt_docstore_is_reported(settings, embedder, tmp_path):
    from plait.retrieval.docstore import docstore_path

    docs = write_docs(tmp_path / "docs", 1)
    ingest_paths([docs], settings, embedder, progress=False)
    docstore_path(settings, settings.collection).write_text("{not json")
    with pytest.raises(StoreError, match="docstore .* unreadable"):
        ingest_paths([docs], settings, embedder, progress=False)


def test_wiped_collection_is_refilled(settings, embedder, tmp_path):
    from plait.retrieval.store import chroma_client

    docs = write_docs(tmp_path / "docs", 2)
    ingest_paths([docs], settings, embedder, progress=False)
    chroma_client(settings).delete_collection(settings.collection)
    report = ingest_paths([docs], settings, embedder, progress=False)
    assert report.added == 2 and any("reset" in w for w in report.warnings)
    assert len(store_rows(settings, embedder)) == report.chunks
