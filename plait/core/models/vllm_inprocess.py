"""The ``vllm`` backend: an in-process ``vllm.LLM``, for batch generation (data synthesis) on GPU hosts.

``vllm/<hf-model-or-path>`` loads the model into this process; ``chat_batch`` sends many
conversations through vLLM's scheduler at once, which is what makes it worth having next to the
``openai`` backend. vLLM is an optional dependency imported only here, on first use: without it
(or without a GPU it can use) the factory raises :class:`~plait.core.errors.Unavailable`.

Options in ``[vllm]`` (or ``PLAIT_VLLM__<KEY>``): ``tensor_parallel_size`` (1),
``gpu_memory_utilization`` (0.9), ``max_model_len``, ``dtype`` ("auto"), ``trust_remote_code``
(false; InternLM2 needs true), ``max_tokens`` (512, when a request sets none).

Tool calling is not offered in-process: vLLM parses tool calls in its server. Serve the model with
``vllm serve MODEL --enable-auto-tool-choice --tool-call-parser NAME`` and use ``openai/MODEL``.
"""

from __future__ import annotations

from typing import Any, Iterator

from plait.core.errors import ConfigError, ModelError, Unavailable
from plait.core.models.base import ChatOptions, ChatResult, Choice, Message

INSTALL_HINT = (
    "the vllm backend runs vllm.LLM in-process and needs `pip install vllm` on a GPU host "
    "(CUDA; no CPU wheel exists); on this machine use --model openai/MODEL against a vLLM server "
    "elsewhere, or the embedded default llamacpp/smollm2"
)


def _import_vllm():
    try:
        import vllm
    except ImportError as exc:
        raise Unavailable(f"vllm is not installed ({exc}): {INSTALL_HINT}") from None
    except Exception as exc:  # a broken CUDA install fails at import with all sorts of errors
        raise Unavailable(f"vllm failed to import ({type(exc).__name__}: {exc}): {INSTALL_HINT}") from None
    return vllm


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


class VLLMChatModel:
    """Chat and batch chat through an in-process ``vllm.LLM``."""

    def __init__(self, model: str, *, engine_args: dict[str, Any] | None = None, max_tokens: int = 512, llm: Any = None):
        self.vllm = _import_vllm()
        self.model = model
        self.name = f"vllm/{model}"
        self.default_max_tokens = max_tokens
        if llm is None:
            try:
                llm = self.vllm.LLM(model=model, **(engine_args or {}))
            except (RuntimeError, ValueError, OSError) as exc:
                raise Unavailable(f"vllm could not start {model!r} ({exc}): {INSTALL_HINT}") from None
        self.llm = llm

    @classmethod
    def from_settings(cls, name: str, settings) -> "VLLMChatModel":
        _import_vllm()  # fail before parsing anything else: this is the common case off GPU hosts
        table = settings.table("vllm")
        engine: dict[str, Any] = {}
        try:
            if "tensor_parallel_size" in table:
                engine["tensor_parallel_size"] = int(table["tensor_parallel_size"])
            if "gpu_memory_utilization" in table:
                engine["gpu_memory_utilization"] = float(table["gpu_memory_utilization"])
            if "max_model_len" in table:
                engine["max_model_len"] = int(table["max_model_len"])
            max_tokens = int(table.get("max_tokens", 512))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid [vllm] option: {exc}") from None
        if "dtype" in table:
            engine["dtype"] = str(table["dtype"])
        if "trust_remote_code" in table:
            engine["trust_remote_code"] = _bool(table["trust_remote_code"])
        return cls(name, engine_args=engine, max_tokens=max_tokens)

    def sampling_params(self, options: ChatOptions):
        """ChatOptions -> ``vllm.SamplingParams`` (structured output through ``StructuredOutputsParams``)."""
        if options.tools:
            raise ConfigError(
                "the in-process vllm backend does not parse tool calls; serve the model with "
                "`vllm serve MODEL --enable-auto-tool-choice --tool-call-parser NAME` and use openai/MODEL"
            )
        kw: dict[str, Any] = {"n": max(1, options.n), "max_tokens": options.max_tokens or self.default_max_tokens}
        if options.temperature is not None:
            kw["temperature"] = options.temperature
        if options.stop:
            kw["stop"] = list(options.stop)
        if options.seed is not None:
            kw["seed"] = options.seed
        if options.logprobs is not None:
            kw["logprobs"] = max(1, options.logprobs)
        if options.json_schema is not None:
            from vllm.sampling_params import StructuredOutputsParams

            kw["structured_outputs"] = StructuredOutputsParams(json=options.json_schema)
        return self.vllm.SamplingParams(**kw)

    def _result(self, output: Any) -> ChatResult:
        choices = []
        for comp in output.outputs:
            logprobs = None
            if comp.logprobs:
                logprobs = []
                for token_id, step in zip(comp.token_ids, comp.logprobs):
                    chosen = step.get(token_id)
                    top = {lp.decoded_token: float(lp.logprob) for lp in step.values()}
                    logprobs.append({
                        "token": getattr(chosen, "decoded_token", ""),
                        "logprob": float(getattr(chosen, "logprob", 0.0)),
                        "top": top,
                    })
            choices.append(Choice(comp.text, finish_reason=comp.finish_reason, logprobs=logprobs))
        prompt = len(getattr(output, "prompt_token_ids", None) or [])
        completion = sum(len(c.token_ids) for c in output.outputs)
        usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        return ChatResult(choices, model=self.name, usage=usage)

    def chat_batch(self, conversations: list[list[Message]], options: ChatOptions | None = None) -> list[ChatResult]:
        """Many conversations in one scheduler pass, results in input order."""
        params = self.sampling_params(options or ChatOptions())
        try:
            outputs = self.llm.chat(conversations, params, use_tqdm=False)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"{self.name} failed: {exc}") from None
        return [self._result(o) for o in outputs]

    def chat(self, messages: list[Message], options: ChatOptions | None = None) -> ChatResult:
        return self.chat_batch([messages], options)[0]

    def stream(self, messages: list[Message], options: ChatOptions | None = None) -> Iterator[str]:
        """vllm.LLM generates whole answers; the stream is that answer in one piece."""
        text = self.chat(messages, options).text
        if text:
            yield text
