"""Meta-tests: every hook in hookspecs.py is documented in docs/plugins.md with its signature and
an example, and every example is loaded as a plugin here and checked to register what it says
(so every hook has a test). The tutorial's code blocks run too."""

from __future__ import annotations

import inspect
import re
import types
from pathlib import Path

import pytest

from plait.cli.plugins_info import hook_names
from plait.core import hookspecs
from plait.core.host import REGISTRY_HOOKS, Host

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
TEXT = DOC.read_text(encoding="utf-8")


def section(title_prefix: str) -> str:
    """The text under the first heading starting with ``title_prefix``, up to the next heading of the same or higher level."""
    m = re.search(rf"^(#+) {re.escape(title_prefix)}.*$", TEXT, re.M)
    assert m, f"docs/plugins.md has no heading starting with {title_prefix!r}"
    level = len(m.group(1))
    rest = TEXT[m.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def signature(hook: str) -> str:
    params = inspect.signature(getattr(hookspecs, hook)).parameters
    return f"{hook}({', '.join(params)})"


def load_example(hook: str) -> types.ModuleType:
    blocks = [b for b in python_blocks(section(f"{signature(hook)}")) if f"def {hook}(" in b]
    assert len(blocks) == 1, f"the {hook} section needs one python example defining {hook}"
    module = types.ModuleType(f"docs_example_{hook}")
    exec(compile(blocks[0], f"docs/plugins.md:{hook}", "exec"), module.__dict__)
    return module


@pytest.mark.parametrize("hook", hook_names())
def test_hook_is_documented_with_signature_and_example(hook):
    assert re.search(rf"^### {re.escape(signature(hook))}$", TEXT, re.M), f"no '### {signature(hook)}' heading"
    body = section(signature(hook))
    assert len(body.split()) > 25, f"{hook}: say what it registers and what the factory gets"
    [block] = [b for b in python_blocks(body) if f"def {hook}(" in b]
    assert "@hookimpl" in block and re.search(r"^from plait import .*\bhookimpl\b", block, re.M)


def test_every_hook_in_the_reference_exists():
    documented = re.findall(r"^### (register_\w+)\(", TEXT, re.M)
    assert documented == hook_names()  # same hooks, hookspecs order


# -- each example, loaded as a plugin ---------------------------------------------------------------

def _host(hook: str, plait_host):
    host = plait_host(("docs", load_example(hook)))
    info = host.plugins["docs"]
    assert info.hooks == [hook] and info.error is None
    return host


def check_register_models(host, settings):
    from plait import get_chat_model

    model = get_chat_model("shout/loud", settings, host=host)  # factory(ctx), ctx.arg == "loud"
    assert model.name == "shout/loud"
    assert model.chat([{"role": "user", "content": "hi there"}]).text == "HI THERE"
    assert "".join(model.stream([{"role": "user", "content": "a b"}])) == "A B"


def check_register_embedders(host, settings):
    from plait import get_embedder

    emb = get_embedder("letters/v1", settings, host=host)
    assert emb.id == "letters/v1"
    [vec] = emb.embed(["abc"])
    assert len(vec) == emb.dim and abs(sum(v * v for v in vec) - 1) < 1e-9


def check_register_tools(host, settings):
    assert host.tools.get("word_count").call({"text": "a b a", "unique": True}) == 2
    later = host.tools.get("echo_later")
    assert later.is_async and later.call({"text": "hi"}) == "hi"


def check_register_retrieval_gates(host, settings):
    from plait import Context

    gate = host.gates.get("keywords")(Context(settings, name="keywords", host=host))
    assert gate.decide("what is plait?").retrieve is True
    assert gate.decide("hello").retrieve is False


def check_register_characters(host, settings):
    from plait.core.errors import NotFound

    from plait import Context, find_character

    source = host.characters.get("troupe")(Context(settings, name="troupe", host=host))
    assert find_character("stage-manager", host.characters, settings).name == "Stage Manager"
    assert source.load("stage-manager").name == "Stage Manager"
    with pytest.raises(NotFound):
        source.load("nobody")


def check_register_sandboxes(host, settings):
    from plait.sandbox.types import Limits

    from plait import Context
    from plait.core.config import Settings

    capped = Settings(home=settings.home, tables={"sandbox": {"short_leash_s": 1}})
    box = host.sandboxes.get("short-leash")(Context(capped, name="short-leash", host=host))
    ok, reason = box.available()
    if not ok:
        pytest.skip(f"bubblewrap unavailable: {reason}")
    result = box.run(["python3", "-c", "while True: pass"], files={}, stdin=b"", limits=Limits(timeout_s=30), env={})
    assert result.status == "timeout"  # the cap of 1 s, not the 30 s asked


def check_register_agents(host, settings):
    from plait.agents.base import AgentReply, AgentRequest, get_agent

    agent = get_agent("pirate", settings)
    reply = agent.invoke(AgentRequest([{"role": "user", "content": "ahoy"}]))
    assert reply.text == "Echo: ahoy"
    items = list(agent.stream(AgentRequest([{"role": "user", "content": "ahoy"}])))
    assert isinstance(items[-1], AgentReply) and "".join(items[:-1]) == items[-1].text


def check_register_pipelines(host, settings):
    from plait.pipeline.pipeline import get_pipeline

    pipeline = get_pipeline("shout", settings)  # plait pipeline run's path: factory(ctx)
    [stage] = pipeline.stages
    assert pipeline.name == "shout" and stage.fn([{"text": "hi"}]) == [{"text": "HI"}]


def check_register_commands(host, settings, plait_cli):
    from plait.cli.plugins_info import registered_commands

    assert registered_commands(host, "docs") == ["dice roll", "eval dice"]
    rolled = plait_cli("dice", "roll", "--sides", "20", "--seed", "3")
    assert rolled.exit_code == 0 and 1 <= int(rolled.stdout) <= 20
    assert plait_cli("eval", "dice").stdout.strip() == "fair"


def check_register_routes(host, settings):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    host.call_each("register_routes", app=app)
    assert TestClient(app).get("/v1/dice/roll?sides=3").json() == {"sides": 3, "result": 3}


def test_every_hook_has_an_example_check():
    assert sorted(n.removeprefix("check_") for n in globals() if n.startswith("check_")) == sorted(hook_names())


@pytest.mark.parametrize("hook", hook_names())
def test_documented_example_registers_what_it_says(hook, plait_home, plait_settings, plait_host, plait_cli):
    host = _host(hook, plait_host)
    if hook in REGISTRY_HOOKS:
        assert host.registered_by("docs"), f"the {hook} example registered nothing"
        assert list(host.registered_by("docs")) == [REGISTRY_HOOKS[hook]]
    check = globals()[f"check_{hook}"]
    if "plait_cli" in inspect.signature(check).parameters:
        check(host, plait_settings, plait_cli)
    else:
        check(host, plait_settings)


def test_tutorial_code_runs():
    namespace: dict = {}
    blocks = python_blocks(section("Tutorial: write a plugin"))
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, "docs/plugins.md:tutorial", "exec"), namespace)
    assert namespace["forecast"]("Lyon", 2)["forecast"] == ["sunny", "sunny"]


def test_safety_and_recovery_are_documented():
    safety = section("Safety")
    assert "arbitrary Python code" in safety and "editable" in safety
    assert "PLAIT_LOAD_PLUGINS='' plait plugins uninstall" in TEXT
    assert "PLAIT_TRACE_PLUGINS=1" in TEXT and "--strict" in TEXT


def test_plugins_list_json_keys_match_the_docs(plait_home, plait_host):
    from plait.cli.plugins_info import describe

    host = plait_host(("docs", load_example("register_tools")))
    [row] = describe(host)
    documented = set(re.findall(r'"(\w+)":', section("Using plugins")))
    assert set(row) <= documented


def test_examples_import_only_the_public_api():
    # a plugin author imports from `plait` (and `plait.testing` in tests); module paths may move
    for block in python_blocks(TEXT):
        for line in re.findall(r"^\s*(?:from|import) (plait\S*)", block, re.M):
            assert line in ("plait", "plait.testing", "plait.testing.conformance"), f"docs/plugins.md imports {line}"


@pytest.mark.parametrize("hook", [h for h in hook_names() if h in REGISTRY_HOOKS])
def test_examples_register_in_the_one_factory_shape(hook, plait_home, plait_host):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # an old shape would warn (and so fail here)
        host = plait_host(("docs", load_example(hook)), builtins=False)
    assert host.plugins["docs"].error is None
