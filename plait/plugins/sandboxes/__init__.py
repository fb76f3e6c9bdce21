"""Built-in plugin: the sandbox backends (docker, bubblewrap, process) and ``plait sandbox ...``.

Each factory takes the one context, ``factory(ctx) -> Sandbox``, and reads ``[sandbox]`` from it.
The docker backend needs the Docker SDK, the extra ``plait[sandbox]``; without it the backend says so
when asked (``plait sandbox backends``) and the others keep working.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

from plait import hookimpl

if TYPE_CHECKING:  # the public API loads on first use; a plugin module stays cheap to import
    from plait import Context, Sandbox


def docker(ctx: Context) -> Sandbox:
    if importlib.util.find_spec("docker") is None:
        from plait import Unavailable

        raise Unavailable("the docker sandbox needs the Docker SDK: pip install 'plait[sandbox]'")
    from plait.sandbox.docker_backend import DockerSandbox

    return DockerSandbox(ctx.table("sandbox"))


def bubblewrap(ctx: Context) -> Sandbox:
    from plait.sandbox.bwrap import BubblewrapSandbox

    return BubblewrapSandbox(ctx.table("sandbox"))


def process(ctx: Context) -> Sandbox:
    from plait.sandbox.process import ProcessSandbox

    return ProcessSandbox(ctx.table("sandbox"))


@hookimpl
def register_sandboxes(register):
    register("docker", docker)
    register("bubblewrap", bubblewrap)
    register("process", process)


@hookimpl
def register_commands(cli):
    from plait.plugins.sandboxes.cli import register

    register(cli)
