"""Shared CLI pieces: options, groups, error handling, output helpers."""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)

ModelOption = Annotated[
    Optional[str],
    typer.Option("--model", "-m", help="chat model: llamacpp/smollm2, openai/NAME (PLAIT_LLM_URL), scripted/echo; default PLAIT_MODEL"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print one JSON object for scripts")]
ItemsOutOption = Annotated[Optional[Path], typer.Option(
    "--items-out", help="write one row per item (model, item, score, max_score) for `plait eval rasch`: "
                        "a .csv or .jsonl file, replaced whole; concatenate the files of several runs")]
ItemsModelOption = Annotated[Optional[str], typer.Option(
    "--items-model", help="the model column of the --items-out rows (default: what the run evaluated)")]


def subgroup(app: typer.Typer, name: str, help: str = "") -> typer.Typer:
    """The command group ``name`` under ``app``, created on first use (shared by plugins)."""
    for group in app.registered_groups:
        if group.name == name and group.typer_instance is not None:
            return group.typer_instance
    sub = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(sub, name=name, help=help)
    return sub


CORE = "plait's built-in commands"


def _command_entries(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any, list]]:
    """(command path, its typer info, the list holding it) for every command and group under ``group``."""
    out: list[tuple[tuple[str, ...], Any, list]] = []
    for cmd in group.registered_commands:
        name = cmd.name or (cmd.callback.__name__.lower().replace("_", "-") if cmd.callback else "?")
        out.append((prefix + (name,), cmd, group.registered_commands))
    for sub in group.registered_groups:
        name = sub.name or (sub.typer_instance.info.name if sub.typer_instance else None) or "?"
        out.append((prefix + (name,), sub, group.registered_groups))
        if sub.typer_instance is not None:
            out.extend(_command_entries(sub.typer_instance, prefix + (name,)))
    return out


class CommandOwners:
    """Who added each command of the root app, so a plugin cannot replace another's command.

    Commands are a registry like the others: a second ``plait ingest`` (or ``plait math solve``)
    is refused, the first one stays, and the error names both owners.
    """

    def __init__(self, root: typer.Typer):
        self.root = root
        self.owner: dict[int, tuple[Any, str]] = {id(info): (info, CORE) for _, info, _ in _command_entries(root)}

    def claim(self, plugin: str, failed: bool = False) -> None:
        """Run after ``plugin``'s register_commands: take its new commands, refuse those that clash.

        If the plugin raised (``failed``), what it added before raising is removed: plait goes on
        without it, as with every other hook.
        """
        from plait.core.errors import RegistrationClash

        if failed:
            for _, info, holder in _command_entries(self.root):
                if id(info) not in self.owner:
                    holder[:] = [x for x in holder if x is not info]
            return
        clashes: list[str] = []
        while (clash := self._first_clash(plugin)) is not None:
            path, first, info, holder = clash
            holder[:] = [x for x in holder if x is not info]  # the earlier command stays
            other = self.owner[id(first)][1]
            owner = other if other == CORE else f"plugin {other!r}"
            clashes.append(f"command 'plait {' '.join(path)}' is registered by both {owner} and plugin {plugin!r}")
        if clashes:
            raise RegistrationClash(
                "; ".join(clashes) + f"; plugin {plugin!r}'s command was refused — uninstall one of them or "
                "limit loading with PLAIT_LOAD_PLUGINS", plugin=plugin,
            )

    def _first_clash(self, plugin: str) -> tuple[tuple[str, ...], Any, Any, list] | None:
        seen: dict[tuple[str, ...], Any] = {}
        holders: dict[int, list] = {}
        for path, info, holder in _command_entries(self.root):
            self.owner.setdefault(id(info), (info, plugin))
            holders[id(info)] = holder
            first = seen.setdefault(path, info)
            if first is info:
                continue
            if self.owner[id(info)][1] == plugin:
                return path, first, info, holder
            if self.owner[id(first)][1] == plugin:  # plugin's command walked before the other's group
                return path, info, first, holders[id(first)]
        return None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def settings_for(model: str | None = None):
    """Load settings, applying a ``--model`` override."""
    from plait.core.config import load_settings

    settings = load_settings()
    if model:
        settings.model = model
    return settings


def deprecated(old: str, new: str) -> None:
    """Say on stderr that a spelling still works this release but will go (scripts read stdout)."""
    err_console.print(f"[yellow]deprecated:[/yellow] {old} is now {new}; the old spelling goes in the next release",
                      highlight=False, soft_wrap=True)


def pick(new_value: Any, old_value: Any, old: str, new: str) -> Any:
    """The value of an option that has a new spelling: the new one wins; the old one warns."""
    if old_value is not None and new_value is None:
        deprecated(old, new)
        return old_value
    return new_value


def _reflow(text: str) -> str:
    """Join the hard-wrapped lines of each paragraph (docstrings wrap at 100 columns; terminals differ).

    Lines that start a list item or are indented (examples) keep their break.
    """
    out = []
    for para in inspect.cleandoc(text).split("\n\n"):
        lines = para.splitlines()
        if any(ln.startswith((" ", "-", "*", "$")) for ln in lines[1:]):
            out.append(para)
        else:
            out.append(" ".join(ln.strip() for ln in lines))
    return "\n\n".join(out)


def reflow_help(group: typer.Typer) -> None:
    """Give every command and group under ``group`` help text without hard line breaks."""
    for info in group.registered_commands:
        doc = info.help or (info.callback.__doc__ if info.callback else None)
        if doc:
            info.help = _reflow(doc)
    for sub in group.registered_groups:
        if sub.help:
            sub.help = _reflow(sub.help)
        if sub.typer_instance is not None:
            reflow_help(sub.typer_instance)


def _no_type_on_flags() -> None:
    """Typer prints ``<bool>`` after on/off flags, which take no value; show nothing there instead."""
    from typer.core import TyperOption

    plain = TyperOption.display_type_rich

    def display_type_rich(self, ctx):  # type: ignore[no-untyped-def]
        return None if getattr(self, "is_flag", False) else plain(self, ctx)

    TyperOption.display_type_rich = display_type_rich


_no_type_on_flags()
