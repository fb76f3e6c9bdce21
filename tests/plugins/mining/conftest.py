"""Fixtures of the mining tests: the synthetic corpus and seeds of ``mine_corpus`` as files."""

import json

import pytest

from mine_corpus import SEEDS, corpus_rows


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in corpus_rows()), encoding="utf-8")
    return path


@pytest.fixture
def seeds_file(tmp_path):
    path = tmp_path / "seeds.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in SEEDS), encoding="utf-8")
    return path
