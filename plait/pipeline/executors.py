"""Executors run one stage over the pending rows and yield commit records as rows finish.

    class Executor(Protocol):
        name: str
        def run_stage(self, stage, items, settings) -> Iterator[list[Record]]: ...
        def close(self) -> None: ...

The runner, not the executor, commits what is yielded, so every executor gets the same
crash safety. ``local`` runs on threads of this process; ``ray`` (``plait.pipeline.ray_executor``)
runs the same stage objects as Ray Data ``map_batches`` over an actor pool.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Iterable, Iterator, Protocol

from plait.core.config import Settings
from plait.core.errors import ConfigError
from plait.pipeline.stage import AnyStage, ModelStage, Stage
from plait.pipeline.store import Record
from plait.pipeline.worker import Item, StageWorker

EXECUTORS = ("local", "ray")
DEFAULT_CONCURRENCY = 8


class Executor(Protocol):
    name: str

    def run_stage(self, stage: AnyStage, items: Iterable[Item], settings: Settings) -> Iterator[list[Record]]:
        ...

    def close(self) -> None:
        ...


def chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    buf: list[Item] = []
    for item in items:
        buf.append(item)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def configured_concurrency(settings: Settings, given: int | None) -> int:
    """``--concurrency``, else ``[pipeline] concurrency``, else 8."""
    raw = given if given is not None else settings.table("pipeline").get("concurrency", DEFAULT_CONCURRENCY)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"[pipeline] concurrency = {raw!r} is not an integer") from None
    if value < 1:
        raise ConfigError(f"concurrency must be at least 1, got {value}")
    return value


class LocalExecutor:
    """Threads on this machine: at most ``concurrency`` chunks (model rows) in flight."""

    name = "local"

    def __init__(self, concurrency: int = DEFAULT_CONCURRENCY):
        self.concurrency = max(1, concurrency)

    def run_stage(self, stage: AnyStage, items: Iterable[Item], settings: Settings) -> Iterator[list[Record]]:
        worker = StageWorker(stage, settings)
        batched = isinstance(stage, Stage) or (isinstance(stage, ModelStage) and hasattr(worker.model, "chat_batch"))
        size = stage.batch_size if batched else 1  # one request per task: the pool bounds requests in flight
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix=f"plait-{stage.name}") as pool:
            pending: set[Future] = set()
            try:
                for chunk in chunks(items, size):
                    pending.add(pool.submit(worker.process, chunk))
                    if len(pending) >= 2 * self.concurrency:  # keep the queue short: memory stays bounded
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for fut in done:
                            yield fut.result()
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        yield fut.result()
            finally:
                for fut in pending:
                    fut.cancel()

    def close(self) -> None:
        pass


def make_executor(name: str, *, concurrency: int, ray_address: str | None = None, **options) -> Executor:
    if name == "local":
        return LocalExecutor(concurrency)
    if name == "ray":
        from plait.pipeline.ray_executor import RayExecutor

        return RayExecutor(concurrency=concurrency, address=ray_address, **options)
    raise ConfigError(f"unknown executor {name!r}; use one of {', '.join(EXECUTORS)}")
