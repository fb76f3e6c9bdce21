"""One factory shape for every registry, ``factory(ctx: plait.Context) -> T``; the old shapes adapted
for one release with a DeprecationWarning naming the plugin; hookspec docstrings match the code."""

from __future__ import annotations

import inspect
import warnings

import pytest

from plait import Context, hookimpl
from plait.agents.base import AgentContext, get_agent
from plait.core import hookspecs
from plait.core.config import Settings
from plait.core.errors import PluginError
from plait.core.factories import SHAPES, LegacyFactory
from plait.core.host import REGISTRY_HOOKS, Host, set_host
from plait.core.models import get_chat_model, get_embedder


class Seen:
    """Records what each factory was called with."""

    def __init__(self):
        self.calls: dict[str, object] = {}

    def factory(self, key: str, value: object):
        def make(ctx: Context):
            self.calls[key] = ctx
            return value

        return make


class NewShape:
    def __init__(self, seen: Seen):
        self.seen = seen

    @hookimpl
    def register_models(self, register):
        register("shout", self.seen.factory("model", "a model"))

    @hookimpl
    def register_embedders(self, register):
        register("letters", self.seen.factory("embedder", "an embedder"))

    @hookimpl
    def register_retrieval_gates(self, register):
        register("keywords", self.seen.factory("gate", "a gate"))

    @hookimpl
    def register_characters(self, register):
        register("troupe", self.seen.factory("character source", "a source"))

    @hookimpl
    def register_sandboxes(self, register):
        register("leash", self.seen.factory("sandbox", "a sandbox"))

    @hookimpl
    def register_agents(self, register):
        register("echoer", self.seen.factory("agent", "an agent"))

    @hookimpl
    def register_pipelines(self, register):
        register("shouting", self.seen.factory("pipeline", "a pipeline"))


@pytest.fixture
def settings(tmp_path):
    return Settings(home=tmp_path)


def test_model_name_resolves_to_the_registered_prefix_with_the_rest_as_arg(settings):
    seen = Seen()
    host = Host(builtins=False, entry_points=False, extra_plugins=[("new", NewShape(seen))], strict=True)
    assert get_chat_model("shout/loud-v2", settings, host=host, temperature=0) == "a model"
    ctx = seen.calls["model"]
    assert isinstance(ctx, Context)
    assert (ctx.name, ctx.arg, ctx.options, ctx.host, ctx.settings) == ("shout/loud-v2", "loud-v2", {"temperature": 0}, host, settings)
    assert get_embedder("letters/v1", settings, host=host) == "an embedder"
    assert seen.calls["embedder"].arg == "v1"


def test_new_shape_factories_are_stored_as_registered_without_a_warning():
    seen = Seen()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the new shape must not warn
        host = Host(builtins=False, entry_points=False, extra_plugins=[("new", NewShape(seen))], strict=True)
    for attr in REGISTRY_HOOKS.values():
        registry = getattr(host, attr)
        for name in registry.names():
            assert not isinstance(registry.get(name), LegacyFactory), (attr, name)


def test_agents_get_an_agent_context(settings):
    seen = Seen()
    host = Host(builtins=False, entry_points=False, extra_plugins=[("new", NewShape(seen))], strict=True)
    set_host(host)
    try:
        assert get_agent("echoer", settings) == "an agent"
    finally:
        set_host(None)
    assert isinstance(seen.calls["agent"], AgentContext)


class OldShapes:
    @hookimpl
    def register_models(self, register):
        register("old", lambda name, config: ("model", name, config))

    @hookimpl
    def register_retrieval_gates(self, register):
        register("old-gate", lambda settings: ("gate", settings))

    @hookimpl
    def register_sandboxes(self, register):
        register("old-box", lambda config: ("sandbox", dict(config)))

    @hookimpl
    def register_characters(self, register):
        register("old-source", Troupe())

    @hookimpl
    def register_pipelines(self, register):
        register("old-pipe", lambda settings=None: ("pipeline", settings))


class Troupe:
    def names(self) -> list[str]:
        return ["ada"]

    def load(self, name: str):
        return name


def test_old_shapes_are_adapted_with_a_warning_naming_the_plugin(settings):
    with pytest.warns(DeprecationWarning) as caught:
        host = Host(builtins=False, entry_points=False, extra_plugins=[("plait-oldies", OldShapes())], strict=True)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 5 and all("plait-oldies" in m for m in messages)
    assert any("'old-gate'" in m and "factory(ctx) -> RetrievalGate" in m for m in messages)

    assert get_chat_model("old/m1", settings, host=host) == ("model", "m1", settings)
    assert host.gates.get("old-gate")(Context(settings)) == ("gate", settings)
    boxed = Settings(home=settings.home, tables={"sandbox": {"timeout_s": 3}})
    assert host.sandboxes.get("old-box")(Context(boxed)) == ("sandbox", {"timeout_s": 3})  # the [sandbox] table
    source = host.characters.get("old-source")(Context(settings))
    assert isinstance(source, Troupe)
    assert host.characters.get("old-source").load("ada") == "ada"  # read straight from the registry: still works
    assert host.pipelines.get("old-pipe")(Context(settings)) == ("pipeline", settings)


def test_an_old_style_call_site_still_reaches_an_adapted_factory(settings):
    # callers that still pass settings (not a Context) keep working this release, with a warning
    with pytest.warns(DeprecationWarning):
        host = Host(builtins=False, entry_points=False, extra_plugins=[("oldies", OldShapes())], strict=True)
    with pytest.warns(DeprecationWarning, match="plait.Context"):
        assert host.gates.get("old-gate")(settings) == ("gate", settings)


def test_a_factory_that_takes_no_context_is_refused_naming_plugin_and_shape():
    class NoArgs:
        @hookimpl
        def register_retrieval_gates(self, register):
            register("lazy", lambda: None)

    with pytest.raises(PluginError, match=r"plugin 'noargs'.*'lazy'.*factory\(ctx\) -> RetrievalGate"):
        Host(builtins=False, entry_points=False, extra_plugins=[("noargs", NoArgs())], strict=True)


def test_registries_are_typed_by_factory():
    source = inspect.getsource(Host.__init__)  # attribute annotations are not kept at runtime: read them
    assert "Registry[Any]" not in source and "Registry[Callable]" not in source
    for attr in REGISTRY_HOOKS.values():
        assert f"self.{attr}: Registry[" in source, attr


@pytest.mark.parametrize("hook,attr", sorted(REGISTRY_HOOKS.items()))
def test_each_hookspec_docstring_names_the_shape_the_host_enforces(hook, attr):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    if attr == "tools":
        assert "register(function_or_Tool, name=None)" in doc
        return
    assert "register(name, factory)" in doc
    assert f"``{SHAPES[attr]}``" in doc, f"{hook}'s docstring must say {SHAPES[attr]}"


def test_shapes_table_matches_what_factories_receive(settings):
    # what the docstrings promise (SHAPES) is what the host passes: a Context, an AgentContext for agents
    seen = Seen()
    host = Host(builtins=False, entry_points=False, extra_plugins=[("new", NewShape(seen))], strict=True)
    set_host(host)
    try:
        get_agent("echoer", settings)
        get_chat_model("shout/x", settings, host=host)
        get_embedder("letters/x", settings, host=host)
        for attr, name in (("gates", "keywords"), ("characters", "troupe"), ("sandboxes", "leash"), ("pipelines", "shouting")):
            getattr(host, attr).get(name)(Context(settings, name=name, host=host))
    finally:
        set_host(None)
    for key, ctx in seen.calls.items():
        assert isinstance(ctx, Context), key
    assert ("AgentContext" in SHAPES["agents"]) == isinstance(seen.calls["agent"], AgentContext)
