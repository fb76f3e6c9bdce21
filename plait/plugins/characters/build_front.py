"""What ``plait characters build-data`` adds around the ``character-data`` pipeline: a run kept in
``--out`` (``OUT/runs/character-data/``), guards against mixing characters or options in one
``--out``, and the stage files of earlier releases (``chunks``, ``scenes``, ``experiences``,
``protective``, ``sft`` and ``skipped.jsonl``) written from the committed rows after each run.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from plait.pipeline.options import check_run_options
from plait.core.characters import Character
from plait.core.errors import InputError
from plait.core.io import atomic_write_json, write_jsonl
from plait.pipeline import read_outputs, run, runs_dir
from plait.plugins.characters.pipeline import NAME, STAGES, BuildConfig, public_fields, character_pipeline, source_rows

Row = dict[str, Any]


def _check_manifest(character: Character, out: Path, cfg: BuildConfig, model: str) -> None:
    """Refuse an ``out`` that holds another character's data; record this run's settings."""
    path = out / "manifest.json"
    if path.exists():
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            previous = {}
        if previous.get("character") not in (None, character.name):
            raise InputError(f"{out} holds data for {previous['character']!r}, not {character.name!r}; use another --out")
    atomic_write_json(path, {"character": character.name, "model": model, "config": asdict(cfg), "stages": STAGES},
                      indent=1)


# settings added with the presets (issue 20): a run recorded before them ran with their defaults
_ADDED_OPTIONS = ("chunking", "min_scene_prompts", "protective_per", "prompts", "preset")


def _check_options(settings: Any, options: dict[str, Any], out: Path) -> None:
    """Refuse to resume a run made with other options (its rows would mix with this run's)."""
    path = runs_dir(settings, NAME) / "options.json"
    if path.is_file():
        recorded = json.loads(path.read_text(encoding="utf-8"))
        defaults = asdict(BuildConfig())
        missing = {k: defaults[k] for k in _ADDED_OPTIONS if k not in recorded}
        if missing:  # an earlier release's run: it used today's defaults for what it did not record
            atomic_write_json(path, {**recorded, **missing})
    check_run_options(path, options, what="build-data", out=out)


def _files(character: Character, cfg: BuildConfig, settings: Any) -> tuple[dict[str, list[Row]], list[Row]]:
    rows = read_outputs(NAME, "sft", settings)
    scenes = [public_fields(r) for r in read_outputs(NAME, "scenes", settings) if r["kind"] == "scene"]
    files = {
        "chunks": [{"id": r["id"], "text": r["text"]} for r in source_rows(character, cfg)
                   if r["kind"] == "chunk" and not r.get("copy")],  # a repeated scene prompt is not a new chunk
        "scenes": scenes,
        "experiences": [public_fields(r) for r in rows if r["kind"] == "experience"],
        "protective": [public_fields(r) for r in rows if r["kind"] == "protective"],
        "sft": [r["sft"] for r in rows if "sft" in r],
    }
    return files, [public_fields(r) for r in rows if r["kind"] == "skip"]


def _tokens(summary: dict[str, Any]) -> dict[str, int]:
    return {"prompt": sum(s.get("prompt_tokens", 0) for s in summary["stages"]),
            "completion": sum(s.get("completion_tokens", 0) for s in summary["stages"])}


def build_data(character: Character, out: Path, cfg: BuildConfig | None = None, *, settings: Any = None,
               executor: str = "local", concurrency: int | None = None, ray_address: str | None = None,
               quiet: bool = False) -> dict[str, Any]:
    """Run (or resume) the pipeline with its state in ``out``; write the stage files; return the counts."""
    from plait.core.config import load_settings
    from plait.pipeline.progress import NoProgress, RichProgress

    cfg = cfg or BuildConfig()
    settings = (settings or load_settings()).model_copy(update={"home": out})
    out.mkdir(parents=True, exist_ok=True)
    _check_manifest(character, out, cfg, settings.model)
    _check_options(settings, {"character": character.name, **asdict(cfg)}, out)
    summary = run(character_pipeline(character, cfg), settings=settings, executor=executor, concurrency=concurrency,
                  ray_address=ray_address, progress=NoProgress() if quiet else RichProgress())
    files, skipped = _files(character, cfg, settings)
    for stage, records in files.items():
        write_jsonl(out / f"{stage}.jsonl", records)
    write_jsonl(out / "skipped.jsonl", skipped)
    stats = {s: {"written": len(files[s]), "skipped": sum(1 for r in skipped if r["stage"] == s),
                 "file": str(out / f"{s}.jsonl")} for s in STAGES}
    engine = {s["stage"]: {k: s.get(k, 0) for k in ("skipped", "processed", "done", "errors")} for s in summary["stages"]}
    return {"character": character.name, "preset": cfg.preset, "settings": asdict(cfg),
            "scene_prompts": sum(1 for r in source_rows(character, cfg) if r["kind"] == "chunk"),
            "out": str(out), "stages": stats, "skipped_total": len(skipped),
            "errors": summary["errors"], "tokens": _tokens(summary), "executor": summary["executor"],
            "run_dir": summary["dir"], "engine": engine}
