"""The Ray executor: the same stage objects as Ray Data ``map_batches`` over an actor pool.

Rows travel as JSON strings (one ``seq`` and one ``row`` column) so any row shape survives
Arrow; each actor builds a :class:`~plait.pipeline.worker.StageWorker` once (model client,
stage class) and returns one commit record per input row. The driver commits records as batches
come back, so a driver killed with SIGKILL loses only uncommitted rows, as with ``local``.

Model stages run plait's model client inside actors (``llm="actors"``, the default), or, for
``openai/`` models, ``ray.data.llm``'s HTTP request processor (``llm="http"``) against the same
OpenAI-compatible server. ``address``: an existing cluster (``auto``, ``ray://head:10001``);
None starts a local one. Needs ``pip install 'plait[ray]'``.
"""

from __future__ import annotations

import json
import math
from typing import Any, Iterable, Iterator

from plait.core.config import Settings
from plait.core.errors import ConfigError, Unavailable
from plait.pipeline.stage import AnyStage, ModelStage
from plait.pipeline.store import Record
from plait.pipeline.worker import Item, StageWorker

INSTALL_HINT = "the ray executor needs Ray Data: pip install 'plait[ray]' (ray[data]>=2.60, pyarrow)"
MAX_IN_FLIGHT_PER_ACTOR = 16
MAX_BLOCKS = 10_000  # past this, blocks hold several batches: fewer, larger commits


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data is the part the executor uses)
    except ImportError as exc:
        raise Unavailable(f"{INSTALL_HINT} ({exc})") from None
    return ray


class RayStageActor:
    """One actor of a stage's pool: a StageWorker made once, called per batch."""

    def __init__(self, stage: AnyStage, settings: Settings, in_flight: int):
        self.worker = StageWorker(stage, settings, in_flight)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        items = [(json.loads(s), json.loads(r)) for s, r in zip(batch["seq"], batch["row"])]
        return {"record": [json.dumps(rec, ensure_ascii=False, default=str) for rec in self.worker.process(items)]}


class RayExecutor:
    name = "ray"

    def __init__(self, concurrency: int = 8, address: str | None = None, llm: str = "actors"):
        if llm not in ("actors", "http"):
            raise ConfigError(f"ray model path {llm!r}: use 'actors' (plait's client in actors) or 'http' (ray.data.llm)")
        self.ray = _ray()
        self.concurrency = max(1, concurrency)
        self.llm = llm
        self._owns = False
        if not self.ray.is_initialized():
            try:
                self.ray.init(address=address, include_dashboard=False, log_to_driver=False)
            except ConnectionError as exc:
                raise Unavailable(f"cannot reach a Ray cluster at {address!r} ({exc}); start one with `ray start --head` "
                                  "or leave out --ray-address to start a local one") from None
            self._owns = True
        ctx = self.ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False  # plait draws its own progress

    def _cpus(self) -> int:
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))

    def run_stage(self, stage: AnyStage, items: Iterable[Item], settings: Settings) -> Iterator[list[Record]]:
        rows = [{"seq": json.dumps(seq), "row": json.dumps(row, ensure_ascii=False)} for seq, row in items]
        if not rows:
            return
        if self.llm == "http" and isinstance(stage, ModelStage):
            from plait.pipeline.ray_llm import http_processor_records

            yield from http_processor_records(self.ray, stage, rows, settings, self.concurrency)
            return
        if isinstance(stage, ModelStage):  # I/O bound: few actors, many requests in flight in each
            in_flight = min(self.concurrency, MAX_IN_FLIGHT_PER_ACTOR)
            actors, cpus = math.ceil(self.concurrency / in_flight), 0.25
            batch = max(stage.batch_size, in_flight)  # rows come back (and commit) per batch
        else:
            in_flight, actors, cpus, batch = self.concurrency, min(self.concurrency, self._cpus()), 1, stage.batch_size
        # one block per batch: Ray Data hands a task whole blocks and returns its output when the
        # task ends, so this makes every batch come back (and commit) on its own
        blocks = max(1, min(math.ceil(len(rows) / batch), MAX_BLOCKS))
        actors = min(actors, blocks)  # an actor without a block to work on only costs start-up time
        ds = self.ray.data.from_items(rows, override_num_blocks=blocks)
        ds = ds.map_batches(
            RayStageActor,
            fn_constructor_kwargs={"stage": stage, "settings": settings, "in_flight": in_flight},
            batch_size=batch,
            compute=self.ray.data.ActorPoolStrategy(size=actors),
            num_cpus=cpus,
            batch_format="default",
        )
        for out in ds.iter_batches(batch_size=None, batch_format="default"):
            yield [json.loads(r) for r in out["record"]]

    def close(self) -> None:
        if self._owns and self.ray.is_initialized():
            self.ray.shutdown()
