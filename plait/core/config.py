"""Configuration: ``./plait.toml`` over ``~/.config/plait/plait.toml``, overridden by ``PLAIT_*``.

Known top-level keys are validated; tables (``[gate]``, ``[serve]``, ...) belong to plugins and are
kept as dicts. Environment: ``PLAIT_<KEY>`` for a top-level key, ``PLAIT_<TABLE>__<KEY>`` inside a table.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plait.core.errors import ConfigError

SECRET_KEYS = {"llm_api_key", "api_keys", "embed_api_key"}
DEFAULT_MODEL = "llamacpp/smollm2"
DEFAULT_EMBEDDER = "local/all-minilm-l6-v2"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    home: Path = Field(Path(".plait"), description="data directory (Chroma, checkpoints, characters)")
    model: str = Field(DEFAULT_MODEL, description="chat model: llamacpp/NAME, openai/NAME, scripted/echo")
    embedder: str = Field(DEFAULT_EMBEDDER, description="embedder: local/NAME, openai/NAME, scripted/hash")
    llm_url: str | None = Field(None, description="base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
    llm_api_key: str | None = Field(None, description="API key for llm_url")
    embed_url: str | None = Field(None, description="base URL for openai/ embedders (defaults to llm_url)")
    embed_api_key: str | None = None
    chroma_url: str | None = Field(None, description="use a Chroma server instead of the embedded store")
    collection: str = Field("documents", description="Chroma collection of ingested documents")
    chunk_size: int = Field(200, gt=16, description="chunk size in embedder tokens (word pieces)")
    chunk_overlap: int = Field(30, ge=0)
    top_k: int = Field(5, gt=0)
    min_score: float = Field(0.2, description="below this fused relevance nothing counts as found")
    retrieve: str = Field("auto", pattern="^(auto|always|never)$")
    gate: str = Field("uar", description="retrieval gate: uar (the UAR plugin, default), always, never")
    api_keys: list[str] = Field(default_factory=list, description="API keys accepted by plait serve")
    tables: dict[str, dict[str, Any]] = Field(default_factory=dict, exclude=True)

    def table(self, name: str) -> dict[str, Any]:
        """A plugin's config table (``[name]`` in plait.toml), empty if absent."""
        return dict(self.tables.get(name, {}))

    def redacted(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        for key in SECRET_KEYS:
            if data.get(key):
                data[key] = "***" if not isinstance(data[key], list) else ["***"] * len(data[key])
        for name, table in self.tables.items():
            data[name] = {k: ("***" if "key" in k or "secret" in k or "token" in k else v) for k, v in table.items()}
        return data


def config_files(cwd: Path | None = None) -> list[Path]:
    """Config files in increasing priority: user file, then the working directory's."""
    user = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "plait" / "plait.toml"
    return [user, (cwd or Path.cwd()) / "plait.toml"]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}; fix the file or remove it") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc


def _env_overrides(environ: dict[str, str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    top: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}
    for key, value in environ.items():
        if not key.startswith("PLAIT_"):
            continue
        rest = key[len("PLAIT_"):].lower()
        if "__" in rest:
            table, sub = rest.split("__", 1)
            tables.setdefault(table, {})[sub] = value
        elif rest in Settings.model_fields and rest != "tables":
            top[rest] = [v.strip() for v in value.split(",") if v.strip()] if rest == "api_keys" else value
    return top, tables


def load_settings(cwd: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Merge the config files and the environment into validated Settings."""
    environ = dict(os.environ if environ is None else environ)
    merged: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}
    for path in config_files(cwd):
        if not path.is_file():
            continue
        for key, value in _read_toml(path).items():
            if isinstance(value, dict):
                tables.setdefault(key, {}).update(value)
            else:
                merged[key] = value
                sources[key] = str(path)
    env_top, env_tables = _env_overrides(environ)
    for key in env_top:
        sources[key] = f"PLAIT_{key.upper()}"
    merged.update(env_top)
    for name, values in env_tables.items():
        tables.setdefault(name, {}).update(values)
    _check_unknown(merged, sources)
    try:
        settings = Settings(**merged, tables=tables)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, sources)) from None
    if not settings.home.is_absolute():
        settings.home = (cwd or Path.cwd()) / settings.home
    return settings


def _check_unknown(merged: dict[str, Any], sources: dict[str, str]) -> None:
    known = [k for k in Settings.model_fields if k != "tables"]
    for key in merged:
        if key not in known:
            hint = difflib.get_close_matches(key, known, n=1)
            did = f"; did you mean {hint[0]!r}?" if hint else f"; known keys: {', '.join(known)}"
            raise ConfigError(f"unknown configuration key {key!r} in {sources.get(key, 'config')}{did}")


def _explain(exc: ValidationError, sources: dict[str, str]) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        where = sources.get(str(err["loc"][0]), "config")
        lines.append(f"invalid value for {key!r} in {where}: {err['msg']} (got {err.get('input')!r})")
    return "; ".join(lines) + " — fix the value in plait.toml or the PLAIT_* variable"


def write_value(key: str, value: Any, path: Path | None = None) -> Path:
    """Set ``key`` (``name`` or ``table.name``) in ``./plait.toml`` (or ``path``), keeping the rest."""
    import tomli_w

    path = path or Path.cwd() / "plait.toml"
    data = _read_toml(path) if path.is_file() else {}
    if "." in key:
        table, sub = key.split(".", 1)
        data.setdefault(table, {})[sub] = value
    else:
        data[key] = value
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    tmp.replace(path)  # atomic: a crash never leaves a half-written config
    return path
