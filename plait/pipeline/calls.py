"""Model calls for model stages: retries with backoff on 429 / 5xx / timeouts, token counts.

The engine owns the retries of pipeline model calls, so the ``openai`` backend's own SDK retries
are turned off for them (unless ``[openai] max_retries`` is set explicitly): one policy, one
count of attempts per row. Options in ``[pipeline]`` (or ``PLAIT_PIPELINE__<KEY>``):
``retries`` (4), ``backoff`` (0.5 s, doubled per attempt, with jitter), ``max_backoff`` (20 s).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any, Callable

import httpx  # imported here, not in retryable(): a first import racing in many threads breaks
import openai

from plait.core.config import Settings
from plait.core.errors import ConfigError, Unavailable
from plait.core.models.base import ChatModel, ChatOptions, ChatResult, Message

RETRY_STATUSES = {408, 409, 429}


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 4
    backoff: float = 0.5
    max_backoff: float = 20.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "RetryPolicy":
        table = settings.table("pipeline")
        try:
            return cls(
                retries=int(table.get("retries", 4)),
                backoff=float(table.get("backoff", 0.5)),
                max_backoff=float(table.get("max_backoff", 20.0)),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid [pipeline] retry option: {exc}; retries is an integer, backoff seconds") from None

    def delay(self, attempt: int) -> float:
        """Seconds before retry number ``attempt`` (1-based): exponential, half of it jittered."""
        base = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        return base * (0.5 + random.random() / 2)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and what it was raised from or during (plait wraps SDK errors ``from None``)."""
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out and len(out) < 5:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def retryable(exc: BaseException) -> bool:
    """True for rate limits, server errors, timeouts and dropped connections."""
    for e in _chain(exc):
        status = getattr(e, "status_code", None)
        if isinstance(status, int):
            return status in RETRY_STATUSES or status >= 500
        if isinstance(e, (TimeoutError, ConnectionError)):
            return True
        if isinstance(e, (openai.APIConnectionError, httpx.TransportError)):  # includes timeouts
            return True
    return False


def call_model(model: ChatModel, messages: list[Message], options: ChatOptions, policy: RetryPolicy,
               sleep: Callable[[float], None] = time.sleep) -> tuple[ChatResult, int]:
    """``model.chat`` with retries; returns (result, attempts). The last error carries ``.attempts``."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return model.chat(messages, options), attempt
        except Exception as exc:
            if attempt > policy.retries or not retryable(exc):
                exc.attempts = attempt  # type: ignore[attr-defined]
                raise
            sleep(policy.delay(attempt))


def usage_of(result: ChatResult) -> dict[str, int]:
    usage = result.usage or {}
    return {
        "prompt_tokens": int(usage.get("prompt_tokens") or 0),
        "completion_tokens": int(usage.get("completion_tokens") or 0),
    }


def pipeline_settings(settings: Settings) -> Settings:
    """Settings for pipeline model clients: SDK retries off unless the user set them."""
    tables = {k: dict(v) for k, v in settings.tables.items()}
    tables.setdefault("openai", {}).setdefault("max_retries", 0)
    return settings.model_copy(update={"tables": tables})


def resolve_model(stage_name: str, model_name: str | None, settings: Settings) -> Any:
    """The chat model of a model stage; the in-process vLLM backend fails here with a clear error."""
    from plait.core.models import get_chat_model

    name = model_name or settings.model
    try:
        return get_chat_model(name, pipeline_settings(settings))
    except Unavailable as exc:
        if name.startswith("vllm/"):
            raise Unavailable(
                f"stage {stage_name!r} uses the in-process vLLM backend ({name}), which cannot run on this machine "
                f"(vLLM is not installed / no GPU): {exc}"
            ) from None
        raise
