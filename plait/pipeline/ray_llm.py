"""Model stages through ``ray.data.llm``: ``build_processor`` with an ``HttpRequestProcessorConfig``.

The stage's ``prompt`` becomes the processor's preprocess (an OpenAI chat request body) and its
``parse`` the postprocess (the response parsed by plait's OpenAI format code, then the stage's
parse, then one commit record). Works against any OpenAI-compatible server: ``openai/`` models
with ``PLAIT_LLM_URL``.

How Ray's HTTP stage (2.60) behaves, and what follows for plait: each of its actors sends the
requests of a batch one after another, so requests in flight = actors (``concurrency`` actors
here, 1/4 CPU each, batches of 4 rows); it retries 429/408/502/503/504 and dropped connections
itself (``[pipeline] retries`` / ``backoff`` are passed on); an answer with another status
becomes an error record here, but a row that exhausts Ray's retries raises inside Ray and
stops the run — the rows committed before it are kept, and a rerun resumes.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from plait.core.config import Settings
from plait.core.errors import ConfigError
from plait.core.models.openai_backend import DEFAULT_URL, OpenAIChatModel, normalize_url
from plait.pipeline.stage import ModelStage
from plait.pipeline.store import Record


def _endpoint(stage: ModelStage, settings: Settings) -> tuple[str, str, dict[str, str]]:
    """(model name, chat completions URL, headers) of an ``openai/`` model stage."""
    name = stage.model or settings.model
    if not name.startswith("openai/"):
        raise ConfigError(
            f"stage {stage.name!r}: --ray-llm sends requests over HTTP to an OpenAI-compatible server and needs an "
            f"openai/MODEL model, not {name!r}; drop --ray-llm to call {name} inside Ray actors"
        )
    base = normalize_url(settings.llm_url or DEFAULT_URL)
    return name, f"{base}/chat/completions", {"Authorization": f"Bearer {settings.llm_api_key or 'EMPTY'}"}


class _Preprocess:
    """Row -> request body, built by plait's openai backend (the body the actor path sends).

    The backend's client holds locks Ray cannot pickle, so it is made lazily in the worker."""

    def __init__(self, stage: ModelStage, model: str, structured_output: str):
        self.stage, self.model, self.structured_output = stage, model, structured_output
        self._client: OpenAIChatModel | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_client": None}

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        if self._client is None:
            self._client = OpenAIChatModel(self.model.split("/", 1)[1], structured_output=self.structured_output)
        data = json.loads(row["row"])
        body = self._client.request_params(self.stage.messages(data), self.stage.options_for(data))
        body.update(body.pop("extra_body", {}))  # the SDK merges extra_body; here the body goes as raw JSON
        return {**row, "payload": body}


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

    model_name, url, headers = _endpoint(stage, settings)
    preprocess = _Preprocess(stage, model_name, str(settings.table("openai").get("structured_output", "vllm")))

    from plait.pipeline.calls import RetryPolicy

    policy = RetryPolicy.from_settings(settings)
    config = HttpRequestProcessorConfig(
        url=url, headers=headers, concurrency=max(1, concurrency), batch_size=4,
        max_retries=policy.retries, base_retry_wait_time_in_s=policy.backoff,
        http_request_stage={"num_cpus": 0.25},
    )
    processor = build_processor(config, preprocess=preprocess, postprocess=lambda row: _record(stage, model_name, row))
    ds = processor(ray.data.from_items(rows))
    for out in ds.iter_batches(batch_size=None, batch_format="default"):
        yield [json.loads(r) for r in out["record"]]
