"""``plait characters build-data``: Character-LLM's data building as a pipeline on ``plait.pipeline``.

    source (cpu: profile chunks + protective tasks)
      -> scenes (model, flat-map: a chunk -> its scenes; other rows pass)
      -> experiences (model: a scene -> an experience, a protective task -> a protective experience)
      -> sft (cpu: the Character-LLM training record of each experience)

An output that cannot be parsed becomes a ``skip`` row (with the raw output) that later stages pass
on: it is written to ``skipped.jsonl`` and, being committed, not asked for again. The run lives in
``OUT/runs/character-data/`` (the engine's layout with ``--out`` as its home), so a rerun makes no
model call for a finished row. The front (``build_front.build_data``) writes the stage files of earlier
releases: ``chunks``, ``scenes``, ``experiences``, ``protective``, ``sft`` and ``skipped.jsonl``.
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, Callable

from plait.core.characters import Character
from plait.core.errors import InputError
from plait.core.models.base import ChatOptions, ChatResult
from plait.pipeline import ModelStage, Pipeline, Stage
from plait.plugins.characters import paper_prompts, scripts
from plait.plugins.characters.memory import chunk_profile
from plait.plugins.characters.presets import BUILD

Row = dict[str, Any]
NAME = "character-data"
STAGES = ["chunks", "scenes", "experiences", "protective", "sft"]


@dataclass
class BuildConfig:
    """The settings of one run; the preset's values come from ``presets.BUILD`` (``BuildConfig.from_preset``)."""

    scenes_per_chunk: int = 3
    protective: int = 4
    max_chunks: int = 0  # 0 = all
    chunk_words: int = 160
    temperature: float = 0.9
    max_tokens: int = 1500
    chunking: str = "words"  # "words": <= chunk_words-word chunks; "paragraphs": one chunk per profile paragraph
    min_scene_prompts: int = 0  # repeat scene prompts until there are at least this many (the paper: 100)
    protective_per: str = "run"  # "run": `protective` in total; "paragraph": `protective` per chunk
    prompts: str = "plait"  # "plait" (scripts.py) or "paper" (paper_prompts.py)
    preset: str = "default"

    def __post_init__(self) -> None:
        for key, allowed in (("chunking", ("words", "paragraphs")), ("protective_per", ("run", "paragraph")),
                             ("prompts", ("plait", "paper"))):
            if getattr(self, key) not in allowed:
                raise InputError(f"build-data {key} {getattr(self, key)!r} is not one of {', '.join(allowed)}")

    @classmethod
    def from_preset(cls, preset: str | None = None, **overrides: Any) -> "BuildConfig":
        """The preset's settings with every override that is not None (explicit flags win)."""
        from plait.plugins.characters.presets import build_settings

        preset_keys = {k: v for k, v in overrides.items() if k in BUILD["default"]}
        rest = {k: v for k, v in overrides.items() if k not in preset_keys and v is not None}
        return cls(**build_settings(preset, preset_keys), **rest)


def short_name(character: Character) -> str:
    return str(character.plait_ext.get("short_name") or character.name.split()[0])


def _names(character: Character) -> list[str]:
    parts = character.name.split()
    return list(dict.fromkeys([character.name, short_name(character), parts[0], parts[-1]]))


def profile_chunks(character: Character, cfg: BuildConfig) -> list[str]:
    """The profile split as ``cfg.chunking`` says, cut to ``cfg.max_chunks``."""
    if cfg.chunking == "paragraphs":  # the paper's read_profile: one chunk per blank-line paragraph
        texts = [" ".join(p.split()) for p in re.split(r"\n\s*\n", character.profile.strip())]
        texts = [t for t in texts if t and not t.startswith("# ")]
    else:
        texts = chunk_profile(character.profile, cfg.chunk_words)
    return texts[: cfg.max_chunks] if cfg.max_chunks > 0 else texts


def _copies(n: int, texts: list[str], minimum: int) -> list[int]:
    """Indexes of the chunks to ask scenes for: every chunk ``minimum // n`` times, then chunks drawn
    weighted by length until there are ``minimum`` (the paper's load_seed_data_train, seeded the same
    way so a resumed run sees the same rows)."""
    if minimum <= n:
        return list(range(n))
    order = list(range(n)) * max(1, minimum // n)
    rng = random.Random(42)
    order += rng.choices(range(n), weights=[len(t) for t in texts], k=minimum - len(order))
    return order


def source_rows(character: Character, cfg: BuildConfig) -> list[Row]:
    """Profile chunks (repeated up to ``min_scene_prompts``) and protective tasks: the same on every run."""
    texts = profile_chunks(character, cfg)
    rows: list[Row] = []
    seen: dict[int, int] = {}
    for i in _copies(len(texts), texts, cfg.min_scene_prompts) if texts else []:
        copy = seen[i] = seen.get(i, -1) + 1
        rid = f"chunk-{i}" if copy == 0 else f"chunk-{i}.copy-{copy}"
        rows.append({"id": rid, "kind": "chunk", "text": texts[i], "chunk_id": f"chunk-{i}", "copy": copy})
    topics = [str(t) for t in character.plait_ext.get("anachronisms") or []] or scripts.ANACHRONISMS
    paper = cfg.prompts == "paper"  # the paper's prompt names no topic: "inexistent ... people and unreal things"
    if cfg.protective_per == "paragraph":
        rows += [{"id": f"protective-{i}" + (f"-{k}" if k else ""), "kind": "protective", "profile": text,
                  "topic": None if paper else topics[(i * cfg.protective + k) % len(topics)]}
                 for i, text in enumerate(texts) for k in range(cfg.protective)]
    else:
        summary = "\n\n".join(texts[:2]) or character.description
        rows += [{"id": f"protective-{k}", "kind": "protective", "profile": summary,
                  "topic": None if paper else topics[k % len(topics)]} for k in range(cfg.protective)]
    return rows


def _skip(stage: str, rid: str, raw: str, reason: str) -> Row:
    return {"id": f"{stage}:{rid}", "kind": "skip", "stage": stage, "item": rid, "reason": reason, "raw": raw[:4000]}


class _Steps:
    """Prompts and parsers of one character (plain functions of a row: no state between rows)."""

    def __init__(self, character: Character | Callable[[], Character], cfg: BuildConfig):
        self._character, self.cfg = character, cfg

    @cached_property
    def character(self) -> Character:
        # loaded when a row needs it: `plait pipeline list` builds the pipeline without running it
        return self._character if isinstance(self._character, Character) else self._character()

    @property
    def name(self) -> str:
        return self.character.name

    @property
    def short(self) -> str:
        return short_name(self.character)

    @property
    def era(self) -> str:
        return self.character.era or "their own time"

    @property
    def cutoff(self) -> str:
        return self.character.knowledge_cutoff or "their own lifetime"

    def source(self) -> list[Row]:
        return source_rows(self.character, self.cfg)

    def scene_prompt(self, row: Row) -> str:
        template = paper_prompts.SCENE if self.cfg.prompts == "paper" else scripts.SCENE_PROMPT
        return template.format(profile=row["text"], n=self.cfg.scenes_per_chunk, name=self.name)

    def scenes(self, row: Row, result: ChatResult) -> list[Row]:
        raw = result.text or ""
        parsed = scripts.parse_scenes(raw)
        if not parsed:
            return [_skip("scenes", row["id"], raw, "no scene with a location and a background")]
        return [{"id": f"{row['id']}/scene-{j}", "kind": "scene", "chunk_id": row.get("chunk_id", row["id"]),
                 "chunk_text": row["text"], **s}
                for j, s in enumerate(parsed[: self.cfg.scenes_per_chunk])]

    def experience_prompt(self, row: Row) -> str:
        paper = self.cfg.prompts == "paper"
        if row["kind"] == "protective":
            template = paper_prompts.PROTECTIVE if paper else scripts.PROTECTIVE_PROMPT
            return template.format(profile=row["profile"], name=self.name, short=self.short,
                                   topic=row["topic"], era=self.era, cutoff=self.cutoff)
        return (paper_prompts.EXPERIENCE if paper else scripts.EXPERIENCE_PROMPT).format(
            profile=row.get("chunk_text") or self.character.profile, type=row["type"], location=row["location"],
            background=row["background"], name=self.name, short=self.short, era=self.era)

    def experience(self, row: Row, result: ChatResult) -> Row:
        raw = result.text or ""
        parsed = scripts.parse_script(raw, _names(self.character))
        if row["kind"] == "protective":
            if not parsed:
                return _skip("protective", row["id"], raw, f"no '(speaking)' line by {self.short}")
            return {"id": row["id"], "kind": "protective", "topic": row["topic"], "type": "Chat", "location": "",
                    "scene_background": "", **parsed}
        if not parsed:
            return _skip("experiences", row["id"], raw, f"no '(thinking)'/'(speaking)' line by {self.short}")
        return {"id": row["id"], "kind": "experience", "scene_id": row["id"], "type": row["type"],
                "location": row["location"], "scene_background": row["background"], **parsed}

    def sft(self, batch: list[Row]) -> list[Row]:
        out = []
        for row in batch:
            if row["kind"] in ("experience", "protective"):
                source = "protective" if row["kind"] == "protective" else "experience"
                row = {**row, "sft": scripts.sft_record(self.name, self.short, public_fields(row), source)}
            out.append(row)
        return out


def public_fields(row: Row) -> Row:
    return {k: v for k, v in row.items() if k not in ("kind", "sft", "chunk_text", "copy")}


def character_pipeline(character: Character | Callable[[], Character], cfg: BuildConfig | None = None,
                       model: str | None = None) -> Pipeline:
    """``character`` or a function loading it (on first use); ``model`` None: the configured model."""
    cfg = cfg or BuildConfig()
    steps = _Steps(character, cfg)
    options = ChatOptions(temperature=cfg.temperature, max_tokens=cfg.max_tokens)
    return Pipeline(
        NAME,
        [
            ModelStage("scenes", steps.scene_prompt, steps.scenes, model=model, options=options, kind="flat_map",
                       passes=lambda row: row["kind"] != "chunk"),
            ModelStage("experiences", steps.experience_prompt, steps.experience, model=model, options=options,
                       passes=lambda row: row["kind"] not in ("scene", "protective")),
            Stage("sft", steps.sft, batch_size=64),
        ],
        source=steps.source,
        description="Character-LLM data: profile chunks -> scenes -> experiences + protective experiences -> SFT rows",
        config=asdict(cfg),
    )


def registered(settings: Any) -> Pipeline:
    """``plait pipeline run character-data``: the character and options from ``[characters.data]``."""
    table = dict(settings.table("characters").get("data") or {})
    name = table.get("character")

    def load() -> Character:
        from plait.plugins.characters.store import BuiltinSource

        if not name:
            raise InputError("pipeline 'character-data' needs a character: set [characters.data] character = "
                             "\"SLUG\" in the config, or run `plait characters build-data SLUG --out DIR`")
        return BuiltinSource(settings).load(str(name))

    known = {k: table[k] for k in asdict(BuildConfig()) if k in table and k != "preset"}
    return character_pipeline(load, BuildConfig.from_preset(table.get("preset"), **known))


__all__ = ["BuildConfig", "NAME", "STAGES", "character_pipeline", "profile_chunks", "registered", "source_rows"]
