"""Every agent a built-in plugin registers passes the agent conformance suite (scripted model)."""

from __future__ import annotations

import pytest

from plait.testing.conformance import AgentConformance

from .conftest import builtin_names

# agents that need an argument ("name/<arg>") to be built
AGENT_ARGS: dict[str, str] = {"character": "character/ada-lovelace"}
AGENTS = [AGENT_ARGS.get(n, n) for n in builtin_names("agents")]


def test_rag_is_built_in():
    assert "rag" in AGENTS


class TestBuiltinAgents(AgentConformance):
    @pytest.fixture(params=AGENTS)
    def agent(self, request, plait_home):
        self.agent_name = request.param
        return self.make_agent()
