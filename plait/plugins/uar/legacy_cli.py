"""The UAR commands' old spellings under ``plait gate``, kept one release, hidden from --help.

Each says where it moved (on stderr) and then does the same thing as its new spelling.
"""

from __future__ import annotations

import functools

from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import JsonOption, deprecated


def _moved(old: str, new: str, command):
    @functools.wraps(command)  # typer reads the options from the wrapped signature and its annotations
    def forward(*args, **kwargs):
        deprecated(f"`plait gate {old}`", f"`{new}`")
        return command(*args, **kwargs)

    return forward


def old_calibrate(
    good: Annotated[Path, typer.Option("--good")],
    bad: Annotated[Path, typer.Option("--bad")],
    k: Annotated[Optional[int], typer.Option("-k", "--top-k")] = None,
    write: Annotated[bool, typer.Option("--write/--no-write")] = True,
    json_out: JsonOption = False,
) -> None:
    """Old spelling of `plait eval calibrate`: two files of questions, answerable and not."""
    from plait.cli.eval_cmd import calibrate_questions

    deprecated("`plait gate calibrate --good G --bad B`", "`plait eval calibrate --data FILE` (rows {question, answerable})")
    calibrate_questions(good=good, bad=bad, k=k, write=write, json_out=json_out)


def register_legacy(gate: typer.Typer) -> None:
    from plait.plugins.uar import cli

    for old, command in (("train", cli.train), ("label-self", cli.label_self), ("heads", cli.heads)):
        gate.command(old, hidden=True)(_moved(old, f"plait gate uar {old}", command))
    gate.command("calibrate", hidden=True)(old_calibrate)



