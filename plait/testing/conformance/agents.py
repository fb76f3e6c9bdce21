"""Contract of agents: ``invoke`` returns an AgentReply; ``stream`` yields str deltas and then
exactly one AgentReply whose text is the deltas joined."""

from __future__ import annotations

import json
from typing import Any

import pytest

from plait.testing.conformance._base import SuiteBase


class AgentConformance(SuiteBase):
    """An agent. Set ``agent_name`` (``"name"`` or ``"name/arg"``, resolved through the host) or
    override ``make_agent()``. The agent runs under ``plait_home`` with ``scripted/echo`` unless
    ``model_name`` says otherwise."""

    agent_name: str | None = None
    model_name: str | None = None
    prompt: str = "What is plait, in one sentence?"
    agent_options: dict[str, Any] = {}

    def make_agent(self):
        if not self.agent_name:
            raise NotImplementedError(f"{type(self).__name__}: set agent_name or override make_agent()")
        from plait.agents.base import get_agent
        from plait.core.config import load_settings

        return get_agent(self.agent_name, load_settings(), model=self.model_name, **self.agent_options)

    def request(self, **kw: Any):
        from plait.agents.base import AgentRequest

        return AgentRequest(messages=[{"role": "user", "content": self.prompt}], **kw)

    @pytest.fixture
    def agent(self, conformance_host):
        return self.make_agent()

    def test_is_an_agent(self, agent):
        from plait.agents.base import Agent

        assert isinstance(agent, Agent), "needs .name, .description, .invoke(request), .stream(request)"
        assert isinstance(agent.name, str) and agent.name
        assert isinstance(agent.description, str)

    def test_invoke_returns_reply(self, agent):
        from plait.agents.base import AgentReply

        reply = agent.invoke(self.request())
        assert isinstance(reply, AgentReply)
        assert isinstance(reply.text, str)
        assert all(isinstance(a, str) for a in reply.alternatives)
        json.dumps(reply.extras)  # extras go to --json output and the HTTP API as they are

    def test_stream_deltas_then_one_reply(self, agent):
        from plait.agents.base import AgentReply

        items = list(agent.stream(self.request()))
        assert items, "stream yielded nothing"
        assert isinstance(items[-1], AgentReply), f"the last item must be the AgentReply, got {items[-1]!r}"
        deltas = items[:-1]
        bad = [d for d in deltas if not isinstance(d, str)]
        assert not bad, f"before the final AgentReply only str deltas may come, got {bad!r}"
        assert items[-1].text == "".join(deltas)
        json.dumps(items[-1].extras)
