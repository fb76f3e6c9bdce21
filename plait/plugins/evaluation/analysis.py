"""``plait eval rasch``'s analysis: pick the difficulties, estimate, diagnose, report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from plait import InputError
from plait.plugins.evaluation import diagnostics as dx
from plait.plugins.evaluation.rasch import Fit, abilities, fit_free, item_difficulty, moments, thresholds_from_difficulty
from plait.plugins.evaluation.table import Results

N_BINS = 5


@dataclass
class Analysis:
    results: Results
    mode: str
    source: str
    fit: Fit
    difficulty: np.ndarray  # the item difficulties the diagnostics use (logits)
    bins: np.ndarray
    report: dict[str, Any]


def reasoning_difficulty(tokens: np.ndarray) -> np.ndarray:
    """Reasoning-as-difficulty: standardised log mean reasoning tokens (an ordinal proxy, 1 SD = 1 logit)."""
    logs = np.log1p(tokens)
    return (logs - np.nanmean(logs)) / (np.nanstd(logs) or 1.0)


def external_difficulty(results: Results, source: str) -> np.ndarray:
    column = {"human": (results.human, "difficulty"), "reasoning": (results.reasoning, "reasoning_tokens")}
    values, name = column[source]
    if values is None or np.isnan(values).all():
        raise InputError(f"--difficulty {source} needs a {name!r} column in the results table; "
                         "add it, or use --difficulty fit (difficulties estimated from the scores)")
    return values if source == "human" else reasoning_difficulty(values)


def default_source(results: Results) -> str:
    if results.human is not None:
        return "human"
    return "reasoning" if results.reasoning is not None else "fit"


def analyse(results: Results, mode: str | None = None, source: str | None = None) -> Analysis:
    """Free mode estimates item difficulties from the scores (JML, mean 0); anchored mode fixes them
    from ``source`` (human, reasoning) and estimates each model's ability alone."""
    source = source or default_source(results)
    mode = mode or ("anchored" if source != "fit" else "free")
    if mode == "anchored" and source == "fit":
        raise InputError("--mode anchored fixes item difficulties from the table: use --difficulty human "
                         "(the difficulty column) or reasoning (reasoning_tokens), or --mode free")
    if mode == "free":
        fit = fit_free(results.scores, results.max_score)
        difficulty = item_difficulty(fit.delta) if source == "fit" else external_difficulty(results, source)
    else:
        difficulty = external_difficulty(results, source)
        delta = thresholds_from_difficulty(difficulty, results.max_score)
        theta, se, extreme = abilities(results.scores, delta)
        fit = Fit(theta, se, extreme, delta, np.full(len(difficulty), np.nan), np.zeros(len(difficulty), bool))
    bins = dx.difficulty_bins(difficulty, N_BINS)
    return Analysis(results, mode, source, fit, difficulty, bins, _report(results, mode, source, fit, difficulty, bins))


def _num(x: float) -> float | None:
    return None if x != x else round(float(x), 4)


def _report(results: Results, mode: str, source: str, fit: Fit, difficulty: np.ndarray,
            bins: np.ndarray) -> dict[str, Any]:
    mo = moments(fit.theta, fit.delta)
    usable = ~np.isnan(item_difficulty(fit.delta))
    scores = np.where(usable[None], results.scores, np.nan)
    m_infit, m_outfit = dx.mean_squares(scores, mo, axis=1)
    i_infit, i_outfit = dx.mean_squares(scores, mo, axis=0)
    models = {}
    for k, name in enumerate(results.models):
        slope, slope_se = dx.difficulty_slope(results.scores[k], results.max_score, difficulty)
        disp = dx.dispersion(scores[k], results.max_score, mo.expected[k], mo.variance[k], bins)
        models[name] = {
            "ability": _num(fit.theta[k]), "se": _num(fit.theta_se[k]),
            "infit": _num(m_infit[k]), "outfit": _num(m_outfit[k]),
            "difficulty_slope": _num(slope), "difficulty_slope_se": _num(slope_se),
            "dispersion": _num(disp),
            "score": _num(np.nansum(results.scores[k])),
            "max_score": int(results.max_score[~np.isnan(results.scores[k])].sum()),
            "flags": dx.model_flags(m_infit[k], m_outfit[k], slope, slope_se, disp, bool(fit.theta_extreme[k])),
        }
    est = item_difficulty(fit.delta)
    items = {}
    for i, name in enumerate(results.items):
        flags = ["extreme_score"] if fit.item_extreme[i] else []
        if i_outfit[i] > dx.UNDERFIT or i_infit[i] > dx.UNDERFIT:
            flags.append("underfit")
        items[name] = {"difficulty": _num(est[i]), "se": _num(fit.difficulty_se[i]),
                       "infit": _num(i_infit[i]), "outfit": _num(i_outfit[i]),
                       "max_score": int(results.max_score[i]), "flags": flags}
    return {"mode": mode, "difficulty_source": source, "models": models, "items": items}
