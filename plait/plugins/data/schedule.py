"""Writing a sampling schedule and the sampler state beside it (``plait data sample``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plait import InputError, atomic_write_json, write_jsonl

from plait.plugins.data.corpus import load_clusters, load_rows
from plait.plugins.data.sampler import Sampler


def default_state_path(out: Path) -> Path:
    return out.with_name(out.stem + ".state.json")


def make_sampler(directory: Path, *, strategy: str, clip: int | None, weighting: str, seed: int,
                 resume: Path | None) -> tuple[Sampler, list[str]]:
    corpus = load_rows(directory)
    clusters = load_clusters(directory, corpus)
    if resume is None:
        return Sampler(clusters, corpus.n_tokens, strategy=strategy, clip=clip, weighting=weighting, seed=seed), corpus.ids
    if not resume.is_file():
        raise InputError(f"--resume {resume}: no such state file (plait data sample saves one beside --out)")
    saved = json.loads(resume.read_text(encoding="utf-8"))
    asked = {"strategy": strategy, "clip": clip, "weighting": weighting, "seed": seed}
    changed = [f"--{k} {saved.get(k)!r} -> {v!r}" for k, v in asked.items() if saved.get(k) != v]
    if changed:
        raise InputError(f"--resume {resume} was saved with other options ({', '.join(changed)}); resume with the "
                         "same --strategy, --clip, --weighting and --seed")
    return Sampler.from_state(saved, clusters, corpus.n_tokens), corpus.ids


def write_schedule(directory: Path, *, tokens: int, strategy: str, clip: int | None, weighting: str, seed: int,
                   resume: Path | None, out: Path, state: Path | None) -> tuple[dict[str, Any], bool, Path]:
    """Draw up to ``tokens`` (cumulative over resumes) into ``out``; save the state. Returns the stats,
    whether the corpus ran dry under the clip, and the state path."""
    if tokens < 1:
        raise InputError(f"--tokens must be 1 or more, got {tokens}")
    sampler, ids = make_sampler(directory, strategy=strategy, clip=clip, weighting=weighting, seed=seed, resume=resume)
    rows = ({"id": ids[d.index], "cluster": d.cluster, "epoch": d.epoch, "repeat": d.repeat, "n_tokens": d.n_tokens}
            for d in sampler.run(tokens))
    write_jsonl(out, rows)
    state_path = state or default_state_path(out)
    atomic_write_json(state_path, sampler.state(), indent=None)
    return sampler.stats(), sampler.exhausted and sampler.tokens < tokens, state_path
