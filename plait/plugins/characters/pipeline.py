"""``plait characters build-data``: Character-LLM's data pipeline, stage by stage, resumable.

Stages (each a JSONL file in the output directory):

1. ``chunks.jsonl``      profile chunks ``{id, text}``
2. ``scenes.jsonl``      ``{id, chunk_id, type, location, background}`` (scene extraction)
3. ``experiences.jsonl`` ``{id, scene_id, type, location, scene_background, background, turns}``
4. ``protective.jsonl``  the same shape, ``topic`` added: a provocateur tries to make the
                         character speak of things it could not know
5. ``sft.jsonl``         ``{id, character, source, prompt, output, turns}`` (Character-LLM format)

An item whose output cannot be parsed is written to ``skipped.jsonl`` (with the raw output)
and counted; rerunning resumes: items already in a stage file or in ``skipped.jsonl`` are not
asked for again. Records are appended and flushed one by one, and a torn last line from a
killed run is cut off before appending.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from plait.plugins.characters.memory import chunk_profile
from plait.core.errors import InputError, ModelError
from plait.core.models.base import ChatOptions
from plait.plugins.characters import scripts

STAGES = ["chunks", "scenes", "experiences", "protective", "sft"]


@dataclass
class BuildConfig:
    scenes_per_chunk: int = 3
    protective: int = 4
    max_chunks: int = 0  # 0 = all
    chunk_words: int = 160
    temperature: float = 0.9
    max_tokens: int = 1500


class JsonlStage:
    """An append-only JSONL file keyed by ``id``."""

    def __init__(self, path: Path):
        self.path = path
        self.records: dict[str, dict[str, Any]] = {}
        if path.exists():
            raw = path.read_bytes()
            if raw and not raw.endswith(b"\n"):  # a killed run left half a line: drop it
                raw = raw[: raw.rfind(b"\n") + 1]
                path.write_bytes(raw)
            for line in raw.decode("utf-8", errors="replace").splitlines():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(rec, dict) and "id" in rec:
                    self.records[str(rec["id"])] = rec

    def __contains__(self, rid: str) -> bool:
        return rid in self.records

    def append(self, rec: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            fh.flush()
        self.records[str(rec["id"])] = rec

    def values(self) -> list[dict[str, Any]]:
        return list(self.records.values())


def short_name(character: Any) -> str:
    return str(character.plait_ext.get("short_name") or character.name.split()[0])


def _names(character: Any) -> list[str]:
    parts = character.name.split()
    return list(dict.fromkeys([character.name, short_name(character), parts[0], parts[-1]]))


def _progress(items: Iterable, total: int, label: str, enabled: bool):
    if not enabled:
        yield from items
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:>12}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=False) as bar:
        task = bar.add_task(label, total=total)
        for item in items:
            yield item
            bar.advance(task)


def _ask(model: Any, prompt: str, cfg: BuildConfig) -> str:
    return model.chat([{"role": "user", "content": prompt}], ChatOptions(temperature=cfg.temperature, max_tokens=cfg.max_tokens)).text


def build_data(character: Any, model: Any, out: Path, cfg: BuildConfig | None = None, progress: bool = True) -> dict[str, Any]:
    """Run (or resume) every stage into ``out``; returns per-stage counts."""
    cfg = cfg or BuildConfig()
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            previous = {}
        if previous.get("character") not in (None, character.name):
            raise InputError(f"{out} holds data for {previous['character']!r}, not {character.name!r}; use another --out")
    manifest = {"character": character.name, "model": getattr(model, "name", ""), "config": asdict(cfg), "stages": STAGES}
    manifest_path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")

    profile = character.profile
    name, short = character.name, short_name(character)
    era = character.era or "their own time"
    cutoff = character.knowledge_cutoff or "their own lifetime"
    stats = {s: {"written": 0, "reused": 0, "skipped": 0, "file": str(out / f"{s}.jsonl")} for s in STAGES}
    skipped = JsonlStage(out / "skipped.jsonl")

    def skip(stage: str, rid: str, raw: str, reason: str) -> None:
        skipped.append({"id": f"{stage}:{rid}", "stage": stage, "item": rid, "reason": reason, "raw": raw[:4000]})
        stats[stage]["skipped"] += 1

    def done(stage: str, store: JsonlStage, rid: str) -> bool:
        if rid in store or f"{stage}:{rid}" in skipped:
            stats[stage]["reused" if rid in store else "skipped"] += 1
            return True
        return False

    # 1. profile chunks (no model)
    chunks = JsonlStage(out / "chunks.jsonl")
    texts = chunk_profile(profile, cfg.chunk_words)
    if cfg.max_chunks > 0:
        texts = texts[: cfg.max_chunks]
    for i, text in enumerate(texts):
        rid = f"chunk-{i}"
        if not done("chunks", chunks, rid):
            chunks.append({"id": rid, "text": text})
            stats["chunks"]["written"] += 1
    chunk_list = [chunks.records[f"chunk-{i}"] for i in range(len(texts))]

    # 2. scenes
    scenes = JsonlStage(out / "scenes.jsonl")
    for chunk in _progress(chunk_list, len(chunk_list), "scenes", progress):
        if done("scenes", scenes, chunk["id"]) or any(s.get("chunk_id") == chunk["id"] for s in scenes.values()):
            continue
        raw = _ask(model, scripts.SCENE_PROMPT.format(profile=chunk["text"], n=cfg.scenes_per_chunk, name=name), cfg)
        parsed = scripts.parse_scenes(raw)
        if not parsed:
            skip("scenes", chunk["id"], raw, "no scene with a location and a background")
            continue
        for j, scene in enumerate(parsed[: cfg.scenes_per_chunk]):
            scenes.append({"id": f"{chunk['id']}/scene-{j}", "chunk_id": chunk["id"], **scene})
            stats["scenes"]["written"] += 1
    scene_list = [s for s in scenes.values() if s.get("chunk_id") in {c["id"] for c in chunk_list}]
    stats["scenes"]["reused"] = len(scene_list) - stats["scenes"]["written"]

    # 3. experiences
    experiences = JsonlStage(out / "experiences.jsonl")
    chunk_text = {c["id"]: c["text"] for c in chunk_list}
    for scene in _progress(scene_list, len(scene_list), "experiences", progress):
        if done("experiences", experiences, scene["id"]):
            continue
        prompt = scripts.EXPERIENCE_PROMPT.format(
            profile=chunk_text.get(scene["chunk_id"], profile), type=scene["type"], location=scene["location"],
            background=scene["background"], name=name, short=short, era=era,
        )
        raw = _ask(model, prompt, cfg)
        parsed = scripts.parse_script(raw, _names(character))
        if not parsed:
            skip("experiences", scene["id"], raw, f"no '(thinking)'/'(speaking)' line by {short}")
            continue
        experiences.append({
            "id": scene["id"], "scene_id": scene["id"], "type": scene["type"], "location": scene["location"],
            "scene_background": scene["background"], **parsed,
        })
        stats["experiences"]["written"] += 1

    # 4. protective experiences
    protective = JsonlStage(out / "protective.jsonl")
    summary = "\n\n".join(c["text"] for c in chunk_list[:2]) or character.description
    for k in _progress(range(cfg.protective), cfg.protective, "protective", progress):
        rid = f"protective-{k}"
        if done("protective", protective, rid):
            continue
        topics = [str(t) for t in character.plait_ext.get("anachronisms") or []] or scripts.ANACHRONISMS
        topic = topics[k % len(topics)]
        prompt = scripts.PROTECTIVE_PROMPT.format(profile=summary, name=name, short=short, topic=topic, era=era, cutoff=cutoff)
        raw = _ask(model, prompt, cfg)
        parsed = scripts.parse_script(raw, _names(character))
        if not parsed:
            skip("protective", rid, raw, f"no '(speaking)' line by {short}")
            continue
        protective.append({"id": rid, "topic": topic, "type": "Chat", "location": "", "scene_background": "", **parsed})
        stats["protective"]["written"] += 1

    # 5. SFT records: rebuilt from the stage files every run (no model calls, cheap)
    sft_path = out / "sft.jsonl"
    records = [scripts.sft_record(name, short, e, "experience") for e in experiences.values()]
    records += [scripts.sft_record(name, short, p, "protective") for p in protective.values()]
    tmp = sft_path.with_suffix(".jsonl.tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    tmp.replace(sft_path)
    stats["sft"]["written"] = len(records)
    return {"character": name, "out": str(out), "stages": stats, "skipped_total": sum(s["skipped"] for s in stats.values())}


__all__ = ["BuildConfig", "build_data", "JsonlStage", "STAGES", "ModelError"]
