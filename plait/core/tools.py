"""Tools from plain typed functions: type hints and the docstring become an OpenAI tool schema."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import typing
from dataclasses import dataclass, field
from typing import Any, Callable

from plait.core.errors import InputError

_SIMPLE = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def json_schema_for(tp: Any) -> dict:
    """JSON schema of a Python type hint (the subset tools need)."""
    if tp is inspect.Parameter.empty or tp is Any:
        return {}
    if tp in _SIMPLE:
        return {"type": _SIMPLE[tp]}
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (list, tuple, set, frozenset) or tp in (list, tuple, set):
        item = json_schema_for(args[0]) if args else {}
        return {"type": "array", "items": item} if item else {"type": "array"}
    if origin is dict or tp is dict:
        return {"type": "object"}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        non_null = [a for a in args if a is not type(None)]
        if len(non_null) == 1:
            return json_schema_for(non_null[0])
        return {"anyOf": [json_schema_for(a) for a in args]}
    return {}


def _param_docs(doc: str) -> dict[str, str]:
    """Parameter descriptions from Google-style ``Args:`` or ``:param x:`` docstrings."""
    out: dict[str, str] = {}
    for m in re.finditer(r":param\s+(\w+):\s*(.+)", doc):
        out[m.group(1)] = m.group(2).strip()
    block = re.search(r"Args:\n((?:[ \t]+.+\n?)+)", doc)
    if block:
        for m in re.finditer(r"^[ \t]+(\w+)(?:\s*\([^)]*\))?:\s*(.+)$", block.group(1), re.M):
            out.setdefault(m.group(1), m.group(2).strip())
    return out


@dataclass
class Tool:
    name: str
    description: str
    parameters: dict
    fn: Callable[..., Any]
    is_async: bool = field(default=False)

    @classmethod
    def from_function(cls, fn: Callable[..., Any], name: str | None = None) -> "Tool":
        sig = inspect.signature(fn)
        hints = typing.get_type_hints(fn)
        doc = inspect.getdoc(fn) or ""
        pdocs = _param_docs(doc)
        props, required = {}, []
        for pname, p in sig.parameters.items():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            schema = json_schema_for(hints.get(pname, p.annotation))
            if pname in pdocs:
                schema["description"] = pdocs[pname]
            if p.default is p.empty:
                required.append(pname)
            else:
                try:
                    json.dumps(p.default)
                    schema["default"] = p.default
                except TypeError:
                    pass
            props[pname] = schema
        summary = doc.split("\n\n")[0].strip() if doc else ""
        params = {"type": "object", "properties": props, "required": required}
        return cls(name or fn.__name__, summary, params, fn, inspect.iscoroutinefunction(fn))

    def openai_schema(self) -> dict:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def _check_args(self, arguments: dict) -> None:
        missing = [r for r in self.parameters.get("required", []) if r not in arguments]
        unknown = [k for k in arguments if k not in self.parameters.get("properties", {})]
        if missing or unknown:
            raise InputError(
                f"tool {self.name!r} called with bad arguments: missing {missing}, unknown {unknown}; "
                f"expected {sorted(self.parameters.get('properties', {}))}"
            )

    def call(self, arguments: dict | str) -> Any:
        """Call the tool with JSON arguments; async tools are run to completion."""
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments or "{}")
            except json.JSONDecodeError as exc:
                raise InputError(f"tool {self.name!r}: arguments are not valid JSON ({exc})") from exc
        self._check_args(arguments)
        result = self.fn(**arguments)
        if inspect.isawaitable(result):
            result = asyncio.run(result) if not _in_loop() else _run_in_thread(result)
        return result

    async def acall(self, arguments: dict | str) -> Any:
        if isinstance(arguments, str):
            arguments = json.loads(arguments or "{}")
        self._check_args(arguments)
        result = self.fn(**arguments)
        if inspect.isawaitable(result):
            result = await result
        return result


def _in_loop() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


def _run_in_thread(coro: Any) -> Any:
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
