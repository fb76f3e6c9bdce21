"""Request bodies of the OpenAI-compatible routes (validated; unknown OpenAI fields are accepted and ignored)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plait.core.errors import InputError


def reject_surrogates(value: Any, where: str) -> None:
    """InputError (400) naming the field when a string holds a lone UTF-16 surrogate.

    JSON may escape one (``"\\ud800"``) and Python accepts it, but it is not Unicode text: it
    cannot be encoded to UTF-8, so it would fail later in SQLite, the checkpoint serializer or
    the model client, after part of the turn was stored.
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")  # fast; only surrogates fail to encode
        except UnicodeEncodeError as exc:
            raise InputError(
                f"{where} has a lone UTF-16 surrogate (U+{ord(value[exc.start]):04X}) at character {exc.start}: "
                f"that is not valid Unicode text; send UTF-8 text (escape characters outside the BMP as a surrogate pair)"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_surrogates(key, f"{where} key")
            reject_surrogates(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            reject_surrogates(item, f"{where}[{i}]")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None

    def text(self) -> str:
        """Content as plain text (OpenAI content parts joined)."""
        if isinstance(self.content, list):
            return "".join(p.get("text", "") for p in self.content if isinstance(p, dict) and p.get("type", "text") == "text")
        return self.content or ""

    def to_message(self) -> dict[str, Any]:
        role = "system" if self.role == "developer" else self.role
        out: dict[str, Any] = {"role": role, "content": self.text()}
        if self.name:
            out["name"] = self.name
        extra = self.model_extra or {}
        for key in ("tool_calls", "tool_call_id"):
            if key in extra:
                out[key] = extra[key]
        return out


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # OpenAI clients send many optional fields

    model: str = Field(..., min_length=1, description="an agent (`rag`) or a character (`character/<name>`); see GET /v1/models")
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False
    n: int = Field(1, ge=1, le=8)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    user: str | None = Field(None, max_length=1000, description="session id when no X-Plait-Session header is sent (other text is mapped to a stable id)")
    plait: dict[str, Any] | None = Field(
        None, description="plait extensions: {\"regenerate\": true} replaces the session's last reply; other keys go to the agent as options"
    )

    @field_validator("stop")
    @classmethod
    def _stops(cls, value: str | list[str] | None) -> list[str] | None:
        if value is None:
            return None
        stops = [value] if isinstance(value, str) else list(value)
        if len(stops) > 4 or any(not s for s in stops):
            raise ValueError("stop takes up to 4 non-empty strings")
        return stops

    def stops(self) -> list[str]:
        return list(self.stop or [])  # type: ignore[arg-type]

    def token_limit(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    input: str | list[str] = Field(..., description="text or list of texts (token-id input is not supported)")
    model: str | None = Field(None, description="ignored unless it names the configured embedder")
    encoding_format: Literal["float", "base64"] = "float"

    def texts(self) -> list[str]:
        texts = [self.input] if isinstance(self.input, str) else list(self.input)
        if not texts:
            raise ValueError("input must not be empty")
        return texts
