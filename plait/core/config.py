"""Configuration: ``./plait.toml`` over ``~/.config/plait/plait.toml``, overridden by ``PLAIT_*``.

Known top-level keys are validated; tables (``[gate]``, ``[serve]``, ...) belong to plugins and are
kept as :class:`ConfigTable` dicts whose typed getters turn a bad value into a one-line ConfigError naming
key, file and fix. Environment: ``PLAIT_<KEY>`` for a top-level key, ``PLAIT_<TABLE>__<KEY>`` inside a table.

``gate`` is both a setting (which gate) and a plugin table (its settings), and TOML cannot hold a key
and a table of the same name in one file: ``[gate] name = "uar"`` is the same setting as the top-level
``gate = "uar"`` (and ``PLAIT_GATE__NAME`` the same as ``PLAIT_GATE``), so both fit in one file.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plait.core.errors import ConfigError
from plait.core.redact import redact

GATE_NAME_KEY = "name"  # [gate] name = "uar": the gate, written inside the [gate] table
DEFAULT_MODEL = "llamacpp/smollm2"
DEFAULT_EMBEDDER = "local/all-minilm-l6-v2"
# Chroma's own rule for collection names, checked here so a bad name is a config error, not a traceback
COLLECTION_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$"


class ConfigTable(dict):
    """A plugin's table (``[name]`` in plait.toml): a dict with getters that validate a value's type.

    A bad value is a ConfigError naming the key, where it was set and how to fix it, never a
    traceback from ``float("x")`` deep inside a plugin.
    """

    def __init__(self, name: str, values: dict[str, Any], sources: dict[str, str] | None = None):
        super().__init__(values)
        self.name = name
        self.sources = dict(sources or {})

    def invalid(self, key: str, expected: str, example: str) -> ConfigError:
        """The error for a bad ``key``: ``expected`` says what is allowed, ``example`` a valid value."""
        where = self.sources.get(key, "config")
        env = f"PLAIT_{self.name.upper()}__{key.upper()}"
        return ConfigError(
            f"invalid value for [{self.name}] {key} in {where}: expected {expected}, got "
            f"{redact(self.get(key), key)!r}; write e.g. {key} = {example} under [{self.name}] "
            f"in plait.toml, or set {env}"
        )

    def number(self, key: str, default: float, *, lo: float | None = None, hi: float | None = None) -> float:
        """``key`` as a float (strings from PLAIT_* variables are parsed), within [lo, hi] if given."""
        raw = self.get(key, default)
        expected = "a number" + (f" in [{lo}, {hi}]" if lo is not None and hi is not None else
                                 f" >= {lo}" if lo is not None else f" <= {hi}" if hi is not None else "")
        try:
            if isinstance(raw, bool):
                raise ValueError(raw)
            value = float(raw)
        except (TypeError, ValueError):
            raise self.invalid(key, expected, repr(default)) from None
        if value != value or (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.invalid(key, expected, repr(default))
        return value

    def integer(self, key: str, default: int, *, lo: int | None = None) -> int:
        """``key`` as a whole number, at least ``lo`` if given."""
        raw = self.get(key, default)
        expected = "a whole number" + (f" >= {lo}" if lo is not None else "")
        try:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError(raw)
            value = int(raw)
        except (TypeError, ValueError):
            raise self.invalid(key, expected, str(default)) from None
        if lo is not None and value < lo:
            raise self.invalid(key, expected, str(default))
        return value


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
    sessions_url: str | None = Field(None, description="postgresql://... keeps chat sessions in PostgreSQL instead of SQLite under home")
    collection: str = Field(
        "documents", pattern=COLLECTION_PATTERN,
        description="Chroma collection of ingested documents (3-512 of a-z A-Z 0-9 . _ -, starting and ending with a letter or digit)",
    )
    chunk_size: int = Field(200, gt=16, description="chunk size in embedder tokens (word pieces)")
    chunk_overlap: int = Field(30, ge=0)
    top_k: int = Field(5, gt=0)
    min_score: float = Field(0.2, description="below this fused relevance nothing counts as found")
    retrieve: str = Field("auto", pattern="^(auto|always|never)$")
    gate: str = Field("uar", description="retrieval gate: uar (the UAR plugin, default), always, never")
    api_keys: list[str] = Field(default_factory=list, description="API keys accepted by plait serve")
    tables: dict[str, dict[str, Any]] = Field(default_factory=dict, exclude=True)
    # "key" or "table.key" -> the file or PLAIT_* variable it came from (for error messages)
    sources: dict[str, str] = Field(default_factory=dict, exclude=True)

    def table(self, name: str) -> ConfigTable:
        """A plugin's config table (``[name]`` in plait.toml), empty if absent."""
        prefix = f"{name}."
        sources = {k[len(prefix):]: v for k, v in self.sources.items() if k.startswith(prefix)}
        return ConfigTable(name, self.tables.get(name, {}), sources)

    def redacted(self) -> dict[str, Any]:
        """Everything, secrets masked (see :mod:`plait.core.redact`); valid TOML when dumped.

        When a ``[gate]`` table exists the selected gate is shown inside it as ``name``, because a
        TOML document cannot hold both ``gate = ...`` and ``[gate]``.
        """
        data: dict[str, Any] = redact(self.model_dump(mode="json"))
        for name, table in self.tables.items():
            values = redact(dict(table))
            if name == "gate":
                values = {GATE_NAME_KEY: data.pop("gate"), **values}
            data[name] = values
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
        elif rest in Settings.model_fields and rest not in ("tables", "sources"):
            top[rest] = [v.strip() for v in value.split(",") if v.strip()] if rest == "api_keys" else value
    return top, tables


class _Merged:
    """Top-level values, plugin tables and where each came from, merged in priority order."""

    def __init__(self) -> None:
        self.top: dict[str, Any] = {}
        self.tables: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, str] = {}

    def set_top(self, key: str, value: Any, source: str) -> None:
        self.top[key] = value
        self.sources[key] = source

    def set_table(self, name: str, values: dict[str, Any], source: Callable[[str], str]) -> None:
        values = dict(values)
        if name == "gate" and GATE_NAME_KEY in values:  # [gate] name = "uar" selects the gate
            self.set_top("gate", values.pop(GATE_NAME_KEY), source(GATE_NAME_KEY))
        self.tables.setdefault(name, {}).update(values)
        for key in values:
            self.sources[f"{name}.{key}"] = source(key)


def load_settings(cwd: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Merge the config files and the environment into validated Settings."""
    environ = dict(os.environ if environ is None else environ)
    merged = _Merged()
    for path in config_files(cwd):
        if not path.is_file():
            continue
        for key, value in _read_toml(path).items():
            if isinstance(value, dict):
                merged.set_table(key, value, lambda sub, p=path: str(p))
            else:
                merged.set_top(key, value, str(path))
    env_top, env_tables = _env_overrides(environ)
    for name, values in env_tables.items():
        merged.set_table(name, values, lambda sub, n=name: f"PLAIT_{n.upper()}__{sub.upper()}")
    for key, value in env_top.items():  # PLAIT_GATE wins over PLAIT_GATE__NAME: the plainer form
        merged.set_top(key, value, f"PLAIT_{key.upper()}")
    _check_unknown(merged.top, merged.sources)
    try:
        settings = Settings(**merged.top, tables=merged.tables, sources=merged.sources)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, merged.sources)) from None
    if not settings.home.is_absolute():
        settings.home = (cwd or Path.cwd()) / settings.home
    return settings


def _check_unknown(merged: dict[str, Any], sources: dict[str, str]) -> None:
    known = [k for k in Settings.model_fields if k not in ("tables", "sources")]
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
        got = redact(err.get("input"), str(err["loc"][0]))  # never echo an API key back
        lines.append(f"invalid value for {key!r} in {where}: {_HINTS.get(key, err['msg'])} (got {got!r})")
    return "; ".join(lines) + " — fix the value in plait.toml or the PLAIT_* variable"


_HINTS = {
    "collection": "a Chroma collection name is 3-512 characters of a-z A-Z 0-9 . _ -, starting and ending "
                  "with a letter or digit, e.g. collection = \"documents\"",
}


def write_value(key: str, value: Any, path: Path | None = None) -> Path:
    """Set ``key`` (``name`` or ``table.name``) in ``./plait.toml`` (or ``path``), keeping the rest."""
    import tomli_w

    path = path or Path.cwd() / "plait.toml"
    data = _read_toml(path) if path.is_file() else {}
    if key == "gate" and isinstance(data.get("gate"), dict):
        key = f"gate.{GATE_NAME_KEY}"  # a [gate] table exists: the gate goes inside it
    if "." in key:
        table, sub = key.split(".", 1)
        if table == "gate" and isinstance(data.get("gate"), str):
            data["gate"] = {GATE_NAME_KEY: data["gate"]}  # gate = "uar" becomes [gate] name = "uar"
        data.setdefault(table, {})[sub] = value
    else:
        data[key] = value
    from plait.core.io import atomic_write_text

    return atomic_write_text(path, tomli_w.dumps(data))  # a crash never leaves a half-written config
