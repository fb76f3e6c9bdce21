"""Datasets: shard directories with a manifest, single files, stable ids."""

from __future__ import annotations

import json

import pytest

from plait.core.errors import InputError
from plait.pipeline import Dataset, content_id, write_dataset


def test_rows_without_id_get_the_same_content_hash_on_every_read(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "a", "n": 1}\n\n{"n": 2, "text": "b"}\n{"id": 7, "text": "c"}\n')
    first = list(Dataset(path))
    assert [r["id"] for r in first] == [content_id({"n": 1, "text": "a"}), content_id({"text": "b", "n": 2}), "7"]
    assert list(Dataset(path)) == first
    assert content_id({"text": "a", "n": 1}) != content_id({"text": "a", "n": 2})


def test_directory_with_manifest_reads_jsonl_and_parquet_shards_in_manifest_order(tmp_path):
    pytest.importorskip("pyarrow")
    write_dataset(tmp_path / "a", [{"id": f"r{i}", "x": i} for i in range(5)], shard_rows=2)
    write_dataset(tmp_path / "b", [{"id": f"p{i}", "x": i} for i in range(3)], fmt="parquet")
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["rows"] == 5 and [s["rows"] for s in manifest["shards"]] == [2, 2, 1]
    (tmp_path / "a" / "part-00009.parquet").write_bytes((tmp_path / "b" / "part-00000.parquet").read_bytes())
    manifest["shards"].insert(0, {"path": "part-00009.parquet", "rows": 3})
    (tmp_path / "a" / "manifest.json").write_text(json.dumps(manifest))
    assert [r["id"] for r in Dataset(tmp_path / "a")] == ["p0", "p1", "p2", "r0", "r1", "r2", "r3", "r4"]
    assert [r["x"] for r in Dataset(tmp_path / "b" / "part-00000.parquet")] == [0, 1, 2]


def test_bad_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(InputError, match=r"bad\.jsonl:2 is not valid JSON"):
        list(Dataset(path))


def test_repeated_id_is_refused(tmp_path):
    path = tmp_path / "dup.jsonl"
    path.write_text('{"id": "x", "a": 1}\n{"id": "x", "a": 2}\n')
    with pytest.raises(InputError, match="'x' appears twice"):
        list(Dataset(path))


def test_missing_path_and_wrong_suffix_are_named(tmp_path):
    with pytest.raises(InputError, match="no dataset at"):
        Dataset(tmp_path / "nope")
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(InputError, match=r"\.jsonl or \.parquet"):
        Dataset(tmp_path / "data.csv")
