"""Contract of retrieval gates: a GateDecision for every question, the same one every time."""

from __future__ import annotations

import json

import pytest

from plait.testing.conformance._base import SuiteBase


class RetrievalGateConformance(SuiteBase):
    """A retrieval gate. Set ``gate_name`` (resolved through the host) or override ``make_gate()``."""

    gate_name: str | None = None
    questions: list[str] = [
        "What does the installation guide say about the data directory?",
        "hi",
        "What is 2 + 2?",
        "Write a haiku about autumn leaves.",
        "Who won the 1998 football world cup?",
    ]
    history: list[dict] = [
        {"role": "user", "content": "Tell me about plait."},
        {"role": "assistant", "content": "plait builds assistants from plugins."},
    ]

    def make_gate(self):
        if not self.gate_name:
            raise NotImplementedError(f"{type(self).__name__}: set gate_name or override make_gate()")
        from plait.core.config import load_settings
        from plait.core.context import Context
        from plait.core.host import get_host

        host = get_host()
        return host.gates.get(self.gate_name)(Context(load_settings(), name=self.gate_name, host=host))  # factory(ctx)

    @pytest.fixture
    def gate(self, conformance_host):
        return self.make_gate()

    def test_is_a_gate(self, gate):
        from plait.core.gates import RetrievalGate

        assert isinstance(gate, RetrievalGate)
        assert isinstance(gate.name, str) and gate.name

    def test_returns_gate_decisions(self, gate):
        from plait.core.gates import GateDecision

        for question in self.questions:
            decision = gate.decide(question)
            assert isinstance(decision, GateDecision), f"{question!r}: got {decision!r}"
            assert isinstance(decision.retrieve, bool)
            assert isinstance(decision.decided_by, str) and decision.decided_by
            for key, value in decision.scores.items():
                assert isinstance(key, str)
                assert 0.0 <= float(value) <= 1.0, f"score {key}={value} is not a probability"
            json.dumps(decision.to_json())

    def test_deterministic(self, gate):
        first = [gate.decide(q).to_json() for q in self.questions]
        second = [gate.decide(q).to_json() for q in self.questions]
        assert first == second

    def test_accepts_history(self, gate):
        from plait.core.gates import GateDecision

        assert isinstance(gate.decide(self.questions[0], history=list(self.history)), GateDecision)
        assert isinstance(gate.decide(self.questions[0], history=None), GateDecision)
