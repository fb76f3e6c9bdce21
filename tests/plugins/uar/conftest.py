"""Fixtures for the UAR gate tests: a fast hash-embedder featurizer and tiny labelled sets."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def hash_gate_env(plait_home, monkeypatch):
    """The gate featurizes with the hash embedder (fast, no model files)."""
    monkeypatch.setenv("PLAIT_UAR__FEATURIZER", "embed")  # the default is e5; these tests use the hash embedder
    monkeypatch.setenv("PLAIT_UAR__EMBEDDER", "scripted/hash")
    from plait.plugins.uar import featurizers

    featurizers._CACHE.clear()
    yield plait_home
    featurizers._CACHE.clear()


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# Tiny, word-separable sets: the hash embedder only sees words.
SEARCH = ["search my documents for {}", "look up {} in the knowledge base", "find {} in my notes",
          "search the docs about {}", "retrieve files on {}"]
PLAIN = ["write a poem about {}", "tell a joke about {}", "compose a song on {}", "draw a picture of {}", "sing about {}"]
TOPICS = ["cats", "backups", "deployment", "pricing", "rivers", "tea", "servers", "holidays"]


def _tiny_intent_rows():
    rows = [{"question": t.format(x), "label": 1} for t in SEARCH for x in TOPICS]
    rows += [{"question": t.format(x), "label": 0} for t in PLAIN for x in TOPICS]
    return rows


@pytest.fixture
def tiny_rows():
    """40 + 40 word-separable intent rows."""
    return _tiny_intent_rows()


@pytest.fixture
def write_jsonl():
    """``write_jsonl(path, rows)`` -> path."""
    return _write_jsonl
