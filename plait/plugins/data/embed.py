"""``plait data embed``: an engine stage that embeds a dataset with any registered embedder.

The run lives in ``DIR/runs/data-embed/`` (the engine's layout with ``DIR`` as its home), so a killed
run resumes without embedding a committed row again. When it ends, ``DIR`` holds:

- ``rows.jsonl``: ``{"id", "n_tokens", "first_line"}`` per row, in dataset order;
- ``vectors.npy``: float32 ``(rows, dim)``, row ``i`` the vector of ``rows.jsonl`` line ``i``;
- ``embed.json``: the embedder, dimension, tokenizer, row count and dataset.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Callable

import numpy as np

from plait.pipeline.options import check_run_options
from plait import ConfigError, InputError, Pipeline, Stage, atomic_write_bytes, atomic_write_json, get_embedder, write_jsonl

PIPELINE = "data-embed"
TEXT_FIELDS = ("text", "content")
Row = dict[str, Any]


def tokenizer_for(spec: str, embedder: Any = None) -> Callable[[str], int]:
    """A token counter: ``whitespace`` (words split on whitespace, the fallback), ``embedder`` (the
    embedder's own ``count_tokens``) or a path to a Hugging Face ``tokenizer.json``."""
    if spec == "whitespace":
        return lambda text: len(text.split())
    if spec == "embedder":
        if embedder is None:
            raise ConfigError("--tokenizer embedder needs an embedder")
        return embedder.count_tokens
    path = Path(spec)
    if not path.is_file():
        raise InputError(f"--tokenizer {spec!r} is not whitespace, embedder or an existing tokenizer.json file")
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    return lambda text: len(tok.encode(text, add_special_tokens=False).ids)


def row_text(row: Row, field: str | None) -> str:
    fields = (field,) if field else TEXT_FIELDS
    for name in fields:
        value = row.get(name)
        if isinstance(value, str):
            return value
    raise InputError(f"row {row.get('id')!r} has no text field {' or '.join(repr(f) for f in fields)}; "
                     "name the field with --field NAME")


def first_line(text: str, width: int = 120) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def row_tokens(row: Row, text: str, count: Callable[[str], int]) -> int:
    """The row's own ``n_tokens`` if it has one, else the tokenizer's count (at least 1)."""
    given = row.get("n_tokens")
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, int) or given < 1:
            raise InputError(f"row {row.get('id')!r}: n_tokens must be a positive integer, got {given!r}")
        return given
    return max(1, count(text))


def embed_stage(embedder: str | None, field: str | None, tokenizer: str, batch_size: int) -> Stage:
    class Embed:  # built once per worker: the embedder loads once, then embeds batch after batch
        def __init__(self) -> None:
            self.model = get_embedder(embedder)
            self.count = tokenizer_for(tokenizer, self.model)

        def __call__(self, batch: list[Row]) -> list[Row]:
            texts = [row_text(r, field) for r in batch]
            vecs = np.asarray(self.model.embed(texts), dtype=np.float32)
            return [{"id": r["id"], "n_tokens": row_tokens(r, t, self.count), "first_line": first_line(t),
                     "vec": base64.b64encode(v.tobytes()).decode("ascii")} for r, t, v in zip(batch, texts, vecs)]

    return Stage("embed", Embed, kind="map", batch_size=batch_size)


def embed_pipeline(dataset: Path, embedder: str | None, field: str | None, tokenizer: str, batch_size: int = 64) -> Pipeline:
    if not dataset.exists():
        raise InputError(f"dataset {dataset} does not exist; give a dataset directory or a .jsonl / .parquet file")
    return Pipeline(PIPELINE, [embed_stage(embedder, field, tokenizer, batch_size)], source=str(dataset),
                    description="embed rows for clustering (plait data embed)")


def check_options(runs: Path, options: dict[str, Any], out: Path) -> None:
    """Refuse to resume a run in ``out`` made with other options: its vectors would not be comparable."""
    check_run_options(runs / "options.json", options, what="embed", out=out)


def write_outputs(out: Path, rows: list[Row], info: dict[str, Any]) -> dict[str, Any]:
    """rows.jsonl + vectors.npy + embed.json from the committed stage rows (dataset order)."""
    if not rows:
        raise InputError(f"nothing was embedded into {out}: the dataset has no rows, or every row failed "
                         "(see `plait pipeline status`-style error records in runs/data-embed/embed/log.jsonl)")
    vecs = np.stack([np.frombuffer(base64.b64decode(r["vec"]), dtype=np.float32) for r in rows])
    import io

    buf = io.BytesIO()
    np.save(buf, vecs)
    atomic_write_bytes(out / "vectors.npy", buf.getvalue())
    write_jsonl(out / "rows.jsonl", ({"id": r["id"], "n_tokens": r["n_tokens"], "first_line": r["first_line"]} for r in rows))
    info = {**info, "rows": len(rows), "dim": int(vecs.shape[1]), "tokens": int(sum(r["n_tokens"] for r in rows))}
    atomic_write_json(out / "embed.json", info)
    return info


