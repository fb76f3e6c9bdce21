"""Every plait hook. Each takes a ``register`` callback (as in Simon Willison's ``llm``).

A plugin implements any subset with ``@plait.hookimpl``. What a hook registers is validated
by the host and kept in its registries; a name registered twice is an error naming both plugins.
"""

from __future__ import annotations

from typing import Any, Callable

import pluggy

hookspec = pluggy.HookspecMarker("plait")
hookimpl = pluggy.HookimplMarker("plait")

Register = Callable[..., None]


@hookspec
def register_models(register: Register) -> None:
    """Register chat model backends: ``register(prefix, factory)``; ``factory(name, config) -> ChatModel``."""


@hookspec
def register_embedders(register: Register) -> None:
    """Register embedding backends: ``register(prefix, factory)``; ``factory(name, config) -> Embedder``."""


@hookspec
def register_tools(register: Register) -> None:
    """Register tools for agents: ``register(function_or_Tool, name=None)``."""


@hookspec
def register_retrieval_gates(register: Register) -> None:
    """Register retrieval gates: ``register(name, factory)``; ``factory(config) -> RetrievalGate``."""


@hookspec
def register_characters(register: Register) -> None:
    """Register character sources: ``register(name, source)``; a source lists and loads characters."""


@hookspec
def register_sandboxes(register: Register) -> None:
    """Register sandbox backends: ``register(name, factory)``; ``factory(config) -> Sandbox``."""


@hookspec
def register_agents(register: Register) -> None:
    """Register agent graphs: ``register(name, factory)``; ``factory(context) -> Agent``."""


@hookspec
def register_pipelines(register: Register) -> None:
    """Register batch pipelines: ``register(name, factory)``; ``factory(settings) -> plait.pipeline.Pipeline``.

    ``plait pipeline run NAME`` builds the pipeline with the current settings and runs it on the
    local or the Ray executor; its output goes under ``PLAIT_HOME/runs/NAME/``.
    """


@hookspec
def register_commands(cli: Any) -> None:
    """Add CLI commands or command groups to the root typer app ``cli``."""


@hookspec
def register_routes(app: Any) -> None:
    """Add HTTP routes to the FastAPI ``app`` of ``plait serve``."""
