"""``plait characters ...``: list, show, import, export, remove, build-data, interview."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import JsonOption, ModelOption, console, print_json, settings_for, subgroup
from plait.core.presets import preset_option

PresetOption = preset_option()


def _source(settings):
    from plait.plugins.characters.store import BuiltinSource

    return BuiltinSource(settings)


def cmd_list(json_out: JsonOption = False) -> None:
    """List the characters you can chat with (imported ones and the shipped examples).

    Read from the character index (no card is loaded in full); a missing or stale index is repaired.
    """
    rows = _source(settings_for()).index()
    if json_out:
        print_json({"characters": rows})
        return
    from rich.table import Table

    table = Table("name")
    table.add_column("slug", no_wrap=True, overflow="fold")  # the slug is what commands take: never cut it
    for column in ("origin", "greetings", "lore", "era"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["name"], r["slug"], r["origin"], str(r["greetings"]), str(r["lorebook_entries"]), r["era"])
    console.print(table)
    console.print("chat: plait chat --character SLUG", style="dim")


def cmd_show(
    name: Annotated[str, typer.Argument(help="character name or slug")],
    json_out: JsonOption = False,
) -> None:
    """Show one character: description, personality, scenario, greetings, lorebook."""
    character = _source(settings_for()).load(name)
    if json_out:
        print_json({**character.summary(), "card": character.to_card()})
        return
    s = character.summary()
    console.print(f"[bold]{s['name']}[/bold] ({s['slug']}, {s['origin']}, {s['spec']})")
    for key in ("era", "knowledge_cutoff", "description", "personality", "scenario"):
        if s[key]:
            console.print(f"[cyan]{key}:[/cyan] {s[key]}", highlight=False)
    for i, g in enumerate(s["greetings"]):
        console.print(f"[cyan]greeting {i}:[/cyan] {g}", highlight=False)
    for entry in (character.character_book or {}).get("entries", []):
        flag = " (constant)" if entry.get("constant") else ""
        console.print(f"[cyan]lore[/cyan] {', '.join(entry.get('keys', []))}{flag}: {entry.get('content', '')}", highlight=False)


def cmd_import(
    file: Annotated[Path, typer.Argument(help="card file: V1/V2/V3 JSON, PNG (ccv3/chara chunk), CHARX zip, or plait TOML")],
    replace: Annotated[bool, typer.Option("--replace", help="replace the character already imported under the same slug (and keep its memory)")] = False,
    json_out: JsonOption = False,
) -> None:
    """Import a character card, atomically. A character with the same slug is replaced only with --replace."""
    from plait.plugins.characters.cards import read_card_file
    from plait.plugins.characters.limits import CardLimits
    from plait.plugins.characters.store import CharacterStore

    settings = settings_for()
    character = read_card_file(file, CardLimits.from_table(settings.table("characters")))
    slug, replaced = CharacterStore(settings).save(character, replace=replace, source=str(file.resolve()))
    if json_out:
        print_json({"imported": slug, "name": character.name, "spec": character.spec, "replaced": replaced, "source": str(file)})
        return
    console.print(f"{'replaced' if replaced else 'imported'} {character.name} as [bold]{slug}[/bold] ({character.spec})")


def cmd_export(
    name: Annotated[str, typer.Argument(help="character name or slug")],
    out: Annotated[Path, typer.Option("--out", "-o", help="FILE.json (V2 card), FILE.png (chara + ccv3 chunks) or FILE.charx (V3 zip with the avatar)")],
) -> None:
    """Export a character as a V2 JSON card, a PNG card with both chunks, or a CHARX zip (by the file's extension)."""
    import json

    from plait.core.errors import InputError
    from plait.core.io import atomic_write_bytes
    from plait.plugins.characters.cards import write_charx, write_png

    character = _source(settings_for()).load(name)
    suffix = out.suffix.lower()
    if suffix == ".json":
        blob = json.dumps(character.to_v2_card(), ensure_ascii=False, indent=2).encode("utf-8")
    elif suffix == ".png":
        blob = write_png(character)
    elif suffix == ".charx":
        blob = write_charx(character)
    else:
        raise InputError(f"cannot export to {out}: use a .json, .png or .charx file name")
    atomic_write_bytes(out, blob)
    console.print(f"exported {character.name} to {out}")


def cmd_remove(name: Annotated[str, typer.Argument(help="character name or slug")]) -> None:
    """Remove an imported character (its memory collection stays in the store)."""
    from plait.core.errors import InputError
    from plait.plugins.characters.store import CharacterStore, example_files

    settings = settings_for()
    store = CharacterStore(settings)
    slug = _source(settings).resolve(name)
    if slug not in store.names() and slug in example_files():
        raise InputError(f"{name!r} is a shipped example and cannot be removed; only imported characters can")
    store.remove(slug)
    console.print(f"removed {slug}")


def cmd_build_data(
    name: Annotated[str, typer.Argument(help="character name or slug")],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory (resumes if it holds an earlier run)")],
    model: ModelOption = None,
    preset: PresetOption = None,
    scenes_per_chunk: Annotated[Optional[int], typer.Option(help="scenes asked for per profile chunk (default 3; paper 20)")] = None,
    protective: Annotated[Optional[int], typer.Option(help="protective experiences: in total (default 4), or per paragraph under --preset paper (1)")] = None,
    min_scene_prompts: Annotated[Optional[int], typer.Option(help="repeat scene prompts up to at least this many (default 0 = none; paper 100)")] = None,
    max_chunks: Annotated[int, typer.Option(help="use at most this many profile chunks (0 = all)")] = 0,
    executor: Annotated[str, typer.Option("--executor", help="local (threads) or ray (Ray Data)")] = "local",
    concurrency: Annotated[Optional[int], typer.Option("--concurrency", help="model requests in flight (default [pipeline] concurrency or 8)")] = None,
    ray_address: Annotated[Optional[str], typer.Option("--ray-address", help="with --executor ray: join this cluster")] = None,
    json_out: JsonOption = False,
) -> None:
    """Character-LLM data: profile chunks -> scenes -> experiences -> protective experiences -> SFT records.

    Runs the `character-data` pipeline with its state in OUT/runs/; a rerun asks the model only for unfinished rows.
    `--preset paper` uses Character-LLM's settings (docs/presets.md); the report names the preset.
    """
    from plait.plugins.characters.build_front import build_data
    from plait.plugins.characters.pipeline import BuildConfig

    settings = settings_for(model)
    character = _source(settings).load(name)
    cfg = BuildConfig.from_preset(preset, scenes_per_chunk=scenes_per_chunk, protective=protective,
                                  min_scene_prompts=min_scene_prompts, max_chunks=max_chunks)
    report = build_data(character, out, cfg, settings=settings, executor=executor, concurrency=concurrency,
                        ray_address=ray_address, quiet=json_out)
    if json_out:
        print_json(report)
        return
    console.print(f"preset {report['preset']}: {report['scene_prompts']} scene prompt(s)")
    for stage, info in report["stages"].items():
        console.print(f"{stage:>12}: {info['written']} written, {info['skipped']} skipped -> {info['file']}")
    tokens = report["tokens"]
    console.print(f"{report['errors']} error(s), tokens {tokens['prompt']} prompt + {tokens['completion']} completion; "
                  f"run state in {report['run_dir']}")


def cmd_interview(
    name: Annotated[str, typer.Argument(help="character name or slug")],
    questions: Annotated[Path, typer.Option("--questions", "-q", help="JSONL: {\"question\": ...} per line (optional \"topic\")")],
    preset: PresetOption = None,
    turns: Annotated[Optional[int], typer.Option("--turns", help="interview turns per question (>1 adds an interviewer agent; default 1, paper 5)")] = None,
    judge_model: Annotated[Optional[str], typer.Option("--judge-model", help="model for the judge (default: the character's model)")] = None,
    model: ModelOption = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="write transcripts and scores as JSON here")] = None,
    json_out: JsonOption = False,
) -> None:
    """Interview a character and score it 1-7 on memorization, values, personality, hallucination, stability.

    `--preset paper` runs Character-LLM's interview (coffee-shop scene, 5 turns opened by the interviewer,
    replies cut at their first paragraph, judge shown the first profile paragraph; docs/presets.md).
    """
    from plait.core.models import get_chat_model
    from plait.plugins.characters.interview import load_questions, run_interview, write_report
    from plait.plugins.characters.presets import interview_settings

    settings = settings_for(model)
    character = _source(settings).load(name)
    qs = load_questions(questions)
    chat_model = get_chat_model(None, settings)
    judge = get_chat_model(judge_model, settings) if judge_model else chat_model
    effective = interview_settings(preset, {"turns": turns})
    report = run_interview(character, qs, chat_model, judge, settings, config=effective, progress=not json_out)
    if out:
        write_report(report, out)
    if json_out:
        print_json(report)
        return
    from rich.table import Table

    console.print(f"preset {report['preset']}, {report['turns']} turn(s)")
    table = Table("dimension", "mean", "scored", "malformed")
    for dim, mean in report["means"].items():
        table.add_row(dim, "-" if mean is None else f"{mean:.2f}", str(report["counts"][dim]), str(report["malformed"][dim]))
    console.print(table)
    if out:
        console.print(f"transcripts and scores: {out}")


def register(cli: typer.Typer) -> None:
    group = subgroup(cli, "characters", "Character cards, Character-LLM data and interviews.")
    group.command("list")(cmd_list)
    group.command("show")(cmd_show)
    group.command("import")(cmd_import)
    group.command("export")(cmd_export)
    group.command("remove")(cmd_remove)
    group.command("build-data")(cmd_build_data)
    group.command("interview")(cmd_interview)
