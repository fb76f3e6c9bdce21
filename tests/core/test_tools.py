"""Tools from typed functions: schema from hints + docstring, validation, sync and async calls."""

from __future__ import annotations

import asyncio
import enum
import functools
import json
from dataclasses import dataclass
from typing import Annotated, Literal, Optional

import pytest
from pydantic import BaseModel

from plait.core.errors import InputError
from plait.core.tools import Tool, json_schema_for, parse_docstring, tool


def search(query: str, limit: int = 3, exact: bool = False, tags: list[str] | None = None) -> list[dict]:
    """Find quotations that mention a word.

    Longer explanation that is not part of the summary.

    Args:
        query: words to look for
        limit: how many quotations to return
            at most (continued line)
        exact: match whole words only
        tags: only quotations with these tags
    """
    return [{"query": query, "limit": limit, "exact": exact, "tags": tags}]


async def fetch(url: str, retries: int = 1) -> str:
    """Fetch a page.

    :param url: the page address
    :param retries: how often to retry
    """
    await asyncio.sleep(0)
    return f"{url}#{retries}"


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(BaseModel):
    x: float
    y: float


@dataclass
class Box:
    width: int
    label: str = "box"


def test_schema_from_google_docstring_and_hints():
    t = Tool.from_function(search)
    s = t.openai_schema()
    assert s["type"] == "function"
    fn = s["function"]
    assert fn["name"] == "search"
    # the prose of the docstring, without its Args section
    assert fn["description"] == "Find quotations that mention a word. Longer explanation that is not part of the summary."
    params = fn["parameters"]
    assert params["type"] == "object"
    assert params["required"] == ["query"]
    assert params["properties"]["query"] == {"type": "string", "description": "words to look for"}
    assert params["properties"]["limit"] == {
        "type": "integer", "description": "how many quotations to return at most (continued line)", "default": 3,
    }
    assert params["properties"]["exact"]["type"] == "boolean"
    assert params["properties"]["tags"]["type"] == "array"
    assert params["properties"]["tags"]["items"] == {"type": "string"}
    json.dumps(s)  # JSON-serialisable as sent to the server


def test_sphinx_and_numpy_docstrings():
    summary, params = parse_docstring(fetch.__doc__)
    assert summary == "Fetch a page."
    assert params == {"url": "the page address", "retries": "how often to retry"}
    doc = """Add numbers.

    Parameters
    ----------
    a : int
        first number
    b : int
        second
        number
    """
    summary, params = parse_docstring(doc)
    assert summary == "Add numbers."
    assert params == {"a": "first number", "b": "second number"}


@pytest.mark.parametrize(
    "hint, schema",
    [
        (str, {"type": "string"}),
        (float, {"type": "number"}),
        (Optional[int], {"type": "integer"}),
        (int | None, {"type": "integer"}),
        (Literal["a", "b"], {"enum": ["a", "b"], "type": "string"}),
        (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),
        (tuple[int, str], {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2}),
        (tuple[int, ...], {"type": "array", "items": {"type": "integer"}}),
        (Color, {"enum": ["red", "blue"], "type": "string"}),
        (Annotated[str, "a city name"], {"type": "string", "description": "a city name"}),
        (int | str, {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
    ],
)
def test_json_schema_for(hint, schema):
    assert json_schema_for(hint) == schema


def test_pydantic_and_dataclass_parameters_are_objects_and_validated():
    def place(point: Point, box: Box) -> str:
        """Place a box at a point."""
        assert isinstance(point, Point) and isinstance(box, Box)
        return f"{box.label}@{point.x},{point.y}:{box.width}"

    t = Tool.from_function(place)
    props = t.parameters["properties"]
    assert props["point"]["type"] == "object"
    assert set(props["point"]["properties"]) == {"x", "y"}
    assert props["box"]["required"] == ["width"]
    assert "$ref" not in json.dumps(t.parameters)
    assert t.call({"point": {"x": 1, "y": 2}, "box": {"width": 3}}) == "box@1.0,2.0:3"


def test_call_validates_and_coerces_arguments():
    t = Tool.from_function(search)
    assert t.call('{"query": "love", "limit": "2"}')[0]["limit"] == 2  # JSON text, lax coercion
    with pytest.raises(InputError, match="missing \\['query'\\]"):
        t.call({})
    with pytest.raises(InputError, match="unknown \\['colour'\\]"):
        t.call({"query": "x", "colour": "red"})
    with pytest.raises(InputError, match="'limit'"):
        t.call({"query": "x", "limit": "many"})
    with pytest.raises(InputError, match="not valid JSON"):
        t.call("{query")
    with pytest.raises(InputError, match="JSON object"):
        t.call("[1, 2]")


def test_async_tool_sync_and_async_call():
    t = Tool.from_function(fetch)
    assert t.is_async
    assert t.parameters["required"] == ["url"]
    assert t.call({"url": "http://x"}) == "http://x#1"
    assert asyncio.run(t.acall({"url": "u", "retries": 2})) == "u#2"

    async def inside_loop():  # call() from inside a running loop must still work
        return t.call({"url": "in-loop"})

    assert asyncio.run(inside_loop()) == "in-loop#1"


def test_sync_tool_acall_runs_in_thread():
    import threading

    main = threading.get_ident()

    def where() -> bool:
        """Report whether this ran in the main thread."""
        return threading.get_ident() == main

    t = Tool.from_function(where)
    assert t.call() is True
    assert asyncio.run(t.acall({})) is False


def test_decorator_name_description_and_callable():
    @tool(name="shout-it", description="Upper-case text.")
    def shout(text: str) -> str:
        return text.upper()

    assert isinstance(shout, Tool)
    assert shout.name == "shout-it" and shout.description == "Upper-case text."
    assert shout("hi") == "HI"  # still callable directly

    @tool
    def plain(x: int) -> int:
        """Double."""
        return 2 * x

    assert plain.call({"x": 4}) == 8


def test_methods_and_partials():
    class Greeter:
        def greet(self, who: str) -> str:
            """Say hello."""
            return f"hello {who}"

    t = Tool.from_function(Greeter().greet)
    assert list(t.parameters["properties"]) == ["who"]

    p = Tool.from_function(functools.partial(search, limit=1), name="search_one")
    assert p.call({"query": "q"})[0]["limit"] == 1


def test_bad_names_and_types_are_refused():
    def f(x: int) -> int:
        return x

    with pytest.raises(InputError, match="invalid"):
        Tool.from_function(f, name="has space")

    class Opaque:
        pass

    def g(thing: Opaque) -> None:
        """Take something opaque."""

    with pytest.raises(InputError, match="'thing'"):
        Tool.from_function(g)


def test_result_text():
    assert Tool.result_text("plain") == "plain"
    assert json.loads(Tool.result_text([{"a": 1}])) == [{"a": 1}]
