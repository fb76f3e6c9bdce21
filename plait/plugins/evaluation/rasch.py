"""Rasch and partial credit model (PCM) estimation in numpy.

An item ``i`` with maximum score ``m_i`` has thresholds ``delta[i, 0..m_i-1]``; an examinee of ability
``theta`` scores ``x`` with probability proportional to ``exp(sum_{k<x} (theta - delta[i, k]))``. With
``m_i == 1`` this is the dichotomous Rasch model, ``P(1) = 1 / (1 + exp(delta - theta))``. An item's
difficulty is the mean of its thresholds.

Free mode: joint maximum likelihood (JML), alternating Newton steps for abilities and thresholds, with
mean item difficulty 0 and Wright's (L - 1) / L bias correction. Examinees or items with extreme scores (nothing or everything right) have no
finite estimate: they are left out of the calibration and then given the estimate for a score 0.3
points away from the extreme (the usual convention), flagged ``extreme_score``.
Anchored mode: thresholds fixed, each ability by Newton-Raphson; standard error 1/sqrt(information).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plait import InputError

EXTREME_ADJUST = 0.3  # score points an extreme score is moved inwards to get a finite estimate
STEP = 1.0  # largest Newton step (logits): keeps the first iterations from overshooting
THRESHOLD_PRIOR = 0.01  # tiny ridge (precision) so a PCM category nobody reached stays finite


@dataclass
class Moments:
    """Per cell: expected score, variance, and P(score >= k) for each threshold k."""

    expected: np.ndarray  # (n, L)
    variance: np.ndarray  # (n, L)
    at_least: np.ndarray  # (n, L, K): P(X >= k + 1)


def thresholds_from_difficulty(difficulty: np.ndarray, max_score: np.ndarray) -> np.ndarray:
    """Equal thresholds at each item's difficulty (used when only one difficulty per item is known)."""
    K = int(max_score.max())
    delta = np.full((len(max_score), K), np.nan)
    for i, m in enumerate(max_score):
        delta[i, :m] = difficulty[i]
    return delta


def item_difficulty(delta: np.ndarray) -> np.ndarray:
    return np.nanmean(delta, axis=1)


def moments(theta: np.ndarray, delta: np.ndarray) -> Moments:
    """Category probabilities of the PCM for every (examinee, item) pair, summarised."""
    n, (L, K) = len(theta), delta.shape
    steps = theta[:, None, None] - np.where(np.isnan(delta), 0.0, delta)[None]  # (n, L, K)
    psi = np.concatenate([np.zeros((n, L, 1)), np.cumsum(steps, axis=2)], axis=2)  # (n, L, K+1)
    valid = np.concatenate([np.ones((L, 1), bool), ~np.isnan(delta)], axis=1)
    psi = np.where(valid[None], psi, -np.inf)
    psi -= psi.max(axis=2, keepdims=True)
    p = np.exp(psi)
    p /= p.sum(axis=2, keepdims=True)
    x = np.arange(K + 1)
    expected = p @ x
    variance = p @ (x**2) - expected**2
    at_least = np.cumsum(p[:, :, ::-1], axis=2)[:, :, ::-1][:, :, 1:]
    return Moments(expected, variance, at_least)


def abilities(scores: np.ndarray, delta: np.ndarray, theta0: np.ndarray | None = None,
              iterations: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Newton-Raphson abilities for fixed thresholds: ``(theta, se, extreme)``.

    ``scores`` is (n, L) with NaN for missing; items whose thresholds are all NaN are ignored.
    """
    top = np.where(np.isnan(delta), 0, 1).sum(axis=1).astype(float)
    seen = ~np.isnan(scores) & (top > 0)[None]
    raw = np.where(seen, scores, 0.0).sum(axis=1)
    most = np.where(seen, top[None], 0.0).sum(axis=1)
    extreme = (raw <= 0) | (raw >= most)
    target = np.clip(raw, EXTREME_ADJUST, np.maximum(most - EXTREME_ADJUST, EXTREME_ADJUST))
    theta = np.zeros(len(scores)) if theta0 is None else theta0.copy()
    for _ in range(iterations):
        mo = moments(theta, delta)
        gap = target - np.where(seen, mo.expected, 0.0).sum(axis=1)
        info = np.where(seen, mo.variance, 0.0).sum(axis=1)
        step = np.clip(gap / np.maximum(info, 1e-9), -STEP, STEP)
        theta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    info = np.where(seen, moments(theta, delta).variance, 0.0).sum(axis=1)
    return theta, 1 / np.sqrt(np.maximum(info, 1e-12)), extreme


def _extremes(scores: np.ndarray, max_score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Examinees and items with extreme scores, removed repeatedly until none remain."""
    people = np.zeros(scores.shape[0], bool)
    items = np.zeros(scores.shape[1], bool)
    while True:
        sub = np.where(np.isnan(scores) | people[:, None] | items[None], np.nan, scores)
        seen = ~np.isnan(sub)
        tops = np.where(seen, max_score[None], 0)
        got = np.nansum(sub, axis=1), np.nansum(sub, axis=0)
        new_p = ~people & ((got[0] <= 0) | (got[0] >= tops.sum(axis=1)))
        new_i = ~items & ((got[1] <= 0) | (got[1] >= tops.sum(axis=0)))
        if not new_p.any() and not new_i.any():
            return people, items
        people |= new_p
        items |= new_i


def _threshold_step(scores: np.ndarray, theta: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """One Newton step on every threshold: observed vs expected counts of reaching category k+1."""
    mo = moments(theta, delta)
    seen = ~np.isnan(scores)
    K = delta.shape[1]
    reached = np.where(seen[:, :, None], np.nan_to_num(scores)[:, :, None] >= np.arange(1, K + 1), False)
    observed = reached.sum(axis=0)
    expect = np.where(seen[:, :, None], mo.at_least, 0.0)
    grad = observed - expect.sum(axis=0) + THRESHOLD_PRIOR * np.nan_to_num(delta)
    info = np.where(seen[:, :, None], mo.at_least * (1 - mo.at_least), 0.0).sum(axis=0) + THRESHOLD_PRIOR
    step = np.clip(grad / info, -STEP, STEP)
    return np.where(np.isnan(delta), np.nan, delta - step)


@dataclass
class Fit:
    theta: np.ndarray
    theta_se: np.ndarray
    theta_extreme: np.ndarray
    delta: np.ndarray  # (L, K) thresholds, NaN beyond each item's max score
    difficulty_se: np.ndarray  # NaN for anchored or extreme items
    item_extreme: np.ndarray


def fit_free(scores: np.ndarray, max_score: np.ndarray, iterations: int = 500, tol: float = 1e-6) -> Fit:
    """Joint maximum likelihood with mean item difficulty 0 (over items with finite estimates)."""
    people, items = _extremes(scores, max_score)
    if people.all() or items.all():
        raise InputError("every model or every item has an extreme score (all or nothing right), so free mode "
                         "has nothing to calibrate difficulties on; add more models, or a difficulty column and "
                         "use --mode anchored --difficulty human")
    core = scores[~people][:, ~items]
    delta = thresholds_from_difficulty(np.zeros(int((~items).sum())), max_score[~items])
    theta = np.zeros(core.shape[0])
    for _ in range(iterations):
        theta, _, _ = abilities(core, delta, theta, iterations=1)
        new = _threshold_step(core, theta, delta)
        shift = np.nanmean(item_difficulty(new))
        new, theta = new - shift, theta - shift
        change = np.nanmax(np.abs(new - delta))
        delta = new
        if change < tol:
            break
    # JML inflates difficulties by about L / (L - 1) for L items per examinee; Wright's correction undoes it
    per_person = float((~np.isnan(core)).sum(axis=1).mean())
    delta = delta * (per_person - 1) / per_person if per_person > 1 else delta
    full = _place_extreme_items(scores, max_score, items, people, delta)
    theta, theta_se, theta_extreme = abilities(scores, full)
    mo = moments(theta[~people], full)
    seen = ~np.isnan(scores[~people])
    info = np.where(seen, mo.variance, 0.0).sum(axis=0)  # information on an item's location
    se = np.where(items, np.nan, 1 / np.sqrt(np.maximum(info, 1e-12)))
    return Fit(theta, theta_se, theta_extreme, full, se, items)


def _place_extreme_items(scores: np.ndarray, max_score: np.ndarray, items: np.ndarray, people: np.ndarray,
                         core_delta: np.ndarray) -> np.ndarray:
    """Thresholds for all items; extreme items get a difficulty from their score moved 0.3 inwards."""
    K = int(max_score.max())
    full = np.full((len(max_score), K), np.nan)
    full[~items, : core_delta.shape[1]] = core_delta
    if not items.any():
        return full
    theta, _, _ = abilities(scores[~people][:, ~items], core_delta)
    for i in np.flatnonzero(items):
        col = scores[~people, i]
        seen = ~np.isnan(col)
        total = float(np.clip(col[seen].sum(), EXTREME_ADJUST, seen.sum() * max_score[i] - EXTREME_ADJUST))
        b = 0.0
        for _ in range(100):  # Newton on this item's location, abilities fixed
            mo = moments(theta[seen], thresholds_from_difficulty(np.array([b]), max_score[i:i + 1]))
            step = np.clip((mo.expected.sum() - total) / max(mo.variance.sum(), 1e-9), -STEP, STEP)
            b += step
            if abs(step) < 1e-8:
                break
        full[i, : max_score[i]] = b
    return full
