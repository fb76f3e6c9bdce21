"""UnitCoder synthesis as a pipeline on ``plait.pipeline``:

    extract (cpu, flat-map: corpus row -> its functions whose imports are allowed)
      -> verify (sandbox + model: the UnitCoder graph per function, one function per batch)
      -> split (cpu: which output files a trajectory belongs to)

``verify`` calls the model several times per row (tests, k fixes per round, polish), so it is a
:class:`~plait.pipeline.Stage` whose function owns a model client rather than a ModelStage: its
calls go through the engine's retry policy (:func:`plait.pipeline.calls.call_model`) and their
tokens are summed into the row's ``usage``. ``plait synth unitcoder`` and ``plait pipeline run
unitcoder`` both run this pipeline.

Its settings are a preset's (``unitcoder_presets.PRESETS``: ``default`` or ``paper``) with the
caller's explicit values on top; every row and the pipeline's config name the preset.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

from plait.core.models.base import ChatOptions, ChatResult, Message
from plait.pipeline import Pipeline, Stage
from plait.plugins.codeverify.unitcoder import extract

Row = dict[str, Any]
NAME = "unitcoder"


def extract_rows(batch: list[Row], allowed: tuple[str, ...], reject: str = "function") -> list[list[Row]]:
    return [
        [{"id": f"{row['id']}_{j}", "entry": fn.name, "packages": fn.packages, "original": fn.code}
         for j, fn in enumerate(extract(str(row.get("content", "")), allowed, reject=reject))]
        for row in batch
    ]


def sandbox_spec(backend: str | None, profile: str | None) -> str | None:
    """The sandbox backend spec for a preset's ``sandbox_profile``: ``--backend docker`` under the
    scientific profile is ``docker@scientific``; an explicit ``docker@minimal`` wins; with no
    backend, the strongest one offering the profile (None for the minimal profile: chosen per run)."""
    from plait.sandbox.profiles import DEFAULT, with_profile

    if backend:
        return with_profile(backend, profile)
    if (profile or DEFAULT) == DEFAULT:
        return None
    from plait.sandbox import default_backend

    return default_backend(profile=profile)


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

    def __init__(self, settings: Any, *, backend: str | None, rounds: int, k: int, polish: bool,
                 options: dict[str, Any] | None = None):
        self.settings, self.backend, self.rounds, self.k, self.polish = settings, backend, rounds, k, polish
        self.options = dict(options or {})  # the preset's effective values (temperatures, keep_passing, ...)
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
            backend = sandbox_spec(self.backend, self.options.get("sandbox_profile"))
            coder = UnitCoder(model, backend=backend, settings=self.options)
            self._local.coder, self._local.model = coder, model
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
                "fixes": state.get("fixes", []), "preset": self.options.get("preset", "default"),
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


def unitcoder_options(preset: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A preset's effective settings with the explicit ``overrides`` (None = not given) on top."""
    from plait.core.presets import resolve_preset
    from plait.plugins.codeverify.unitcoder_presets import PRESETS

    options = resolve_preset(PRESETS, preset, overrides, method="synth unitcoder")
    options["allowed"] = tuple(options["allowed"])
    options["polish_spec"] = tuple(options["polish_spec"])
    return options


def unitcoder_pipeline(settings: Any, *, source: Any = None, allowed: tuple[str, ...] | None = None, rounds: int | None = None,
                       k: int | None = None, polish: bool = True, backend: str | None = None,
                       preset: str | None = None, options: dict[str, Any] | None = None) -> Pipeline:
    """``settings`` gives the model of the verify stage (``settings.model``) and the retry policy;
    ``options`` (from :func:`unitcoder_options`) or ``preset`` + explicit values give the rest."""
    if options is None:
        options = unitcoder_options(preset, allowed=tuple(allowed) if allowed else None, rounds=rounds, candidates=k)
    verifier = Verifier(settings, backend=backend, rounds=options["rounds"], k=options["candidates"], polish=polish,
                        options=options)
    config = {**options, "allowed": list(options["allowed"]), "polish_spec": list(options["polish_spec"]),
              "polish": polish, "backend": backend}
    return Pipeline(
        NAME,
        [
            Stage("extract", partial(extract_rows, allowed=options["allowed"], reject=options["reject"]),
                  kind="flat_map", batch_size=64),
            Stage("verify", verifier, resources="sandbox", batch_size=1),
            Stage("split", split_rows, batch_size=64),
        ],
        source=source,
        description="UnitCoder: functions from a code corpus verified (and repaired) against model-written unit tests",
        config=config,
    )


def registered(settings: Any) -> Pipeline:
    """The ``unitcoder`` pipeline of ``plait pipeline run``; options from ``[unitcoder]`` in the
    config (``preset = "paper"`` picks the paper's settings; keys given there win)."""
    table = settings.table("unitcoder")
    allowed = table.get("allowed")
    if isinstance(allowed, str):
        allowed = tuple(p.strip() for p in allowed.split(",") if p.strip())
    options = unitcoder_options(table.get("preset"), allowed=tuple(allowed) if allowed else None,
                                rounds=_int(table.get("rounds")), candidates=_int(table.get("candidates")))
    return unitcoder_pipeline(settings, source=table.get("input"), options=options,
                              polish=bool(table.get("polish", True)), backend=table.get("backend"))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)
