"""The UAR decision procedure: order, thresholds, skipped criteria, and the gate object."""

from __future__ import annotations

import numpy as np
import pytest

from plait.core.errors import ConfigError
from plait.core.gates import GateDecision, RetrievalGate
from plait.plugins.uar.decision import UARGate, decide_from_scores, parse_order
from plait.plugins.uar.heads import Head, HeadMismatch

ALL_NO = {"intent": 0.1, "knowledge": 0.9, "time": 0.1, "self": 0.1}


@pytest.mark.parametrize("scores, expected", [
    ({**ALL_NO, "intent": 0.9}, (True, "intent")),
    ({**ALL_NO, "intent": 0.9, "knowledge": 0.1}, (True, "intent")),  # intent comes first
    ({**ALL_NO, "knowledge": 0.2, "time": 0.9, "self": 0.9}, (False, "knowledge")),  # no knowledge needed
    ({**ALL_NO, "time": 0.7}, (True, "time")),
    ({**ALL_NO, "time": 0.7, "self": 0.9}, (True, "time")),
    ({**ALL_NO, "self": 0.8}, (True, "self")),
    (ALL_NO, (False, "self")),  # the model knows: answer directly
    ({**ALL_NO, "intent": 0.5}, (True, "intent")),  # threshold is inclusive at 0.5
])
def test_default_order(scores, expected):
    assert decide_from_scores(scores) == expected


def test_order_is_configurable():
    scores = {**ALL_NO, "knowledge": 0.1, "time": 0.9}
    assert decide_from_scores(scores) == (False, "knowledge")
    assert decide_from_scores(scores, ("time", "knowledge", "intent", "self")) == (True, "time")


def test_thresholds_are_configurable():
    scores = {**ALL_NO, "time": 0.6}
    assert decide_from_scores(scores, thresholds={"time": 0.7}) == (False, "self")


def test_missing_criteria_are_skipped():
    assert decide_from_scores({"intent": 0.1, "knowledge": 0.9}) == (False, "knowledge")
    assert decide_from_scores({"knowledge": 0.9, "self": 0.9}) == (True, "self")
    with pytest.raises(ConfigError, match="no trained heads"):
        decide_from_scores({})


def test_bad_order_is_refused():
    assert parse_order("time, intent") == ("time", "intent")
    for bad in ("intent,mood", "intent,intent", ""):
        with pytest.raises(ConfigError):
            parse_order(bad)


class FixedFeaturizer:
    """Maps known questions to fixed 2-d features."""

    id = "test:fixed"

    def __init__(self, table):
        self.table = table

    def features(self, texts):
        return np.array([self.table[t] for t in texts], dtype=np.float32)


def _head(criterion, w, fid="test:fixed"):
    w = np.array(w, dtype=np.float32)
    return Head(criterion, np.stack([-w, w]), fid)


def test_gate_combines_heads_in_order(plait_settings):
    # features: (retrieval cue, no-knowledge cue, time cue)
    feat = FixedFeaturizer({"search it": [1, 0, 0], "17*23": [-1, 1, 0], "news": [-1, 0, 1]})
    heads = {"intent": _head("intent", [5, 0, 0]), "knowledge": _head("knowledge", [0, -5, 1]),
             "time": _head("time", [0, 0, 5])}
    gate = UARGate(plait_settings, feat, heads)
    assert isinstance(gate, RetrievalGate) and gate.name == "uar"
    d = gate.decide("search it")
    assert isinstance(d, GateDecision) and (d.retrieve, d.decided_by) == (True, "intent")
    assert set(d.scores) == {"intent", "knowledge", "time"} and d.scores["intent"] > 0.99
    assert (gate.decide("17*23").retrieve, gate.decide("17*23").decided_by) == (False, "knowledge")
    news = gate.decide("news", history=[{"role": "user", "content": "hi"}])
    assert (news.retrieve, news.decided_by) == (True, "time")
    assert news.to_json()["decided_by"] == "time"


def test_gate_refuses_heads_of_another_featurizer(plait_settings):
    feat = FixedFeaturizer({"q": [1, 0]})
    gate = UARGate(plait_settings, feat, {"intent": _head("intent", [1, 0], fid="embed:other")})
    with pytest.raises(HeadMismatch):
        gate.decide("q")


def test_gate_with_no_heads_says_how_to_train(hash_gate_env):
    from plait.core.config import load_settings

    gate = UARGate(load_settings())
    with pytest.raises(ConfigError, match="plait gate train"):
        gate.decide("anything")


def test_registered_as_uar(plait_settings):
    from plait.core.context import Context
    from plait.core.host import get_host

    host = get_host()
    assert "uar" in host.gates
    gate = host.gates.get("uar")(Context(plait_settings, name="uar", host=host))  # factory(ctx)
    assert gate.name == "uar"


class MissingFeaturizer:
    id = "embed:missing"

    def features(self, texts):
        from plait.core.errors import ModelUnavailable

        raise ModelUnavailable("local/all-minilm-l6-v2 needs sentence-transformers")


def test_gate_without_its_featurizer_retrieves_and_warns_once(plait_settings):
    gate = UARGate(plait_settings, MissingFeaturizer(), {"intent": _head("intent", [1, 0], fid="embed:missing")})
    with pytest.warns(UserWarning, match="sentence-transformers"):
        d = gate.decide("What is 17*23?")
    assert (d.retrieve, d.decided_by, d.scores) == (True, "fallback", {})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gate.decide("again").decided_by == "fallback"
