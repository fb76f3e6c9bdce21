"""``plait models|tools|agents list``: what the loaded plugins registered, one registry each.

``plait plugins list`` answers "which plugin brought what"; these answer "what can I use".
"""

from __future__ import annotations

from typing import Any

import typer

from plait.cli.common import JsonOption, console, print_json, subgroup


def _rows_out(rows: list[dict[str, Any]], json_out: bool, columns: tuple[str, ...]) -> None:
    if json_out:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in columns:
        table.add_column(col)
    for r in rows:
        table.add_row(*[str(r.get(c) if r.get(c) is not None else "") for c in columns])
    console.print(table)


def models_list(json_out: JsonOption = False) -> None:
    """Chat-model and embedder backends (use as PREFIX/NAME), the configured ones, and the local GGUF
    models (packaged, named in [models.NAME], or shipped inside installed packages)."""
    from plait.core.config import load_settings
    from plait.core.host import get_host
    from plait.core.models.llamacpp import local_models

    host, settings = get_host(), load_settings()
    rows: list[dict[str, Any]] = []
    for kind, registry, configured in (("chat", host.models, settings.model), ("embedder", host.embedders, settings.embedder)):
        for name in registry.names():
            rows.append({"kind": kind, "backend": name, "plugin": registry.entry(name).plugin,
                         "configured": configured if configured.partition("/")[0] == name else None})
    local = [{"kind": "local", "backend": "llamacpp", **row,
              "configured": settings.model if settings.model == row["model"] else None}
             for row in local_models(settings)]
    if json_out:
        print_json(rows + local)
        return
    _rows_out(rows, False, ("kind", "backend", "plugin", "configured"))
    console.print("\nLocal GGUF models (use as --model MODEL):")
    _rows_out(local, False, ("model", "source", "path", "configured"))


def tools_list(json_out: JsonOption = False) -> None:
    """Tools agents can offer their model (name, plugin, description, JSON schema with --json)."""
    from plait.core.host import get_host

    reg = get_host().tools
    rows = []
    for name in reg.names():
        tool = reg.get(name)
        schema = tool.openai_schema()
        rows.append({"name": name, "plugin": reg.entry(name).plugin,
                     "description": schema["function"].get("description", ""), "schema": schema})
    if json_out:
        print_json(rows)
        return
    _rows_out(rows, False, ("name", "plugin", "description"))


def _agent_rows(name: str, factory: Any, plugin: str, settings: Any) -> list[dict[str, Any]]:
    from plait.agents.base import AgentContext, SupportsVariants

    if isinstance(factory, SupportsVariants):
        return [{"name": v.name, "plugin": plugin, "description": v.description} for v in factory.variants(settings)]
    try:
        agent = factory(AgentContext(settings, name=name))
        description = getattr(agent, "description", "")
    except Exception as exc:  # an agent that cannot be built here is still listed, with why
        description = f"(unavailable: {exc})"
    return [{"name": name, "plugin": plugin, "description": description}]


def agents_list(json_out: JsonOption = False) -> None:
    """Agents (and their variants, e.g. character/<slug>) that `plait ask|chat --agent` and the API serve."""
    from plait.core.config import load_settings
    from plait.core.host import get_host

    reg, settings = get_host().agents, load_settings()
    rows = [row for name in reg.names() for row in _agent_rows(name, reg.get(name), reg.entry(name).plugin, settings)]
    _rows_out(rows, json_out, ("name", "plugin", "description"))


def register(app: typer.Typer) -> None:
    for noun, help_text, command in (
        ("models", "Model and embedder backends.", models_list),
        ("tools", "Tools agents can call.", tools_list),
        ("agents", "Agents and their variants.", agents_list),
    ):
        subgroup(app, noun, help_text).command("list")(command)
