"""Conformance suites: subclass one, name the subclass ``Test...``, and pytest checks the contract.

    from plait.testing.conformance import ToolConformance

    class TestMyTool(ToolConformance):
        tool_function = my_tool
        example_arguments = {"query": "love"}

Each suite takes what it tests from a class attribute (``model_name = "backend/name"``,
``gate_name``, ``agent_name``, ``tool_function``...) or from an overridden ``make_*`` method or
fixture. The built-in plugins run the same suites (``tests/conformance`` in the plait repo).
"""

from plait.testing.conformance.agents import AgentConformance
from plait.testing.conformance.characters import CharacterSourceConformance
from plait.testing.conformance.gates import RetrievalGateConformance
from plait.testing.conformance.models import EmbedderConformance, ModelBackendConformance
from plait.testing.conformance.sandboxes import SandboxConformance
from plait.testing.conformance.tools import ToolConformance

__all__ = [
    "AgentConformance", "CharacterSourceConformance", "EmbedderConformance", "ModelBackendConformance",
    "RetrievalGateConformance", "SandboxConformance", "ToolConformance",
]
