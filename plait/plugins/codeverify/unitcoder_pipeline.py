"""UnitCoder synthesis as a pipeline on ``plait.pipeline``:

    extract (cpu, flat-map: corpus row -> its functions whose imports are allowed)
      -> verify (sandbox + model: the UnitCoder graph per function, one function per batch)
      -> split (cpu: which output files a trajectory belongs to)

``verify`` calls the model several times per row (tests, k fixes per round, polish), so it is a
:class:`~plait.pipeline.Stage` whose function owns a model client rather than a ModelStage: its
calls go through the engine's retry policy (:func:`plait.pipeline.calls.call_model`) and their
tokens are summed into the row's ``usage``. ``plait synth unitcoder`` and ``plait pipeline run
unitcoder`` both run this pipeline.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

from plait.core.models.base import ChatOptions, ChatResult, Message
from plait.pipeline import Pipeline, Stage
from plait.plugins.codeverify.unitcoder import DEFAULT_ALLOWED, extract

Row = dict[str, Any]
NAME = "unitcoder"


def extract_rows(batch: list[Row], allowed: tuple[str, ...]) -> list[list[Row]]:
    return [
        [{"id": f"{row['id']}_{j}", "entry": fn.name, "packages": fn.packages, "original": fn.code}
         for j, fn in enumerate(extract(str(row.get("content", "")), allowed))]
        for row in batch
    ]


class _CountingModel:
    """The stage's model seen through the engine's retries, counting tokens of one row."""

    def __init__(self, model: Any, policy: Any):
        self.model, self.policy = model, policy
        self.name = getattr(model, "name", "")
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}

    def chat(self, messages: list[Message], options: ChatOptions | None = None) -> ChatResult:
        from plait.pipeline.calls import call_model, usage_of

        result, _ = call_model(self.model, messages, options or ChatOptions(), self.policy)
        for key, value in usage_of(result).items():
            self.usage[key] += value
        return result


class Verifier:
    """The ``verify`` stage function: one UnitCoder graph per worker thread, built on first use
    (so the object pickles to Ray actors without a model client in it)."""

    def __init__(self, settings: Any, *, backend: str | None, rounds: int, k: int, polish: bool):
        self.settings, self.backend, self.rounds, self.k, self.polish = settings, backend, rounds, k, polish
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_local"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def _coder(self) -> tuple[Any, _CountingModel]:
        if getattr(self._local, "coder", None) is None:
            from plait.pipeline.calls import RetryPolicy, resolve_model
            from plait.plugins.codeverify.graph import UnitCoder

            model = _CountingModel(resolve_model("verify", None, self.settings), RetryPolicy.from_settings(self.settings))
            self._local.coder, self._local.model = UnitCoder(model, backend=self.backend), model
        return self._local.coder, self._local.model

    def __call__(self, batch: list[Row]) -> list[Row]:
        coder, model = self._coder()
        out = []
        for row in batch:
            model.usage = {"prompt_tokens": 0, "completion_tokens": 0}
            state = coder.verify(row["original"], row["entry"], rounds=self.rounds, k=self.k, polish=self.polish)
            out.append({
                "id": row["id"], "entry": row["entry"], "packages": row["packages"], "original": row["original"],
                "tests": state.get("tests"), "code": state.get("code"), "polished": state.get("polished"),
                "status": state.get("status"), "passed_round": state.get("passed_round"),
                "history": state.get("history", []), "backend": state.get("backend"), "usage": dict(model.usage),
            })
        return out


def split_rows(batch: list[Row]) -> list[Row]:
    """Tag each trajectory with the output files it goes to (``trajectories`` always)."""
    out = []
    for row in batch:
        files = ["trajectories"]
        if row["status"] in ("passed", "polished"):
            files.append("passed")
        if row["status"] == "polished":
            files.append("polished")
        if row["status"] in ("failed", "no_tests"):
            files.append("failed")
        out.append({**row, "files": files})
    return out


def unitcoder_pipeline(settings: Any, *, source: Any = None, allowed: tuple[str, ...] = DEFAULT_ALLOWED, rounds: int = 3,
                       k: int = 3, polish: bool = True, backend: str | None = None) -> Pipeline:
    """``settings`` gives the model of the verify stage (``settings.model``) and the retry policy."""
    verifier = Verifier(settings, backend=backend, rounds=rounds, k=k, polish=polish)
    return Pipeline(
        NAME,
        [
            Stage("extract", partial(extract_rows, allowed=tuple(allowed)), kind="flat_map", batch_size=64),
            Stage("verify", verifier, resources="sandbox", batch_size=1),
            Stage("split", split_rows, batch_size=64),
        ],
        source=source,
        description="UnitCoder: functions from a code corpus verified (and repaired) against model-written unit tests",
        config={"allowed": list(allowed), "rounds": rounds, "candidates": k, "polish": polish, "backend": backend},
    )


def registered(settings: Any) -> Pipeline:
    """The ``unitcoder`` pipeline of ``plait pipeline run``; options from ``[unitcoder]`` in the config."""
    table = settings.table("unitcoder")
    allowed = table.get("allowed")
    if isinstance(allowed, str):
        allowed = tuple(p.strip() for p in allowed.split(",") if p.strip())
    return unitcoder_pipeline(settings, source=table.get("input"), allowed=tuple(allowed or DEFAULT_ALLOWED),
                              rounds=int(table.get("rounds", 3)), k=int(table.get("candidates", 3)),
                              polish=bool(table.get("polish", True)), backend=table.get("backend"))
