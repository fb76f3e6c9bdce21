"""Stages: plain functions over a batch of rows, declared with the resources they use.

A stage knows nothing of the executor that runs it; the same object runs on local threads and
inside Ray actors.

- :class:`Stage` (``resources="cpu"``, or ``"sandbox"`` when the function calls
  :func:`plait.sandbox.run` itself): ``fn(batch) -> results`` where ``batch`` is a list of rows and
  ``results`` has one entry per row — a row (``map``), a list of rows (``flat_map``) or a bool
  (``filter``). ``fn`` may be a class: it is instantiated once per worker (load a resource in
  ``__init__``), then called with each batch.
- :class:`ModelStage` (``resources="model"``): ``prompt(row)`` gives the messages (or one user
  string); the engine calls the model through plait's model protocol with retries and a bounded
  number of requests in flight; ``parse(row, result)`` turns the reply into a row, a list of rows
  or ``None`` (drop). Token counts are recorded per row.
- :class:`SandboxStage` (``resources="sandbox"``): ``program(row)`` gives Python source that runs
  through :func:`plait.sandbox.run` under ``limits``; ``parse(row, exec_result)`` as above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from plait.core.errors import ConfigError
from plait.core.models.base import ChatOptions, ChatResult, Message

Row = dict[str, Any]
Kind = Literal["map", "flat_map", "filter"]
KINDS = ("map", "flat_map", "filter")
RESOURCES = ("cpu", "model", "sandbox")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            f"{what} name {name!r} must be letters, digits, '_', '.' or '-' (it names a directory under PLAIT_HOME/runs)"
        )
    return name


@dataclass
class Stage:
    """A batch function: ``fn(list[row]) -> list[row | list[row] | bool]`` (by ``kind``)."""

    name: str
    fn: Callable[[list[Row]], list[Any]] | type
    kind: Kind = "map"
    resources: str = "cpu"
    batch_size: int = 16

    def __post_init__(self) -> None:
        check_name(self.name, "stage")
        if self.kind not in KINDS:
            raise ConfigError(f"stage {self.name!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.resources not in ("cpu", "sandbox"):
            raise ConfigError(
                f"stage {self.name!r}: resources={self.resources!r}; a Stage uses 'cpu' or 'sandbox' "
                "(model calls go in a ModelStage)"
            )
        if self.batch_size < 1:
            raise ConfigError(f"stage {self.name!r}: batch_size must be at least 1")


def _user(text: str) -> list[Message]:
    return [{"role": "user", "content": text}]


def default_parse(row: Row, result: ChatResult) -> Row:
    return {**row, "completion": result.text}


@dataclass
class ModelStage:
    """One chat request per row through plait's model protocol."""

    name: str
    prompt: Callable[[Row], list[Message] | str]
    parse: Callable[[Row, ChatResult], Row | list[Row] | None] = default_parse
    model: str | None = None  # BACKEND/NAME; None = the configured model (PLAIT_MODEL)
    options: ChatOptions = field(default_factory=ChatOptions)
    kind: Kind = "map"
    batch_size: int = 16
    # per-row options (e.g. a sampling seed carried by the row); None = ``options`` for every row
    row_options: Callable[[Row], ChatOptions] | None = None
    # rows for which ``passes(row)`` is true go on unchanged, with no model call (rows of another kind)
    passes: Callable[[Row], bool] | None = None
    resources: str = field(default="model", init=False)

    def __post_init__(self) -> None:
        check_name(self.name, "stage")
        if self.kind not in KINDS:
            raise ConfigError(f"stage {self.name!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}")

    def options_for(self, row: Row) -> ChatOptions:
        return self.row_options(row) if self.row_options is not None else self.options

    def messages(self, row: Row) -> list[Message]:
        got = self.prompt(row)
        return _user(got) if isinstance(got, str) else list(got)


@dataclass
class SandboxStage:
    """One sandbox run per row through :func:`plait.sandbox.run`."""

    name: str
    program: Callable[[Row], str]
    parse: Callable[[Row, Any], Row | list[Row] | None]
    limits: Any = None  # plait.sandbox.Limits; None = its defaults
    backend: str | None = None  # None = the best available backend
    kind: Kind = "map"
    batch_size: int = 4
    resources: str = field(default="sandbox", init=False)

    def __post_init__(self) -> None:
        check_name(self.name, "stage")


AnyStage = Stage | ModelStage | SandboxStage


def map_stage(name: str | None = None, *, resources: str = "cpu", batch_size: int = 16) -> Callable[[Callable], Stage]:
    """Decorator: ``@map_stage()`` over ``def fn(batch) -> list[row]``."""
    return lambda fn: Stage(name or fn.__name__, fn, "map", resources, batch_size)


def flat_map_stage(name: str | None = None, *, resources: str = "cpu", batch_size: int = 16) -> Callable[[Callable], Stage]:
    """Decorator: ``@flat_map_stage()`` over ``def fn(batch) -> list[list[row]]``."""
    return lambda fn: Stage(name or fn.__name__, fn, "flat_map", resources, batch_size)


def filter_stage(name: str | None = None, *, resources: str = "cpu", batch_size: int = 16) -> Callable[[Callable], Stage]:
    """Decorator: ``@filter_stage()`` over ``def fn(batch) -> list[bool]``."""
    return lambda fn: Stage(name or fn.__name__, fn, "filter", resources, batch_size)
