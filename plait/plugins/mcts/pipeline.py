"""``plait synth mcts`` as a pipeline on ``plait.pipeline``: one ``search`` stage.

    search (cpu, map: problem -> {id, paths, tree, pairs, stats})

The token budget is shared by the whole problem set through one scheduler (the next rollout goes
to the problem with the least spent tokens per unit of weight, and dynamic exploration moves
budget from easy to hard problems as their success rates come in), so the stage takes the whole
set as one batch: its rows are exactly those of the in-process search, under the local and the
Ray executor alike. The engine gives the run store in ``OUT/runs/mcts/``, the guard against
resuming with other options, and the Ray executor; a run killed mid-search reruns the search
(the set commits as one batch), and a finished run is not searched again.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from plait.pipeline import Pipeline, Stage

Row = dict[str, Any]
NAME = "mcts"


class Search:
    """The ``search`` stage function; the policy model is built on the worker that runs it (so the
    object pickles to Ray actors without a model in it)."""

    def __init__(self, settings: Any, config: dict[str, Any], budget_tokens: int, problem_ids: list[str]):
        self.settings, self.config, self.budget = settings, dict(config), budget_tokens
        self.problem_ids = list(problem_ids)

    def __call__(self, batch: list[Row]) -> list[Row]:
        from plait import get_chat_model
        from plait.plugins.mcts.outputs import rows_of
        from plait.plugins.mcts.search import SearchConfig, run_search

        if [str(r["id"]) for r in batch] != self.problem_ids:
            # a part of the set would get the whole budget: a different run, not a resumed one
            raise ValueError(f"the mcts search runs over the whole problem set in one batch ({len(self.problem_ids)} "
                             f"problems), got {len(batch)}; rerun the command to retry the search")
        problems = [dict(row) for row in batch]
        policy = get_chat_model(settings=self.settings)
        searches = run_search(problems, policy, self.budget, SearchConfig(**self.config))
        return [{"id": str(s.problem["id"]), **rows_of(s)} for s in searches]


def mcts_pipeline(settings: Any, problems: list[Row], budget_tokens: int, config: Any) -> Pipeline:
    """``settings.model`` is the policy; ``config`` a :class:`SearchConfig`."""
    rows = [dict(p) for p in problems]
    ids = [str(p["id"]) for p in rows]
    cfg = asdict(config)
    return Pipeline(
        NAME,
        [Stage("search", Search(settings, cfg, budget_tokens, ids), kind="map", batch_size=max(1, len(rows)))],
        source=lambda: iter(rows),
        description="FastMCTS (or rejection sampling) over a problem set with one token budget",
        config={"budget_tokens": budget_tokens, **cfg},
    )
