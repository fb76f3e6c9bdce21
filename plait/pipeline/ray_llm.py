"""Model stages through ``ray.data.llm``: ``build_processor`` with an ``HttpRequestProcessorConfig``.

The stage's ``prompt`` becomes the processor's preprocess (an OpenAI chat request body) and its
``parse`` the postprocess (the response parsed by plait's OpenAI format code, then the stage's
parse, then one commit record). Works against any OpenAI-compatible server: ``openai/`` models
with ``PLAIT_LLM_URL``. Ray's HTTP stage has its own retry policy; rows it cannot complete become
error records here, as on the other paths.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from plait.core.config import Settings
from plait.core.errors import ConfigError
from plait.core.models.openai_backend import DEFAULT_URL, OpenAIChatModel, normalize_url
from plait.pipeline.stage import ModelStage
from plait.pipeline.store import Record


def _request(stage: ModelStage, settings: Settings) -> tuple[str, dict[str, str], OpenAIChatModel]:
    name = stage.model or settings.model
    if not name.startswith("openai/"):
        raise ConfigError(
            f"stage {stage.name!r}: --ray-llm sends requests over HTTP to an OpenAI-compatible server and needs an "
            f"openai/MODEL model, not {name!r}; drop --ray-llm to call {name} inside Ray actors"
        )
    base = normalize_url(settings.llm_url or DEFAULT_URL)
    # built only to reuse request_params(): the same request body the actor path would send
    client = OpenAIChatModel(name.split("/", 1)[1], base, settings.llm_api_key)
    headers = {"Authorization": f"Bearer {settings.llm_api_key or 'EMPTY'}"}
    return f"{base}/chat/completions", headers, client


def _record(stage: ModelStage, model_name: str, row: dict[str, Any]) -> dict[str, str]:
    from plait.core.models.openai_format import parse_completion
    from plait.pipeline.calls import usage_of
    from plait.pipeline.worker import _done, _error

    seq, data = json.loads(row["seq"]), json.loads(row["row"])
    try:
        raw = row.get("http_response")
        if not isinstance(raw, dict) or not raw.get("choices"):
            raise RuntimeError(f"server answered without choices: {str(raw)[:300]}")
        result = parse_completion(raw, model_name)
        rec = _done(stage, seq, data, stage.parse(data, result), usage=usage_of(result), attempts=1)
    except Exception as exc:
        rec = _error(seq, data, exc)
    return {"record": json.dumps(rec, ensure_ascii=False, default=str)}


def http_processor_records(ray: Any, stage: ModelStage, rows: list[dict[str, str]], settings: Settings,
                           concurrency: int) -> Iterator[list[Record]]:
    from ray.data.llm import HttpRequestProcessorConfig, build_processor

    url, headers, client = _request(stage, settings)
    model_name = client.name
    body_of = client.request_params

    def preprocess(row: dict[str, Any]) -> dict[str, Any]:
        body = body_of(stage.messages(json.loads(row["row"])), stage.options)
        body.update(body.pop("extra_body", {}))  # the SDK merges extra_body; here we send raw JSON
        return {**row, "payload": body}

    config = HttpRequestProcessorConfig(url=url, headers=headers, concurrency=1, batch_size=max(1, concurrency))
    processor = build_processor(config, preprocess=preprocess, postprocess=lambda row: _record(stage, model_name, row))
    ds = processor(ray.data.from_items(rows))
    for out in ds.iter_batches(batch_size=None, batch_format="default"):
        yield [json.loads(r) for r in out["record"]]
