"""Pipelines: a name, a source of rows and an ordered list of stages; the registry of them.

Plugins register pipelines through the ``register_pipelines`` hook:
``register(name, factory)`` where ``factory(settings) -> Pipeline``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from plait.core.config import Settings
from plait.core.errors import ConfigError, InputError, NotFound
from plait.pipeline.dataset import Dataset, with_id
from plait.pipeline.stage import AnyStage, check_name

Row = dict[str, Any]
Source = str | os.PathLike[str] | Callable[[], Iterable[Row]] | None


@dataclass
class Pipeline:
    """``source`` is a dataset path, a function yielding rows, or None (``--input`` required)."""

    name: str
    stages: list[AnyStage]
    source: Source = None
    description: str = ""
    config: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_name(self.name, "pipeline")
        if not self.stages:
            raise ConfigError(f"pipeline {self.name!r} has no stages")
        names = [s.name for s in self.stages]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigError(f"pipeline {self.name!r} has two stages named {', '.join(dupes)}; stage names must differ")

    def rows(self, input_path: str | os.PathLike[str] | None = None) -> Iterable[Row]:
        """The source rows, each with a stable id (``input_path`` overrides the built-in source)."""
        src = input_path if input_path is not None else self.source
        if src is None:
            raise InputError(f"pipeline {self.name!r} has no built-in input; give one with --input PATH")
        if callable(src):
            return _checked(self.name, src())
        return Dataset(src)


def _checked(name: str, rows: Iterable[Any]) -> Iterable[Row]:
    seen: set[str] = set()
    for n, row in enumerate(rows, 1):
        row = with_id(row, f"pipeline {name!r} source row {n}")
        if row["id"] in seen:
            raise InputError(f"pipeline {name!r}: source row id {row['id']!r} appears twice; ids must be unique")
        seen.add(row["id"])
        yield row


def runs_dir(settings: Settings, name: str) -> Path:
    return Path(settings.home) / "runs" / check_name(name, "pipeline")


def pipeline_names() -> list[str]:
    from plait.core.host import get_host

    return get_host().pipelines.names()


def get_pipeline(name: str, settings: Settings) -> Pipeline:
    """Build the registered pipeline ``name``."""
    from plait.core.host import get_host

    registry = get_host().pipelines
    try:
        factory = registry.get(name)
    except NotFound:
        known = ", ".join(registry.names()) or "none"
        raise NotFound(f"no pipeline named {name!r} (registered: {known}); `plait pipeline list` shows them") from None
    from plait.core.context import Context

    pipeline = factory(Context(settings, name=name, host=get_host()))  # the one factory shape
    if not isinstance(pipeline, Pipeline):
        plugin = registry.entry(name).plugin
        raise ConfigError(f"plugin {plugin!r}: the factory of pipeline {name!r} returned {type(pipeline).__name__}, not a Pipeline")
    if pipeline.name != name:
        pipeline.name = name  # the registered name is the one runs are stored under
    return pipeline
