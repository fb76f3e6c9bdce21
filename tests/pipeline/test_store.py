"""Commit logs: torn last lines, duplicate records, done over error."""

from __future__ import annotations

import json

import pytest

from plait.core.errors import StoreError
from plait.pipeline.store import CommitLog, read_log


def _rec(i: int, status: str = "done") -> dict:
    rec = {"in": f"r{i}", "seq": [i], "status": status}
    if status == "done":
        rec["out"] = [{"id": f"r{i}", "v": i}]
    else:
        rec["error"] = "boom"
    return rec


def test_torn_last_line_is_ignored_and_cut_before_the_next_append(tmp_path):
    with CommitLog(tmp_path / "s") as log:
        log.append([_rec(0), _rec(1)])
    path = tmp_path / "s" / "log.jsonl"
    with open(path, "ab") as fh:  # what a writer killed mid-line leaves behind
        fh.write(json.dumps(_rec(2)).encode()[:17])
    assert sorted(read_log(path).done) == ["r0", "r1"]
    with CommitLog(tmp_path / "s") as log:
        log.append([_rec(3)])
    assert sorted(read_log(path).done) == ["r0", "r1", "r3"]
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_a_duplicated_record_never_duplicates_output_rows(tmp_path):
    with CommitLog(tmp_path / "s") as log:
        log.append([_rec(1), _rec(0), _rec(1), _rec(2, "error")])
    state = read_log(tmp_path / "s" / "log.jsonl")
    assert [row["id"] for _, row in state.outputs()] == ["r0", "r1"]
    assert state.totals()["done"] == 2 and state.totals()["errors"] == 1


def test_done_wins_over_error_in_either_order(tmp_path):
    with CommitLog(tmp_path / "s") as log:
        log.append([_rec(0, "error"), _rec(0), _rec(1), _rec(1, "error")])
    state = read_log(tmp_path / "s" / "log.jsonl")
    assert state.done == {"r0", "r1"} and state.errors() == []


def test_damaged_middle_line_is_an_error_naming_the_file(tmp_path):
    with CommitLog(tmp_path / "s") as log:
        log.append([_rec(0)])
    path = tmp_path / "s" / "log.jsonl"
    path.write_text("garbage\n" + path.read_text())
    with pytest.raises(StoreError, match="log.jsonl:1 is not a commit record"):
        read_log(path)
