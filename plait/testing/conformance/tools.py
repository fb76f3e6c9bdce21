"""Contract of tools: the JSON schema matches the function's signature, calls validate arguments."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import re
from typing import Any

import pytest

from plait.testing.conformance._base import SuiteBase

from plait.core.errors import InputError

_UNSET = object()


class ToolConformance(SuiteBase):
    """A tool. Set ``tool_function`` (a typed function or a Tool) or ``tool_name`` (looked up in
    the host's tool registry), plus ``example_arguments`` (and ``expected_result`` if known)."""

    tool_function: Any = None
    tool_name: str | None = None
    example_arguments: dict[str, Any] = {}
    expected_result: Any = _UNSET

    def make_tool(self):
        from plait.core.tools import Tool

        # read the raw class attribute: a function stored on a class would come back as a bound method
        fn = next((k.__dict__["tool_function"] for k in type(self).__mro__ if "tool_function" in k.__dict__), None)
        if "tool_function" in vars(self):
            fn = vars(self)["tool_function"]
        if isinstance(fn, staticmethod):
            fn = fn.__func__
        if fn is not None:
            return fn if isinstance(fn, Tool) else Tool.from_function(fn)
        if self.tool_name:
            from plait.core.host import get_host

            return get_host().tools.get(self.tool_name)
        raise NotImplementedError(f"{type(self).__name__}: set tool_function or tool_name, or override make_tool()")

    @pytest.fixture
    def tool(self, conformance_host):
        return self.make_tool()

    def _signature_params(self, tool) -> dict[str, inspect.Parameter]:
        fn = tool.fn
        sig = inspect.signature(fn)
        return {n: p for n, p in sig.parameters.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}

    def test_openai_schema_shape(self, tool):
        schema = tool.openai_schema()
        json.dumps(schema)
        assert schema["type"] == "function"
        fn = schema["function"]
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", fn["name"]), "OpenAI function names: 1-64 of [a-zA-Z0-9_-]"
        assert isinstance(fn["description"], str) and fn["description"].strip(), "give the function a docstring"
        params = fn["parameters"]
        assert params["type"] == "object"
        assert isinstance(params["properties"], dict)
        assert set(params["required"]) <= set(params["properties"])

    def test_schema_matches_signature(self, tool):
        from plait.core.tools import _hints, json_schema_for

        params = self._signature_params(tool)
        props = tool.parameters["properties"]
        assert list(props) == list(params), "every parameter, in order, and nothing else"
        required = [n for n, p in params.items() if p.default is p.empty]
        assert tool.parameters["required"] == required
        hints = _hints(tool.fn)
        for name, p in params.items():
            expected = json_schema_for(hints.get(name, p.annotation))
            got = {k: v for k, v in props[name].items() if k not in ("description", "default")}
            exp = {k: v for k, v in expected.items() if k not in ("description", "default")}
            assert got == exp, f"parameter {name!r}: schema {got} does not match its type hint ({exp})"
            if p.default is not p.empty and "default" in props[name]:
                default = getattr(p.default, "value", p.default)
                assert props[name]["default"] == default

    def test_every_parameter_is_typed(self, tool):
        for name, schema in tool.parameters["properties"].items():
            assert {"type", "enum", "anyOf", "oneOf", "allOf"} & set(schema), (
                f"parameter {name!r} has no type hint: the model cannot know what to send")

    def test_sync_or_async_flag(self, tool):
        target = tool.fn.func if isinstance(tool.fn, functools.partial) else tool.fn
        assert tool.is_async == (inspect.iscoroutinefunction(target)
                                 or inspect.iscoroutinefunction(getattr(target, "__call__", None)))

    def test_call_with_example_arguments(self, tool):
        from plait.core.tools import Tool

        result = tool.call(json.dumps(self.example_arguments))
        Tool.result_text(result)  # what goes back to the model
        if self.expected_result is not _UNSET:
            assert result == self.expected_result
        again = asyncio.run(tool.acall(dict(self.example_arguments)))
        if self.expected_result is not _UNSET:
            assert again == self.expected_result

    def test_bad_arguments_are_input_errors(self, tool):
        with pytest.raises(InputError):
            tool.call({**self.example_arguments, "no_such_argument_xyz": 1})
        required = tool.parameters["required"]
        if required:
            with pytest.raises(InputError):
                tool.call({k: v for k, v in self.example_arguments.items() if k != required[0]})
