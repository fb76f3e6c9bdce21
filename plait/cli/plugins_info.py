"""What each plugin is and what it registered, for ``plait plugins list`` and ``install``.

``python -m plait.cli.plugins_info`` prints the JSON list for a freshly loaded host; ``plait
plugins install`` runs it in a subprocess to see what a just-installed plugin registered.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import re
import sys
from pathlib import Path
from typing import Any

from plait.core.host import PLUGIN_FAILURES, Host

INSTALL_RECORD = Path(sys.prefix) / "share" / "plait" / "plugin-installs.json"


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _read_record() -> dict[str, str]:
    try:
        return json.loads(INSTALL_RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def record_install(distribution: str, source: str) -> None:
    """Remember that the user installed ``distribution`` from ``source`` with ``plait plugins install``."""
    data = _read_record()
    data[normalize(distribution)] = source
    try:
        INSTALL_RECORD.parent.mkdir(parents=True, exist_ok=True)
        tmp = INSTALL_RECORD.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(INSTALL_RECORD)
    except OSError:
        pass  # a read-only environment: we only lose the "you installed this" note


def forget_install(distribution: str) -> None:
    data = _read_record()
    if data.pop(normalize(distribution), None) is not None:
        try:
            INSTALL_RECORD.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        except OSError:
            pass


def distribution_origin(distribution: str | None) -> dict[str, Any]:
    """How a distribution was installed (PEP 610 ``direct_url.json``): index, editable, path, url or vcs."""
    if not distribution:
        return {"origin": "unknown", "source": None}
    try:
        dist = md.distribution(distribution)
    except md.PackageNotFoundError:
        return {"origin": "unknown", "source": None}
    raw = dist.read_text("direct_url.json")
    if not raw:
        return {"origin": "index", "source": None}
    try:
        direct = json.loads(raw)
    except ValueError:
        return {"origin": "unknown", "source": None}
    url = direct.get("url", "")
    if "vcs_info" in direct:
        origin = "vcs"
    elif direct.get("dir_info", {}).get("editable"):
        origin = "editable"
    elif url.startswith("file://"):
        origin = "path"
    else:
        origin = "url"
    source = url[len("file://"):] if url.startswith("file://") else url
    return {"origin": origin, "source": source}


def origin_warning(name: str, distribution: str | None, origin: dict[str, Any]) -> str | None:
    """Why a user should look twice at a plugin, or None."""
    kind, source = origin["origin"], origin["source"]
    if kind == "editable":
        return (f"plugin {name!r} is an editable install from {source}: it runs whatever code that folder "
                f"holds right now, not a released package")
    if kind in ("path", "url", "vcs"):
        given = _read_record().get(normalize(distribution or ""))
        if given is None:
            return (f"plugin {name!r} was installed from {source} ({kind}), not from a package index, "
                    f"and not with `plait plugins install`; make sure you trust it")
    if kind == "unknown":
        return f"plugin {name!r} has no installed distribution metadata; it cannot be traced to a package"
    return None


def _command_names(typer_app: Any, prefix: str = "") -> list[str]:
    names = []
    for cmd in typer_app.registered_commands:
        name = cmd.name or (cmd.callback.__name__.replace("_", "-") if cmd.callback else "?")
        names.append(f"{prefix}{name}")
    for group in typer_app.registered_groups:
        gname = group.name or (group.typer_instance.info.name if group.typer_instance else "?")
        sub = _command_names(group.typer_instance, f"{prefix}{gname} ") if group.typer_instance else []
        names.extend(sub or [f"{prefix}{gname}"])
    return names


def _impl(host: Host, plugin: str, hook: str):
    for impl in getattr(host.pm.hook, hook).get_hookimpls():
        if impl.plugin_name == plugin:
            return impl
    return None


def registered_commands(host: Host, plugin: str) -> list[str]:
    """The commands a plugin's ``register_commands`` adds, found by running it on a scratch app."""
    import typer

    impl = _impl(host, plugin, "register_commands")
    if impl is None:
        return []
    scratch = typer.Typer()
    try:
        impl.function(cli=scratch)
    except PLUGIN_FAILURES as exc:  # sys.exit() too; reported as the plugin's error by the caller
        raise RuntimeError(f"register_commands: {type(exc).__name__}: {exc}") from exc
    return sorted(_command_names(scratch))


def registered_routes(host: Host, plugin: str) -> list[str]:
    """``METHOD /path`` of the routes a plugin's ``register_routes`` adds to a scratch FastAPI app."""
    impl = _impl(host, plugin, "register_routes")
    if impl is None:
        return []
    from fastapi import FastAPI

    scratch = FastAPI()
    before = {id(r) for r in scratch.routes}
    try:
        impl.function(app=scratch)
    except PLUGIN_FAILURES as exc:
        raise RuntimeError(f"register_routes: {type(exc).__name__}: {exc}") from exc
    out = []
    for route in scratch.routes:
        if id(route) not in before:
            methods = ",".join(sorted(getattr(route, "methods", None) or [])) or "MOUNT"
            out.append(f"{methods} {getattr(route, 'path', '?')}")
    return sorted(out)


def describe(host: Host, *, include_builtins: bool = False, hook: str | None = None) -> list[dict[str, Any]]:
    """The JSON list of ``plait plugins list --json``: loaded plugins, then failed ones."""
    rows: list[dict[str, Any]] = []
    for name, info in sorted(host.plugins.items(), key=lambda kv: (not kv[1].builtin, kv[0])):
        if info.builtin and not include_builtins:
            continue
        if hook and hook not in info.hooks:
            continue
        registered: dict[str, list[str]] = dict(host.registered_by(name))
        error = info.error
        for key, fn in (("commands", registered_commands), ("routes", registered_routes)):
            try:
                found = fn(host, name)
            except RuntimeError as exc:
                error = error or f"plugin {name!r} raised in hook {exc}"
                found = []
            if found:
                registered[key] = found
        origin = {"origin": "builtin", "source": None} if info.builtin else distribution_origin(info.distribution)
        rows.append({
            "name": name,
            "version": info.version,
            "hooks": list(info.hooks),
            "registered": registered,
            "builtin": info.builtin,
            "distribution": "plait" if info.builtin else info.distribution,
            "origin": origin["origin"],
            "source": origin["source"],
            "warning": None if info.builtin else origin_warning(name, info.distribution, origin),
            "error": error,
        })
    for info in host.failures:
        if (info.builtin and not include_builtins) or hook:
            continue
        origin = distribution_origin(info.distribution) if not info.builtin else {"origin": "builtin", "source": None}
        rows.append({
            "name": info.name, "version": info.version, "hooks": [], "registered": {}, "builtin": info.builtin,
            "distribution": info.distribution, "origin": origin["origin"], "source": origin["source"],
            "warning": None, "error": info.error or "failed to load",
        })
    return rows


def entry_point_distributions() -> dict[str, str | None]:
    """Installed plugin (entry point) name -> distribution name, without loading any plugin."""
    out: dict[str, str | None] = {}
    for ep in md.entry_points(group="plait"):
        dist = getattr(ep, "dist", None)
        out[ep.name] = dist.metadata["Name"] if dist is not None else None
    return out


def hook_names() -> list[str]:
    """Every hook in ``plait.core.hookspecs``, in file order."""
    from plait.core import hookspecs

    return [name for name, fn in vars(hookspecs).items() if hasattr(fn, "plait_spec")]


def main(argv: list[str] | None = None) -> None:
    """Print the plugins a fresh host loads, as JSON (used by ``plait plugins install``)."""
    args = argv if argv is not None else sys.argv[1:]
    host = Host()
    print(json.dumps(describe(host, include_builtins="--all" in args), default=str))


if __name__ == "__main__":
    main()
