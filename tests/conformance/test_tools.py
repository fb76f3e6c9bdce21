"""Every tool a built-in plugin registers passes the tool suite with an example call."""

from __future__ import annotations

import pytest

from plait.testing.conformance import ToolConformance

from .conftest import BUILTINS, builtin_names

# one example call per built-in tool; a new built-in tool must add its example here
EXAMPLES: dict[str, dict] = {
    "math_python": {"code": "print(6 * 7)"},
    "lean_check": {"code": "theorem t : 1 + 1 = 2 := by norm_num"},
}
TOOLS = builtin_names("tools")


def test_every_builtin_tool_has_an_example():
    assert set(TOOLS) <= set(EXAMPLES), f"add example arguments for {sorted(set(TOOLS) - set(EXAMPLES))}"


class TestBuiltinTools(ToolConformance):
    @pytest.fixture(params=TOOLS)
    def tool(self, request, plait_home):
        self.example_arguments = EXAMPLES.get(request.param, {})
        return BUILTINS.tools.get(request.param)
