"""Settings for answering with a small local model (any ``llamacpp/...`` GGUF), measured on this
project's question set (issue 13): greedy decoding, at most 128 new tokens, the top 3 hits in the
prompt, and no hit below the reject threshold (that one holds for every model, see ``graph._retrieve``).

Each applies only where the user set nothing: a ``temperature``/``max_tokens`` in the request,
``[llamacpp]`` or ``[models.NAME]``, or a configured ``top_k`` wins.
"""

from __future__ import annotations

from plait.core.config import Settings
from plait.core.models.base import ChatOptions

TEMPERATURE = 0.0  # greedy: sampling made a 135M-0.5B model wander off the sources
MAX_TOKENS = 128  # longer answers from small models were loops or invented detail
TOP_K = 3  # more chunks crowd a small context and are quoted less faithfully


def is_local(settings: Settings) -> bool:
    return settings.model.startswith("llamacpp/")


def _model_table(settings: Settings) -> dict:
    name = settings.model.partition("/")[2]
    value = settings.table("models").get(name)
    return value if isinstance(value, dict) else {}


def _user_set(settings: Settings, key: str) -> bool:
    return f"llamacpp.{key}" in settings.sources or key in _model_table(settings)


def generate_top_k(settings: Settings) -> int:
    """Hits given to the model in ``generate`` mode."""
    if is_local(settings) and "top_k" not in settings.sources:
        return min(settings.top_k, TOP_K)
    return settings.top_k


def generate_options(settings: Settings, options: ChatOptions) -> ChatOptions:
    """``options`` with the small-model defaults filled in where neither request nor config set one."""
    if not is_local(settings):
        return options
    if options.temperature is None and not _user_set(settings, "temperature"):
        options.temperature = TEMPERATURE
    if options.max_tokens is None and not _user_set(settings, "max_tokens"):
        options.max_tokens = MAX_TOKENS
    return options
