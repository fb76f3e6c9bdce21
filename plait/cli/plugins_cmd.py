"""``plait plugins list|install|uninstall|new``: see, add, remove and write plugins.

A plugin is arbitrary Python code running with your permissions. If one breaks start-up,
``PLAIT_LOAD_PLUGINS='' plait plugins uninstall NAME`` runs plait without any third-party plugin.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import JsonOption, console, err_console, print_json, subgroup
from plait.core.errors import InputError, NotFound, PluginError


def _hook_name(hook: str) -> str:
    from plait.cli.plugins_info import hook_names

    from plait.core.host import REGISTRY_HOOKS

    names = hook_names()
    by_registry = {attr: name for name, attr in REGISTRY_HOOKS.items()}  # "gates" -> register_retrieval_gates
    for candidate in (hook, f"register_{hook}", by_registry.get(hook, "")):
        if candidate in names:
            return candidate
    raise InputError(f"no hook named {hook!r}; hooks: {', '.join(names)}")


def _summary(registered: dict[str, list[str]]) -> str:
    return "; ".join(f"{kind}: {', '.join(names)}" for kind, names in registered.items()) or "-"


def list_cmd(
    json_out: JsonOption = False,
    all_: Annotated[bool, typer.Option("--all", help="include the built-in plugins (plait.*)")] = False,
    hook: Annotated[Optional[str], typer.Option("--hook", help="only plugins implementing this hook, e.g. register_tools")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="exit 1 if any plugin failed to load")] = False,
) -> None:
    """List installed plugins: version, hooks, what each registered; failures with their error."""
    from plait.cli.plugins_info import describe
    from plait.core.host import get_host

    hook_name = _hook_name(hook) if hook else None
    rows = describe(get_host(), include_builtins=all_, hook=hook_name)
    for row in rows:
        if row["warning"]:
            err_console.print(f"[yellow]warning:[/yellow] {row['warning']}", highlight=False)
    if json_out:
        print_json(rows)
    elif not rows:
        console.print("no plugins installed" + ("" if all_ else " (--all shows the built-in ones)"))
    else:
        from rich.table import Table

        table = Table(show_lines=False)
        for col in ("plugin", "version", "hooks", "registered", "origin"):
            table.add_column(col, overflow="fold")
        for row in rows:
            if row["error"] and not row["hooks"]:
                table.add_row(f"[red]{row['name']}[/red]", row["version"] or "-", "-",
                              f"[red]failed: {row['error']}[/red]", row["origin"])
                continue
            hooks = ", ".join(h.removeprefix("register_") for h in row["hooks"])
            reg = _summary(row["registered"]) + (f"\n[red]error: {row['error']}[/red]" if row["error"] else "")
            table.add_row(row["name"], row["version"] or "-", hooks, reg, row["origin"])
        console.print(table)
    failed = [r for r in rows if r["error"]]
    if strict and failed:
        names = ", ".join(f"{r['name']} ({r['error']})" for r in failed)
        err_console.print(f"[red]error:[/red] plugins failed: {names}", highlight=False)
        raise typer.Exit(1)


def _fresh_plugins() -> list[dict]:
    """The plugin list as a freshly started plait sees it (in a subprocess)."""
    proc = subprocess.run([sys.executable, "-m", "plait.cli.plugins_info"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise PluginError(f"plait could not start after the install:\n{proc.stderr.strip()}\n"
                          f"recover with: PLAIT_LOAD_PLUGINS='' plait plugins uninstall NAME")
    if proc.stderr.strip():
        sys.stderr.write(proc.stderr)
    return json.loads(proc.stdout)


def install(
    targets: Annotated[list[str], typer.Argument(help="package NAME, PATH to a plugin folder, or URL")],
    editable: Annotated[bool, typer.Option("-e", "--editable", help="install a folder in editable mode (code changes take effect at once)")] = False,
    upgrade: Annotated[bool, typer.Option("-U", "--upgrade", help="upgrade if already installed")] = False,
) -> None:
    """pip-install plugins into plait's own environment, then show what they registered."""
    from plait.cli.plugins_info import entry_point_distributions, normalize, record_install

    before = set(entry_point_distributions())
    args = [sys.executable, "-m", "pip", "install"]
    if upgrade:
        args.append("-U")
    sources = []
    for target in targets:
        path = Path(target).expanduser()
        resolved = str(path.resolve()) if path.exists() else target  # a folder must reach pip as a path
        if editable and not path.exists():
            raise InputError(f"-e needs a folder, and {target!r} does not exist")
        args += ["-e", resolved] if editable else [resolved]
        sources.append((target, resolved))
    console.print(f"running: {' '.join(args)}", highlight=False)
    if subprocess.run(args).returncode != 0:
        raise PluginError(f"pip could not install {' '.join(targets)}; see pip's output above")
    rows = [r for r in _fresh_plugins() if not r["builtin"]]
    wanted = {normalize(Path(t).name) for t, _ in sources} | {normalize(t) for t, _ in sources}
    new = [r for r in rows if r["name"] not in before or normalize(r.get("distribution") or "") in wanted]
    if not new:
        console.print("installed, but no new plait plugin appeared (does the package declare an entry point in the group 'plait'?)")
        return
    for row in new:
        if row["distribution"]:
            record_install(row["distribution"], " ".join(s for _, s in sources))
        if row["error"]:
            err_console.print(f"[red]plugin {row['name']} failed:[/red] {row['error']}", highlight=False)
            continue
        console.print(f"[green]{row['name']}[/green] {row['version'] or ''} registered: {_summary(row['registered'])}",
                      highlight=False)


def uninstall(
    name: Annotated[str, typer.Argument(help="plugin name (as in `plait plugins list`) or its distribution name")],
    yes: Annotated[bool, typer.Option("-y", "--yes", help="do not ask for confirmation")] = False,
) -> None:
    """pip-uninstall a plugin's distribution from plait's environment."""
    from plait.cli.plugins_info import entry_point_distributions, forget_install, normalize

    dists = entry_point_distributions()
    dist = dists.get(name)
    if dist is None:
        matches = {d for d in dists.values() if d and normalize(d) == normalize(name)}
        dist = matches.pop() if matches else None
    if dist is None:
        known = ", ".join(sorted(dists)) or "none"
        raise NotFound(f"no installed plugin named {name!r} (installed plugins: {known})")
    if normalize(dist) == "plait":
        raise InputError("that is plait itself; the built-in plugins cannot be uninstalled (use PLAIT_LOAD_PLUGINS to limit third-party ones)")
    args = [sys.executable, "-m", "pip", "uninstall", *(["-y"] if yes else []), dist]
    if subprocess.run(args).returncode != 0:
        raise PluginError(f"pip could not uninstall {dist}; see pip's output above")
    forget_install(dist)
    console.print(f"uninstalled {dist}", highlight=False)


def new(
    name: Annotated[str, typer.Argument(help="plugin (and distribution) name, e.g. plait-weather")],
    capability: Annotated[list[str], typer.Option("--capability", "-c", help="what it registers (repeat): tool, command, model, embedder, gate, agent, route, or all; default tool + agent + command (the agent calls the tool)")] = [],
    directory: Annotated[Path, typer.Option("--dir", help="create the package folder inside this directory")] = Path("."),
    description: Annotated[Optional[str], typer.Option("--description", help="one-line description for pyproject and README")] = None,
    json_out: JsonOption = False,
) -> None:
    """Scaffold a plugin package: pyproject with the `plait` entry point, module, README, tests."""
    from plait.cli.plugins_scaffold import scaffold

    target, files = scaffold(name, capability or ["tool", "agent", "command"], directory, description)
    if json_out:
        print_json({"path": str(target), "files": files})
        return
    console.print(f"created {target}", highlight=False)
    for f in files:
        console.print(f"  {f}", highlight=False)
    console.print(f"next: pip install -e {target} && (cd {target} && python -m pytest)", highlight=False)


def register(app: typer.Typer) -> None:
    group = subgroup(app, "plugins", "List, install, uninstall and scaffold plugins.")
    group.command("list")(list_cmd)
    group.command("install")(install)
    group.command("uninstall")(uninstall)
    group.command("new")(new)
