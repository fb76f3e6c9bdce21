"""Every retrieval gate a built-in plugin registers passes the gate conformance suite."""

from __future__ import annotations

import pytest

from plait import Context
from plait.testing.conformance import RetrievalGateConformance

from .conftest import BUILTINS, builtin_names

GATES = builtin_names("gates")


def test_the_simple_gates_are_built_in():
    assert {"always", "never"} <= set(GATES)


class TestBuiltinGates(RetrievalGateConformance):
    @pytest.fixture(params=GATES)
    def gate(self, request, plait_settings):
        return BUILTINS.gates.get(request.param)(Context(plait_settings, name=request.param, host=BUILTINS))
