"""``plait config show``: the effective configuration, secrets redacted."""

from __future__ import annotations

import typer

from plait.cli.common import JsonOption, console, print_json, subgroup


def show(json_out: JsonOption = False) -> None:
    """Print the effective configuration (files + PLAIT_* variables), secrets redacted."""
    import tomli_w

    from plait.core.config import config_files, load_settings

    data = load_settings().redacted()
    if json_out:
        print_json(data)
        return
    files = [str(p) for p in config_files() if p.is_file()]
    # soft_wrap: never break a line, so the output stays a TOML file you can copy into plait.toml
    console.print(f"# from: {', '.join(files) or 'defaults'} + PLAIT_* environment", highlight=False,
                  markup=False, soft_wrap=True)
    clean = {k: v for k, v in data.items() if v is not None}
    console.print(tomli_w.dumps(clean), highlight=False, markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    group = subgroup(app, "config", "Show the configuration.")
    group.command("show")(show)
