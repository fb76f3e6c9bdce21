"""Tools from plain typed functions: type hints and the docstring become an OpenAI tool schema.

    def quote_search(query: str, limit: int = 3) -> list[dict]:
        '''Find quotations that mention a word.

        Args:
            query: words to look for
            limit: how many quotations to return at most
        '''

``Tool.from_function(quote_search).openai_schema()`` is the ``{"type": "function", ...}`` object
the OpenAI API (and vLLM) expects. Sync and async functions both work: ``Tool.call`` runs either
to completion, ``Tool.acall`` awaits either (sync ones run in a worker thread). Arguments are
validated and coerced against the type hints with pydantic before the function runs.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import inspect
import json
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Callable

from plait.core.errors import InputError

_SIMPLE = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # what the OpenAI API accepts as a function name
_SECTION = re.compile(
    r"^\s*(Args|Arguments|Parameters|Params|Returns|Return|Yields|Raises|Examples?|Notes?)\s*:?\s*$|^\s*:(param|returns?|raises?)\b",
    re.M,
)


def json_schema_for(tp: Any) -> dict:
    """JSON schema of a Python type hint (``{}`` = any value)."""
    if tp is inspect.Parameter.empty or tp is Any or tp is object:
        return {}
    if tp in _SIMPLE:
        return {"type": _SIMPLE[tp]}
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        schema = json_schema_for(args[0])
        notes = [a for a in args[1:] if isinstance(a, str)]
        if notes:
            schema["description"] = notes[0]
        return schema
    if origin in (list, tuple, set, frozenset) or tp in (list, tuple, set, frozenset):
        if origin is tuple and args and args[-1] is not Ellipsis:
            return {"type": "array", "prefixItems": [json_schema_for(a) for a in args], "minItems": len(args), "maxItems": len(args)}
        item = json_schema_for(args[0]) if args else {}
        return {"type": "array", "items": item} if item else {"type": "array"}
    if origin is dict or tp is dict:
        value = json_schema_for(args[1]) if len(args) == 2 else {}
        return {"type": "object", "additionalProperties": value} if value else {"type": "object"}
    if origin is typing.Literal:
        kinds = {_SIMPLE.get(type(a)) for a in args}
        schema: dict = {"enum": list(args)}
        if len(kinds) == 1 and None not in kinds:
            schema["type"] = kinds.pop()
        return schema
    if origin in (typing.Union, types.UnionType):
        non_null = [a for a in args if a is not type(None)]
        if len(non_null) == 1:  # Optional[X]: the model may leave it out; null is not offered
            return json_schema_for(non_null[0])
        return {"anyOf": [json_schema_for(a) for a in args]}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        values = [m.value for m in tp]
        kinds = {_SIMPLE.get(type(v)) for v in values}
        return {"enum": values, **({"type": kinds.pop()} if len(kinds) == 1 and None not in kinds else {})}
    return _pydantic_schema(tp)


def _pydantic_schema(tp: Any) -> dict:
    """Models, dataclasses and TypedDicts through pydantic, with references inlined."""
    from pydantic import TypeAdapter

    try:
        schema = TypeAdapter(tp).json_schema()
    except Exception as exc:
        raise InputError(f"type {tp!r} cannot be described as JSON schema ({type(exc).__name__}); use str, int, "
                         f"float, bool, list, dict, Literal, Enum, a dataclass or a pydantic model") from None
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"].startswith("#/$defs/"):
                return inline(defs[node["$ref"].rsplit("/", 1)[1]])
            return {k: inline(v) for k, v in node.items() if k != "title"}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(summary, {param: description}) from Google, NumPy or Sphinx (``:param x:``) docstrings."""
    doc = inspect.cleandoc(doc or "")
    m = _SECTION.search(doc)
    summary = " ".join((doc[: m.start()] if m else doc).split())
    params: dict[str, str] = {}
    for pm in re.finditer(r":param\s+(?:[\w\[\], |]+\s+)?(\w+):\s*(.+(?:\n(?![ \t]*:)[ \t]+.+)*)", doc):
        params[pm.group(1)] = " ".join(pm.group(2).split())
    google = re.search(r"^(?:Args|Arguments|Params):\s*\n((?:[ \t]+.*\n?|\s*\n)+)", doc, re.M)
    if google:
        block = google.group(1)
        indent = min(len(line) - len(line.lstrip()) for line in block.splitlines() if line.strip())
        current = None
        for line in block.splitlines():
            if not line.strip():
                continue
            lead = len(line) - len(line.lstrip())
            item = re.match(r"^\s*\*{0,2}(\w+)(?:\s*\([^)]*\))?\s*:\s*(.*)$", line)
            if lead == indent and item:
                current = item.group(1)
                params.setdefault(current, item.group(2).strip())
            elif current and lead > indent:
                params[current] = (params[current] + " " + line.strip()).strip()
    numpy = re.search(r"^Parameters\s*\n-{3,}\s*\n((?:.*\n?)*?)(?:\n\s*\n|\Z|^\w+\s*\n-{3,})", doc, re.M)
    if numpy:
        current = None
        for line in numpy.group(1).splitlines():
            head = re.match(r"^(\w+)\s*(?::.*)?$", line)
            if head and not line.startswith((" ", "\t")):
                current = head.group(1)
                params.setdefault(current, "")
            elif current and line.strip():
                params[current] = (params[current] + " " + line.strip()).strip()
    return summary, {k: v for k, v in params.items() if v}


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    target = fn.func if isinstance(fn, functools.partial) else fn
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        return dict(getattr(target, "__annotations__", {}) or {})


def _is_async(fn: Callable[..., Any]) -> bool:
    target = fn.func if isinstance(fn, functools.partial) else fn
    return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(getattr(target, "__call__", None))


@dataclass
class Tool:
    """A function the model may call, with its OpenAI tool schema."""

    name: str
    description: str
    parameters: dict
    fn: Callable[..., Any]
    is_async: bool = field(default=False)
    hints: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_function(cls, fn: Callable[..., Any], name: str | None = None, description: str | None = None) -> "Tool":
        """Build a tool from a typed (sync or async) function, method or partial."""
        if not callable(fn):
            raise InputError(f"a tool must be a function or a Tool, got {fn!r}")
        tool_name = name or getattr(fn, "__name__", None) or getattr(getattr(fn, "func", None), "__name__", "")
        if not _NAME.match(tool_name or ""):
            raise InputError(f"tool name {tool_name!r} is invalid: use 1-64 letters, digits, '_' or '-'")
        sig = inspect.signature(fn)
        hints = _hints(fn)
        summary, pdocs = parse_docstring(inspect.getdoc(fn) or "")
        props: dict[str, dict] = {}
        required: list[str] = []
        used: dict[str, Any] = {}
        for pname, p in sig.parameters.items():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            hint = hints.get(pname, p.annotation)
            try:
                schema = json_schema_for(hint)
            except InputError as exc:
                raise InputError(f"tool {tool_name!r}, parameter {pname!r}: {exc}") from None
            if pname in pdocs:
                schema["description"] = pdocs[pname]
            if p.default is p.empty:
                required.append(pname)
            else:
                default = p.default.value if isinstance(p.default, enum.Enum) else p.default
                try:
                    json.dumps(default)
                    schema["default"] = default
                except TypeError:
                    pass
            props[pname] = schema
            if hint is not p.empty:
                used[pname] = hint
        params = {"type": "object", "properties": props, "required": required}
        desc = description if description is not None else summary
        return cls(tool_name, desc, params, fn, _is_async(fn), used)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def openai_schema(self) -> dict:
        """The ``{"type": "function", "function": {...}}`` object for ``ChatOptions.tools``."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def _arguments(self, arguments: dict | str | None) -> dict:
        if arguments is None or arguments == "":
            arguments = {}
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError as exc:
                raise InputError(f"tool {self.name!r}: arguments are not valid JSON ({exc}): {arguments[:200]!r}") from None
        if not isinstance(arguments, dict):
            raise InputError(f"tool {self.name!r}: arguments must be a JSON object, got {type(arguments).__name__}")
        props = self.parameters.get("properties", {})
        missing = [r for r in self.parameters.get("required", []) if r not in arguments]
        unknown = [k for k in arguments if k not in props]
        if missing or unknown:
            raise InputError(
                f"tool {self.name!r} called with bad arguments: missing {missing}, unknown {unknown}; "
                f"expected {sorted(props)}"
            )
        return {k: self._coerce(k, v) for k, v in arguments.items()}

    def _coerce(self, pname: str, value: Any) -> Any:
        hint = self.hints.get(pname)
        if hint is None or hint is Any:
            return value
        from pydantic import TypeAdapter, ValidationError

        try:
            return TypeAdapter(hint).validate_python(value)
        except ValidationError as exc:
            problem = exc.errors()[0].get("msg", str(exc)) if exc.errors() else str(exc)
            raise InputError(f"tool {self.name!r}: argument {pname!r}={value!r} is invalid: {problem}") from None
        except Exception:  # a hint pydantic cannot validate: pass the value through unchanged
            return value

    def call(self, arguments: dict | str | None = None) -> Any:
        """Call with JSON arguments (a dict or JSON text); async tools are run to completion."""
        result = self.fn(**self._arguments(arguments))
        if inspect.isawaitable(result):
            result = _run_in_thread(result) if _in_loop() else asyncio.run(_await(result))
        return result

    async def acall(self, arguments: dict | str | None = None) -> Any:
        """Await the tool; a sync tool runs in a worker thread so the event loop is not blocked."""
        args = self._arguments(arguments)
        if self.is_async:
            result = self.fn(**args)
        else:
            result = await asyncio.to_thread(self.fn, **args)
        if inspect.isawaitable(result):
            result = await result
        return result

    @staticmethod
    def result_text(result: Any) -> str:
        """A tool result as the text of a ``tool`` message: strings as they are, the rest as JSON."""
        if isinstance(result, str):
            return result
        return json.dumps(result, ensure_ascii=False, default=str)


def tool(fn: Callable[..., Any] | None = None, *, name: str | None = None, description: str | None = None) -> Any:
    """Decorator: ``@tool`` or ``@tool(name=..., description=...)`` turns a function into a Tool."""
    if fn is None:
        return lambda f: Tool.from_function(f, name=name, description=description)
    return Tool.from_function(fn, name=name, description=description)


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _in_loop() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


def _run_in_thread(coro: Any) -> Any:
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _await(coro)).result()
