"""Every plait hook. Each takes a ``register`` callback (as in Simon Willison's ``llm``).

A plugin implements any subset with ``@plait.hookimpl``. What a hook registers is validated
by the host and kept in its registries; a name registered twice is an error naming both plugins.

Every registry takes factories of one shape, ``register(name, factory)`` with
``factory(ctx: plait.Context) -> T`` (``ctx.settings``, ``ctx.name``, ``ctx.arg``, ``ctx.options``,
``ctx.host``); tools are values. The shapes are :data:`plait.core.factories.SHAPES`, and a test
checks each docstring below against them.
"""

from __future__ import annotations

from typing import Any, Callable

import pluggy

hookspec = pluggy.HookspecMarker("plait")
hookimpl = pluggy.HookimplMarker("plait")

Register = Callable[..., None]


@hookspec
def register_models(register: Register) -> None:
    """Register chat model backends: ``register(name, factory)``; ``factory(ctx) -> ChatModel``.

    ``"openai/gpt-4o"`` resolves to the factory registered as ``openai``, with ``ctx.arg == "gpt-4o"``.
    """


@hookspec
def register_embedders(register: Register) -> None:
    """Register embedding backends: ``register(name, factory)``; ``factory(ctx) -> Embedder``.

    ``"local/all-MiniLM-L6-v2"`` resolves to the factory registered as ``local``, with ``ctx.arg`` the rest.
    """


@hookspec
def register_tools(register: Register) -> None:
    """Register tools for agents: ``register(function_or_Tool, name=None)``; a tool is a value, not a factory.

    A function becomes a ``plait.Tool`` (schema from its signature and docstring); agents find it in
    ``ctx.tools`` by name.
    """


@hookspec
def register_retrieval_gates(register: Register) -> None:
    """Register retrieval gates: ``register(name, factory)``; ``factory(ctx) -> RetrievalGate``."""


@hookspec
def register_characters(register: Register) -> None:
    """Register character sources: ``register(name, factory)``; ``factory(ctx) -> CharacterSource``.

    A source lists and loads characters (``plait.CharacterSource``).
    """


@hookspec
def register_sandboxes(register: Register) -> None:
    """Register sandbox backends: ``register(name, factory)``; ``factory(ctx) -> Sandbox``.

    The backend's settings are ``ctx.table("sandbox")``.
    """


@hookspec
def register_agents(register: Register) -> None:
    """Register agent graphs: ``register(name, factory)``; ``factory(ctx: AgentContext) -> Agent``.

    ``ctx`` also carries ``ctx.model`` and ``ctx.tools`` (name -> ``plait.Tool``); ``"character/ada"``
    resolves to the factory registered as ``character`` with ``ctx.arg == "ada"``.
    """


@hookspec
def register_pipelines(register: Register) -> None:
    """Register batch pipelines: ``register(name, factory)``; ``factory(ctx) -> Pipeline`` (``plait.pipeline.Pipeline``).

    ``plait pipeline run NAME`` builds the pipeline with the current settings and runs it on the
    local or the Ray executor; its output goes under ``PLAIT_HOME/runs/NAME/``.
    """


@hookspec
def register_commands(cli: Any) -> None:
    """Add CLI commands or command groups to the root typer app ``cli``."""


@hookspec
def register_routes(app: Any) -> None:
    """Add HTTP routes to the FastAPI ``app`` of ``plait serve``."""
