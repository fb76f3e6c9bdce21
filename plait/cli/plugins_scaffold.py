"""``plait plugins new``: write a plugin package that installs and passes its own tests unchanged."""

from __future__ import annotations

import re
from pathlib import Path

from plait import __version__
from plait.core.errors import InputError

CAPABILITIES = {  # capability -> hook it implements
    "tool": "register_tools",
    "command": "register_commands",
    "model": "register_models",
    "embedder": "register_embedders",
    "gate": "register_retrieval_gates",
    "agent": "register_agents",
    "route": "register_routes",
}

HEADER = '''"""__DESC__

A plait plugin: plait finds it through the entry point in the group ``plait`` (pyproject.toml)
and calls the hooks below. Heavy imports belong inside functions so start-up stays fast.
"""

from __future__ import annotations

from plait import hookimpl

PLUGIN = "__NAME__"
TOOL_NAMES: list[str] = []  # this plugin's tools, offered to its agent (if it has one)
'''

MODULE = {
    "tool": '''

def word_count(text: str, unique: bool = False) -> int:
    """Count the words in a text.

    Args:
        text: the text whose words are counted
        unique: count each distinct word (ignoring case) once
    """
    words = text.split()
    return len({w.lower() for w in words}) if unique else len(words)


TOOL_NAMES.append("__MODULE___word_count")


@hookimpl
def register_tools(register):
    register(word_count, name="__MODULE___word_count")
''',
    "command": '''

@hookimpl
def register_commands(cli):
    import typer

    group = typer.Typer(help="Commands of the __NAME__ plugin.", no_args_is_help=True)

    @group.command("hello")
    def hello(name: str = typer.Option("world", "--name", help="who to greet")) -> None:
        """Print a greeting."""
        typer.echo(f"Hello, {name}! (from {PLUGIN})")

    @group.command("version")
    def version() -> None:
        """Print the plugin's version."""
        typer.echo("0.1.0")

    cli.add_typer(group, name=PLUGIN)
''',
    "model": '''

class ReverseModel:
    """A chat model answering with the last user message reversed; replace with a real backend."""

    def __init__(self, name: str):
        self.name = f"{PLUGIN}/{name}"

    def chat(self, messages, options=None):
        from plait import ChatOptions, ChatResult, Choice

        options = options or ChatOptions()
        last = next((m.get("content") or "" for m in reversed(messages) if m.get("role") == "user"), "")
        text = str(last)[::-1]
        return ChatResult([Choice(text, finish_reason="stop") for _ in range(max(1, options.n))], model=self.name)

    def stream(self, messages, options=None):
        text = self.chat(messages, options).text
        for start in range(0, len(text), 4):
            yield text[start : start + 4]


@hookimpl
def register_models(register):
    register(PLUGIN, lambda ctx: ReverseModel(ctx.arg))  # factory(ctx); ctx.arg: what follows "__NAME__/"
''',
    "embedder": '''

class TrigramEmbedder:
    """Hashes character trigrams into a unit vector; replace with a real embedding model."""

    max_tokens = 4096

    def __init__(self, name: str, dim: int = 128):
        self.id = f"{PLUGIN}/{name}"
        self.dim = dim

    def embed(self, texts):
        import hashlib
        import math

        out = []
        for text in texts:
            vec = [0.0] * self.dim
            padded = f"  {text.lower()} "
            for i in range(len(padded) - 2):
                digest = hashlib.blake2b(padded[i : i + 3].encode(), digest_size=4).digest()
                vec[int.from_bytes(digest, "little") % self.dim] += 1.0
            norm = math.sqrt(sum(v * v for v in vec)) or 1.0
            out.append([v / norm for v in vec])
        return out

    def count_tokens(self, text):
        return len(text.split())


@hookimpl
def register_embedders(register):
    register(PLUGIN, lambda ctx: TrigramEmbedder(ctx.arg))
''',
    "gate": '''

class QuestionMarkGate:
    """Retrieve for questions (text ending in '?'); replace with your own decision."""

    name = PLUGIN

    def decide(self, question, history=None):
        from plait import GateDecision

        is_question = question.strip().endswith("?")
        return GateDecision(is_question, "question-mark", {"question": 1.0 if is_question else 0.0})


@hookimpl
def register_retrieval_gates(register):
    register(PLUGIN, lambda ctx: QuestionMarkGate())  # factory(ctx); settings: ctx.table(PLUGIN)
''',
    "agent": '''

class AssistantAgent:
    """Answers with the configured chat model, which may call this plugin's tools through the
    OpenAI tool-calling protocol; grow it into a LangGraph graph (plait.GraphAgent)."""

    description = "Answers with the configured chat model and this plugin's tools."
    max_tool_rounds = 4

    def __init__(self, ctx):
        self.context = ctx  # a plait.AgentContext: settings, model, tools (every registered tool by name)
        self.name = PLUGIN

    def _messages(self, request):
        return [{"role": "system", "content": "You are a helpful assistant."}, *request.messages]

    def _answer(self, request):
        """Ask the model; run each tool it calls and give it the results, until it answers."""
        import json

        from plait import ChatOptions

        model, messages = self.context.model, self._messages(request)
        tools = {name: tool for name, tool in self.context.tools.items() if name in TOOL_NAMES}
        options = ChatOptions(tools=[tool.openai_schema() for tool in tools.values()] or None)
        for _ in range(self.max_tool_rounds):
            result = model.chat(messages, options)
            if not result.tool_calls:
                return result.text
            messages.append({"role": "assistant", "content": result.text or None, "tool_calls": [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in result.tool_calls]})
            for call in result.tool_calls:
                tool = tools.get(call.name)
                output = tool.call(call.arguments) if tool else f"no tool named {call.name!r}"
                messages.append({"role": "tool", "tool_call_id": call.id, "name": call.name,
                                 "content": json.dumps(output)})
        return model.chat(messages).text  # out of rounds: answer without tools

    def invoke(self, request):
        from plait import AgentReply

        return AgentReply(self._answer(request), session=request.session)

    def stream(self, request):
        from plait import AgentReply

        if TOOL_NAMES:  # tool rounds need whole replies; the answer is one delta
            text = self._answer(request)
            yield text
            yield AgentReply(text, session=request.session)
            return
        parts = []
        for delta in self.context.model.stream(self._messages(request)):
            parts.append(delta)
            yield delta
        yield AgentReply("".join(parts), session=request.session)


@hookimpl
def register_agents(register):
    register(PLUGIN, AssistantAgent)
''',
    "route": '''

@hookimpl
def register_routes(app):
    @app.get(f"/plugins/{PLUGIN}/hello")
    def hello() -> dict:
        return {"plugin": PLUGIN, "hello": "world"}
''',
}

TEST_HEADER = '''"""Tests of __NAME__ with the fixtures and conformance suites of ``plait.testing``."""

from __future__ import annotations

import __MODULE__ as plugin
from plait.testing.conformance import __SUITES__


def test_entry_point_is_installed(plait_host):
    """After `pip install -e .` plait finds the plugin through its entry point."""
    host = plait_host("__NAME__")
    assert "__NAME__" in host.plugins
    assert host.plugins["__NAME__"].hooks == __HOOKS__
'''

TESTS = {
    "tool": ('ToolConformance', '''

class TestWordCountTool(ToolConformance):
    tool_function = plugin.word_count
    example_arguments = {"text": "to be or not to be", "unique": True}
    expected_result = 4


def test_tool_is_registered(plait_host):
    host = plait_host(plugin)
    assert host.tools.get("__MODULE___word_count").call({"text": "a b c"}) == 3
'''),
    "command": (None, '''

def test_hello_command(plait_host, plait_cli):
    plait_host(plugin)
    result = plait_cli("__NAME__", "hello", "--name", "tests")
    assert result.exit_code == 0, result.output
    assert "Hello, tests!" in result.stdout
'''),
    "model": ('ModelBackendConformance', '''

class TestReverseModel(ModelBackendConformance):
    plugins = [plugin]
    model_name = "__NAME__/reverse"


def test_model_reverses(plait_host, plait_settings):
    from plait import get_chat_model

    plait_host(plugin)
    model = get_chat_model("__NAME__/reverse", plait_settings)
    assert model.chat([{"role": "user", "content": "abc"}]).text == "cba"
'''),
    "embedder": ('EmbedderConformance', '''

class TestTrigramEmbedder(EmbedderConformance):
    plugins = [plugin]
    embedder_name = "__NAME__/trigram"
'''),
    "gate": ('RetrievalGateConformance', '''

class TestQuestionMarkGate(RetrievalGateConformance):
    plugins = [plugin]
    gate_name = "__NAME__"


def test_gate_decisions():
    gate = plugin.QuestionMarkGate()
    assert gate.decide("Where is the manual?").retrieve is True
    assert gate.decide("thanks").retrieve is False
'''),
    "agent": ('AgentConformance', '''

class TestAssistantAgent(AgentConformance):
    plugins = [plugin]
    agent_name = "__NAME__"


def test_agent_asks_the_configured_model(plait_home, plait_host, scripted_model):
    from plait import AgentRequest, get_agent

    plait_host(plugin, model=scripted_model)
    scripted_model.queue("Hi there!")
    reply = get_agent("__NAME__").invoke(AgentRequest([{"role": "user", "content": "hello"}]))
    assert reply.text == "Hi there!"
    messages, _options = scripted_model.calls[0]
    assert messages[-1] == {"role": "user", "content": "hello"}
'''),
    "route": (None, '''

def test_route():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    plugin.register_routes(app)
    assert TestClient(app).get("/plugins/__NAME__/hello").json() == {"plugin": "__NAME__", "hello": "world"}
'''),
}

# With both a tool and an agent: the agent really calls the tool through OpenAI tool calling.
TOOL_AGENT_TEST = '''

def test_agent_calls_the_tool(plait_home, plait_host, scripted_model):
    from plait import AgentRequest, ChatResult, Choice, ToolCall, get_agent

    plait_host(plugin, model=scripted_model)
    call = ToolCall("call_1", "__MODULE___word_count", '{"text": "to be or not to be", "unique": true}')
    scripted_model.queue(ChatResult([Choice("", [call], "tool_calls")]), "There are 4 distinct words.")
    reply = get_agent("__NAME__").invoke(AgentRequest([{"role": "user", "content": "How many distinct words?"}]))
    assert reply.text == "There are 4 distinct words."
    (first, options), (second, _) = scripted_model.calls
    assert [t["function"]["name"] for t in options.tools] == ["__MODULE___word_count"]
    assert second[-1] == {"role": "tool", "tool_call_id": "call_1", "name": "__MODULE___word_count", "content": "4"}
'''

PYPROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "__NAME__"
version = "0.1.0"
description = "__DESC__"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["plait>=__PLAIT__"]

[project.optional-dependencies]
test = ["pytest>=8"]

# plait loads every entry point in the group "plait": NAME = "module"
[project.entry-points.plait]
__NAME__ = "__MODULE__"

[tool.setuptools]
py-modules = ["__MODULE__"]

[tool.pytest.ini_options]
testpaths = ["tests"]
'''

README = '''# __NAME__

__DESC__

A [plait](https://github.com/) plugin. It implements: __HOOKLIST__.

## Install

    plait plugins install ./__NAME__        # or: pip install -e ./__NAME__ while developing
    plait plugins list                      # shows __NAME__ and what it registered

__USAGE__
## Develop

    pip install -e '.[test]'
    python -m pytest

The tests use the fixtures plait ships as a pytest plugin (`plait_home`, `plait_host`,
`scripted_model`, `plait_cli`, ...) and the conformance suites in `plait.testing.conformance`.

A plugin runs with your permissions: publish its source, and keep its imports cheap
(import heavy libraries inside functions).
'''


def module_name(name: str) -> str:
    module = re.sub(r"\W+", "_", name.strip().lower()).strip("_")
    return f"p_{module}" if module[:1].isdigit() else module


def scaffold(name: str, capabilities: list[str], parent: Path, description: str | None) -> tuple[Path, list[str]]:
    """Write the package ``parent/name``; returns (folder, relative file paths)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise InputError(f"plugin name {name!r} is not a valid package name: use letters, digits, '-', '_' or '.'")
    caps: list[str] = []
    for cap in capabilities:
        for item in cap.split(","):
            item = item.strip().lower()
            if item == "all":
                caps.extend(CAPABILITIES)
            elif item in CAPABILITIES:
                caps.append(item)
            elif item:
                raise InputError(f"unknown capability {item!r}; choose from {', '.join(CAPABILITIES)} or all")
    caps = [c for c in CAPABILITIES if c in caps]  # canonical order, no repeats
    if not caps:
        raise InputError("choose at least one capability")
    target = parent / name
    if target.exists() and any(target.iterdir()):
        raise InputError(f"{target} already exists and is not empty; pick another name or --dir")
    module = module_name(name)
    desc = (description or f"A plait plugin: {', '.join(caps)}.").replace('"', "'")
    hooks = sorted(CAPABILITIES[c] for c in caps)
    suites = sorted({TESTS[c][0] for c in caps if TESTS[c][0]})

    def fill(text: str) -> str:
        return (text.replace("__NAME__", name).replace("__MODULE__", module).replace("__DESC__", desc)
                .replace("__PLAIT__", __version__).replace("__HOOKS__", repr(hooks))
                .replace("__SUITES__", ", ".join(suites) if suites else "ToolConformance  # noqa: F401"))

    usage = ""
    if "command" in caps:
        usage = f"## Use\n\n    plait {name} hello --name you\n\n"
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README.replace("__HOOKLIST__", ", ".join(f"`{h}`" for h in hooks)).replace("__USAGE__", usage),
        f"{module}.py": HEADER + "".join(MODULE[c] for c in caps),
        "tests/test_plugin.py": TEST_HEADER + "".join(TESTS[c][1] for c in caps)
        + (TOOL_AGENT_TEST if {"tool", "agent"} <= set(caps) else ""),
    }
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(fill(text), encoding="utf-8")
    return target, sorted(files)
