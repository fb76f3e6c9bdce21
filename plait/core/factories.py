"""The one factory shape of every registry, and the adapters for the old shapes (one release).

Every registry but ``tools`` holds factories ``factory(ctx: plait.Context) -> T``:

    register("openai", factory)     # factory(ctx) -> ChatModel; "openai/gpt-4o" gives ctx.arg == "gpt-4o"
    register("uar", factory)        # factory(ctx) -> RetrievalGate
    register("docker", factory)     # factory(ctx) -> Sandbox; its config is ctx.table("sandbox")
    register("builtin", factory)    # factory(ctx) -> CharacterSource
    register("rag", factory)        # factory(ctx: AgentContext) -> Agent
    register("demo", factory)       # factory(ctx) -> Pipeline

Tools are values: ``register(fn_or_Tool, name=None)``. The host inspects a factory's signature once,
at registration; an old shape (``(name, config)`` for models and embedders, ``(settings)`` or
``(config)`` for gates, sandboxes and pipelines, a source instance for characters) is wrapped in a
:class:`LegacyFactory` with a DeprecationWarning naming the plugin.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any, Protocol, TypeVar

from plait.core.characters import CharacterSource
from plait.core.config import Settings
from plait.core.context import Context
from plait.core.errors import PluginError
from plait.core.gates import RetrievalGate
from plait.core.models.base import ChatModel, Embedder

T_co = TypeVar("T_co", covariant=True)


class Factory(Protocol[T_co]):
    """What a registry holds: ``factory(ctx) -> T``."""

    def __call__(self, ctx: Context) -> T_co:
        ...


ModelFactory = Factory[ChatModel]
EmbedderFactory = Factory[Embedder]
GateFactory = Factory[RetrievalGate]
CharacterSourceFactory = Factory[CharacterSource]
# Core may not import the sandbox, agents or pipeline layers: their factories return those layers'
# types (Sandbox, Agent with ctx an AgentContext, Pipeline), checked where they are used.
SandboxFactory = Factory[object]
AgentFactory = Factory[object]
PipelineFactory = Factory[object]

# The shape each registry takes, as the hookspecs' docstrings state it (tests compare the two).
SHAPES: dict[str, str] = {
    "models": "factory(ctx) -> ChatModel",
    "embedders": "factory(ctx) -> Embedder",
    "gates": "factory(ctx) -> RetrievalGate",
    "characters": "factory(ctx) -> CharacterSource",
    "sandboxes": "factory(ctx) -> Sandbox",
    "agents": "factory(ctx: AgentContext) -> Agent",
    "pipelines": "factory(ctx) -> Pipeline",
}

# The old one-argument shapes and the parameter names that announce them.
_OLD_PARAM_NAMES = {"settings", "config", "cfg", "conf", "table", "s"}
# Registries whose old one-argument factories took the [sandbox] table instead of the settings.
_OLD_TABLE = {"sandboxes": "sandbox"}

NEW, NAME_CONFIG, ONE_ARG, INSTANCE = "factory(ctx)", "factory(name, config)", "factory(settings)", "instance"


def _wants_context(param: inspect.Parameter) -> bool:
    ann = param.annotation
    if isinstance(ann, str):
        return ann.rsplit(".", 1)[-1].endswith("Context")
    return isinstance(ann, type) and issubclass(ann, Context)


def factory_shape(registry: str, value: Any) -> str:
    """Which shape ``value`` has, from its signature (looked at once, at registration)."""
    if registry == "characters" and not isinstance(value, type) and (
        not callable(value) or isinstance(value, CharacterSource)  # a source object, callable or not
    ):
        return INSTANCE
    if not callable(value):
        raise TypeError(f"must be a factory(ctx), got {type(value).__name__}")
    try:
        params = list(inspect.signature(value).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: trust the documented shape
        return NEW
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not positional:
        if any(p.kind == p.VAR_POSITIONAL for p in params):
            return NEW
        raise TypeError("takes no argument; a factory takes the context: factory(ctx)")
    first = positional[0]
    if _wants_context(first) or first.name in ("ctx", "context"):
        return NEW
    if registry in ("models", "embedders") and len(positional) >= 2:
        return NAME_CONFIG
    if first.name in _OLD_PARAM_NAMES and registry not in ("models", "embedders"):
        return ONE_ARG
    return NEW  # an unannotated single argument under another name: the documented shape


class LegacyFactory:
    """An old-shape factory (or a character source instance) behind the new ``factory(ctx)`` shape.

    Attributes are forwarded to what it wraps, so code that read a source instance straight from
    the registry (``registry.get("builtin").load(name)``) keeps working this release.
    """

    def __init__(self, value: Any, shape: str, registry: str, name: str):
        self.wrapped, self.shape, self.registry, self.registered_name = value, shape, registry, name

    def __call__(self, ctx: Context) -> Any:
        ctx = as_context(ctx, self.registered_name)
        if self.shape == INSTANCE:
            return self.wrapped
        if self.shape == NAME_CONFIG:
            return self.wrapped(ctx.arg if ctx.arg is not None else ctx.name, ctx.settings)
        table = _OLD_TABLE.get(self.registry)
        return self.wrapped(ctx.table(table) if table else ctx.settings)

    def __getattr__(self, attr: str) -> Any:
        if attr == "wrapped":  # not set yet (copy/pickle): no recursion
            raise AttributeError(attr)
        return getattr(self.wrapped, attr)

    def __repr__(self) -> str:
        return f"LegacyFactory({self.wrapped!r}, shape={self.shape!r})"


def adapt(registry: str, name: str, value: Any, plugin: str) -> Any:
    """``value`` as a ``factory(ctx)``: as is when it has the shape, else wrapped with a warning."""
    try:
        shape = factory_shape(registry, value)
    except TypeError as exc:
        expected = SHAPES.get(registry, "factory(ctx)")
        raise PluginError(f"plugin {plugin!r} registered {registry} {name!r}: {exc} (expected {expected})",
                          plugin=plugin) from None
    if shape == NEW:
        return value
    what = "a source instance" if shape == INSTANCE else f"the old shape {shape}"
    warnings.warn(
        f"plugin {plugin!r} registers {registry} {name!r} as {what}; register a {SHAPES[registry]} "
        f"instead (ctx is a plait.Context) — the old shape is accepted until the next release",
        DeprecationWarning, stacklevel=2,
    )
    return LegacyFactory(value, shape, registry, name)


def as_context(ctx: Any, name: str, *legacy: Any) -> Context:
    """``ctx`` when it is a Context; a Context built from an old-style call (``(settings)`` or
    ``(name, settings)``) otherwise, with a DeprecationWarning: callers pass a Context."""
    if isinstance(ctx, Context):
        return ctx
    if isinstance(ctx, str) and legacy and isinstance(legacy[0], Settings):  # factory(name, settings)
        arg, settings = ctx, legacy[0]
    elif isinstance(ctx, Settings):
        arg, settings = None, ctx
    else:
        raise TypeError(f"a factory takes a plait.Context, got {type(ctx).__name__}")
    warnings.warn("call registry factories with a plait.Context: factory(Context(settings, name=...))",
                  DeprecationWarning, stacklevel=3)
    return Context(settings, name=f"{name}/{arg}" if arg else name, arg=arg)
