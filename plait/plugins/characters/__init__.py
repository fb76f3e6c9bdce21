"""Built-in plugin: characters (cards, plait TOML, examples), the ``character`` agent, and
``plait characters ...`` (list, show, import, export, remove, build-data, interview).

Kept cheap to import: everything heavy loads inside the hook bodies' callees.
"""

from __future__ import annotations

from plait import hookimpl


@hookimpl
def register_characters(register):
    from plait.plugins.characters.store import BuiltinSource

    register("builtin", BuiltinSource())


def _character_agent(context):
    from plait.agents.character import make_agent
    from plait.core.errors import InputError
    from plait.plugins.characters.store import find_character

    if not context.arg:
        raise InputError("the character agent needs a character: use agent `character/NAME` (see `plait characters list`)")
    return make_agent(context, find_character(context.arg, context.settings))


@hookimpl
def register_agents(register):
    register("character", _character_agent)


@hookimpl
def register_commands(cli):
    from plait.plugins.characters.cli import register

    register(cli)
