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

from plait.core.characters import Character
from plait.core.errors import InputError, ModelError
from plait.core.io import atomic_write_json, write_jsonl
from plait.core.models.base import ChatOptions
from plait.plugins.characters import scripts
from plait.plugins.characters.memory import chunk_profile

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
    """An append-only JSONL file keyed by ``id``.

    Not ``plait.core.io.read_jsonl``: this file is the run's own resume log, written line by line,
    so a torn last line (a killed run) is cut off and re-asked rather than refused.
    """

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


def short_name(character: Character) -> str:
    return str(character.plait_ext.get("short_name") or character.name.split()[0])


def _names(character: Character) -> list[str]:
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


class _Build:
    """One run of the stages into ``out``: the stage files, the counts, the skip log."""

    def __init__(self, character: Character, model: Any, out: Path, cfg: BuildConfig, progress: bool):
        self.character, self.model, self.out, self.cfg, self.progress = character, model, out, cfg, progress
        self.name, self.short = character.name, short_name(character)
        self.era = character.era or "their own time"
        self.cutoff = character.knowledge_cutoff or "their own lifetime"
        self.stats = {s: {"written": 0, "reused": 0, "skipped": 0, "file": str(out / f"{s}.jsonl")} for s in STAGES}
        self.skipped = JsonlStage(out / "skipped.jsonl")

    def skip(self, stage: str, rid: str, raw: str, reason: str) -> None:
        self.skipped.append({"id": f"{stage}:{rid}", "stage": stage, "item": rid, "reason": reason, "raw": raw[:4000]})
        self.stats[stage]["skipped"] += 1

    def done(self, stage: str, store: JsonlStage, rid: str) -> bool:
        if rid in store or f"{stage}:{rid}" in self.skipped:
            self.stats[stage]["reused" if rid in store else "skipped"] += 1
            return True
        return False

    def bar(self, items: Iterable, total: int, label: str):
        return _progress(items, total, label, self.progress)

    def chunks(self) -> list[dict[str, Any]]:
        """1. profile chunks (no model)."""
        chunks = JsonlStage(self.out / "chunks.jsonl")
        texts = chunk_profile(self.character.profile, self.cfg.chunk_words)
        if self.cfg.max_chunks > 0:
            texts = texts[: self.cfg.max_chunks]
        for i, text in enumerate(texts):
            rid = f"chunk-{i}"
            if not self.done("chunks", chunks, rid):
                chunks.append({"id": rid, "text": text})
                self.stats["chunks"]["written"] += 1
        return [chunks.records[f"chunk-{i}"] for i in range(len(texts))]

    def scenes(self, chunk_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """2. scenes, a few per chunk."""
        scenes = JsonlStage(self.out / "scenes.jsonl")
        for chunk in self.bar(chunk_list, len(chunk_list), "scenes"):
            if self.done("scenes", scenes, chunk["id"]) or any(s.get("chunk_id") == chunk["id"] for s in scenes.values()):
                continue
            prompt = scripts.SCENE_PROMPT.format(profile=chunk["text"], n=self.cfg.scenes_per_chunk, name=self.name)
            raw = _ask(self.model, prompt, self.cfg)
            parsed = scripts.parse_scenes(raw)
            if not parsed:
                self.skip("scenes", chunk["id"], raw, "no scene with a location and a background")
                continue
            for j, scene in enumerate(parsed[: self.cfg.scenes_per_chunk]):
                scenes.append({"id": f"{chunk['id']}/scene-{j}", "chunk_id": chunk["id"], **scene})
                self.stats["scenes"]["written"] += 1
        scene_list = [s for s in scenes.values() if s.get("chunk_id") in {c["id"] for c in chunk_list}]
        self.stats["scenes"]["reused"] = len(scene_list) - self.stats["scenes"]["written"]
        return scene_list

    def experiences(self, chunk_list: list[dict[str, Any]], scene_list: list[dict[str, Any]]) -> JsonlStage:
        """3. one experience (a script in the character's voice) per scene."""
        experiences = JsonlStage(self.out / "experiences.jsonl")
        chunk_text = {c["id"]: c["text"] for c in chunk_list}
        for scene in self.bar(scene_list, len(scene_list), "experiences"):
            if self.done("experiences", experiences, scene["id"]):
                continue
            prompt = scripts.EXPERIENCE_PROMPT.format(
                profile=chunk_text.get(scene["chunk_id"], self.character.profile), type=scene["type"],
                location=scene["location"], background=scene["background"], name=self.name, short=self.short, era=self.era,
            )
            raw = _ask(self.model, prompt, self.cfg)
            parsed = scripts.parse_script(raw, _names(self.character))
            if not parsed:
                self.skip("experiences", scene["id"], raw, f"no '(thinking)'/'(speaking)' line by {self.short}")
                continue
            experiences.append({
                "id": scene["id"], "scene_id": scene["id"], "type": scene["type"], "location": scene["location"],
                "scene_background": scene["background"], **parsed,
            })
            self.stats["experiences"]["written"] += 1
        return experiences

    def protective(self, chunk_list: list[dict[str, Any]]) -> JsonlStage:
        """4. protective experiences: a provocateur asks about what the character cannot know."""
        protective = JsonlStage(self.out / "protective.jsonl")
        summary = "\n\n".join(c["text"] for c in chunk_list[:2]) or self.character.description
        topics = [str(t) for t in self.character.plait_ext.get("anachronisms") or []] or scripts.ANACHRONISMS
        for k in self.bar(range(self.cfg.protective), self.cfg.protective, "protective"):
            rid = f"protective-{k}"
            if self.done("protective", protective, rid):
                continue
            topic = topics[k % len(topics)]
            prompt = scripts.PROTECTIVE_PROMPT.format(profile=summary, name=self.name, short=self.short, topic=topic,
                                                      era=self.era, cutoff=self.cutoff)
            raw = _ask(self.model, prompt, self.cfg)
            parsed = scripts.parse_script(raw, _names(self.character))
            if not parsed:
                self.skip("protective", rid, raw, f"no '(speaking)' line by {self.short}")
                continue
            protective.append({"id": rid, "topic": topic, "type": "Chat", "location": "", "scene_background": "", **parsed})
            self.stats["protective"]["written"] += 1
        return protective

    def sft(self, experiences: JsonlStage, protective: JsonlStage) -> None:
        """5. SFT records: rebuilt from the stage files every run (no model calls, cheap), written atomically."""
        records = [scripts.sft_record(self.name, self.short, e, "experience") for e in experiences.values()]
        records += [scripts.sft_record(self.name, self.short, p, "protective") for p in protective.values()]
        write_jsonl(self.out / "sft.jsonl", records)
        self.stats["sft"]["written"] = len(records)


def _check_manifest(character: Character, model: Any, out: Path, cfg: BuildConfig) -> None:
    """Refuse an ``out`` that holds another character's data; record this run's settings."""
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            previous = {}
        if previous.get("character") not in (None, character.name):
            raise InputError(f"{out} holds data for {previous['character']!r}, not {character.name!r}; use another --out")
    manifest = {"character": character.name, "model": getattr(model, "name", ""), "config": asdict(cfg), "stages": STAGES}
    atomic_write_json(manifest_path, manifest, indent=1)


def build_data(character: Character, model: Any, out: Path, cfg: BuildConfig | None = None, progress: bool = True) -> dict[str, Any]:
    """Run (or resume) every stage into ``out``; returns per-stage counts."""
    cfg = cfg or BuildConfig()
    out.mkdir(parents=True, exist_ok=True)
    _check_manifest(character, model, out, cfg)
    run = _Build(character, model, out, cfg, progress)
    chunk_list = run.chunks()
    scene_list = run.scenes(chunk_list)
    run.sft(run.experiences(chunk_list, scene_list), run.protective(chunk_list))
    stats = run.stats
    return {"character": run.name, "out": str(out), "stages": stats, "skipped_total": sum(s["skipped"] for s in stats.values())}


__all__ = ["BuildConfig", "build_data", "JsonlStage", "STAGES", "ModelError"]
