"""Built-in plugin: characters (cards, plait TOML, examples), the ``character`` agent, and
``plait characters ...`` (list, show, import, export, remove, build-data, interview).

The whole capability lives here: the character store and card formats (``store``, ``cards``,
``tomlfile``, ``catalog``), the agent (``factory`` -> ``agent``, with ``graph``, ``state``,
``prompts``, ``lore``, ``memory``), Character-LLM data building (``pipeline``, ``scripts``), the
interview benchmark and the CLI. The ``Character`` type itself is a contract: ``plait.Character``.

Kept cheap to import: everything heavy loads inside the hook bodies' callees.
"""

from __future__ import annotations

from plait import hookimpl


@hookimpl
def register_characters(register):
    def builtin(ctx):
        from plait.plugins.characters.store import BuiltinSource

        return BuiltinSource().with_settings(ctx.settings)

    register("builtin", builtin)


@hookimpl
def register_agents(register):
    from plait.plugins.characters.factory import AGENT_NAME, CharacterAgentFactory

    register(AGENT_NAME, CharacterAgentFactory())


@hookimpl
def register_commands(cli):
    from plait.plugins.characters.cli import register

    register(cli)


@hookimpl
def register_pipelines(register):
    from plait.plugins.characters.pipeline import NAME, registered

    register(NAME, lambda ctx: registered(ctx.settings))
