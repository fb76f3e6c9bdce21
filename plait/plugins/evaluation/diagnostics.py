"""What a total score hides: fit mean squares, the difficulty slope, within-bin dispersion, flags.

- infit / outfit: information-weighted and unweighted mean squares of the standardised residuals;
  about 1 when responses follow the model, above 1.5 is noise the model does not explain.
- difficulty slope: a binomial logistic regression of a model's item scores on item difficulty,
  ``logit(score / max) = a + slope * difficulty``. The Rasch model says a success's log-odds is
  ``ability - difficulty``, so the slope is about -1; near 0 means the model scores the same on easy
  and hard items (difficulty-invariant scoring, as GAOKAO-Eval found for some LLMs).
- dispersion: within each difficulty bin, the variance of the model's item score rates around the bin's
  mean, over what the model's binomial variance predicts. Well above 1: items of similar difficulty
  get very different results. With 0/1 items a bin's variance is fixed by its mean, so this says most
  for partial-credit items.
"""

from __future__ import annotations

import numpy as np

from plait.plugins.evaluation.rasch import Moments

UNDERFIT = 1.5  # mean squares above this degrade measurement (Linacre's rule of thumb)
OVERFIT = 0.5  # below this: more predictable than the model allows (e.g. all-or-nothing by difficulty)
FLAT_SLOPE = -0.5  # a slope flatter than this (and significantly flatter than -1) is flagged
DISPERSED = 2.0


def mean_squares(scores: np.ndarray, mo: Moments, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """``(infit, outfit)`` along ``axis`` (1: per examinee, 0: per item); NaN where nothing varies."""
    seen = ~np.isnan(scores) & (mo.variance > 1e-12)
    resid2 = np.where(seen, (np.nan_to_num(scores) - mo.expected) ** 2, 0.0)
    var = np.where(seen, mo.variance, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        outfit = np.where(seen, resid2 / np.where(seen, var, 1.0), 0.0).sum(axis) / seen.sum(axis)
        infit = resid2.sum(axis) / var.sum(axis)
    return infit, outfit


def difficulty_slope(score: np.ndarray, top: np.ndarray, difficulty: np.ndarray) -> tuple[float, float]:
    """Slope (and its SE) of logit score rate on difficulty, by binomial maximum likelihood."""
    keep = ~np.isnan(score) & ~np.isnan(difficulty)
    y, m, b = score[keep], top[keep].astype(float), difficulty[keep]
    if len(y) < 3 or np.ptp(b) == 0 or np.all(y == 0) or np.all(y == m):
        return float("nan"), float("nan")  # a perfect or zero score has no slope (it is flagged extreme_score)
    X = np.column_stack([np.ones_like(b), b])
    beta = np.zeros(2)
    ridge = np.diag([1e-6, 1e-6])  # keeps the Hessian invertible when the items separate perfectly by difficulty
    for _ in range(100):
        p = 1 / (1 + np.exp(-(X @ beta)))
        hess = X.T @ (X * (m * p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hess, X.T @ (y - m * p))
        beta += np.clip(step, -STEP_LIMIT, STEP_LIMIT)
        if np.max(np.abs(step)) < 1e-9:
            break
    p = 1 / (1 + np.exp(-(X @ beta)))
    cov = np.linalg.inv(X.T @ (X * (m * p * (1 - p))[:, None]) + ridge)
    return float(beta[1]), float(np.sqrt(cov[1, 1]))


STEP_LIMIT = 2.0


def difficulty_bins(difficulty: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin index per item by difficulty quantiles (-1 where the difficulty is unknown)."""
    out = np.full(len(difficulty), -1)
    known = ~np.isnan(difficulty)
    if not known.any():
        return out
    n_bins = max(1, min(n_bins, int(known.sum()) // 3 or 1))
    order = np.argsort(np.argsort(difficulty[known], kind="stable"), kind="stable")
    out[known] = order * n_bins // int(known.sum())
    return out


def dispersion(score: np.ndarray, top: np.ndarray, expected: np.ndarray, variance: np.ndarray,
               bins: np.ndarray) -> float:
    """Observed over model-expected within-bin variance of item score rates (pooled over bins)."""
    observed = expected_ss = 0.0
    for b in np.unique(bins[bins >= 0]):
        sel = (bins == b) & ~np.isnan(score)
        if sel.sum() < 2:
            continue
        rate, mu = score[sel] / top[sel], expected[sel] / top[sel]
        n = sel.sum()
        observed += float(((rate - rate.mean()) ** 2).sum())
        # E[sum (r - rbar)^2] = sum of the spread of the expectations + (1 - 1/n) * sum of the variances
        expected_ss += float(((mu - mu.mean()) ** 2).sum() + (1 - 1 / n) * (variance[sel] / top[sel] ** 2).sum())
    return observed / expected_ss if expected_ss > 0 else float("nan")


def model_flags(infit: float, outfit: float, slope: float, slope_se: float, disp: float,
                extreme: bool) -> list[str]:
    flags = []
    if extreme:
        flags.append("extreme_score")
    if slope == slope and slope > FLAT_SLOPE and (slope + 1) > 2 * slope_se:
        flags.append("difficulty_invariant")
    if outfit > UNDERFIT or infit > UNDERFIT:
        flags.append("underfit")
    elif outfit < OVERFIT and infit < OVERFIT:
        flags.append("overfit")
    if disp > DISPERSED:
        flags.append("dispersed_within_bins")
    return flags
