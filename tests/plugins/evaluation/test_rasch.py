"""Rasch / PCM estimation and the diagnostics on simulated data with known parameters."""

import numpy as np

from plait.plugins.evaluation import diagnostics as dx
from plait.plugins.evaluation.analysis import analyse
from plait.plugins.evaluation.rasch import abilities, fit_free, item_difficulty, moments, thresholds_from_difficulty
from plait.plugins.evaluation.table import Results


def _simulate(rng, theta, b):
    p = 1 / (1 + np.exp(b[None] - theta[:, None]))
    return (rng.random(p.shape) < p).astype(float)


def test_free_mode_recovers_difficulties_of_500_examinees_by_40_items():
    rng = np.random.default_rng(7)
    theta, b = rng.normal(0, 1, 500), np.linspace(-2.5, 2.5, 40)
    fit = fit_free(_simulate(rng, theta, b), np.ones(40, int))
    est = item_difficulty(fit.delta)
    assert abs(est.mean()) < 1e-9  # identified by mean item difficulty 0
    assert np.corrcoef(est, b)[0, 1] > 0.95
    within = np.abs(est - b) < 2 * fit.difficulty_se
    assert within.mean() >= 0.85, (est - b) / fit.difficulty_se
    assert 0.1 < fit.difficulty_se.mean() < 0.2  # about 1/sqrt(500 * 0.2)
    assert np.corrcoef(fit.theta, theta)[0, 1] > 0.85


def test_anchored_mode_recovers_each_of_8_models_within_2_se():
    rng = np.random.default_rng(3)
    b = np.linspace(-3, 3, 60)
    theta = np.array([-2.0, -1.2, -0.5, 0.0, 0.4, 1.0, 1.7, 2.5])
    est, se, extreme = abilities(_simulate(rng, theta, b), thresholds_from_difficulty(b, np.ones(60, int)))
    assert not extreme.any()
    assert (np.abs(est - theta) < 2 * se).all(), (est - theta) / se
    assert (se > 0.2).all() and (se < 0.6).all()


def _results(scores, b):
    n, L = scores.shape
    return Results([f"m{k}" for k in range(n)], [f"q{i:03d}" for i in range(L)], scores,
                   np.ones(L, int), b, None)


def test_difficulty_invariant_responder_is_flagged_and_a_rasch_one_with_the_same_total_is_not():
    rng = np.random.default_rng(11)
    b = np.linspace(-3, 3, 200)
    rasch = _simulate(rng, np.array([0.0]), b)[0]
    flat_p = (1 / (1 + np.exp(b))).mean()  # same expected total as the Rasch responder at ability 0
    flat = (rng.random(200) < flat_p).astype(float)
    report = analyse(_results(np.vstack([rasch, flat]), b), "anchored", "human").report["models"]
    ok, odd = report["m0"], report["m1"]
    assert abs(ok["difficulty_slope"] + 1) < 0.3 and ok["outfit"] < 1.3 and ok["flags"] == []
    assert abs(odd["difficulty_slope"]) < 0.3 and odd["outfit"] > 2.0
    assert "difficulty_invariant" in odd["flags"] and "underfit" in odd["flags"]
    assert abs(ok["ability"] - odd["ability"]) < 0.5  # the total score alone cannot tell them apart


def test_partial_credit_model_reduces_to_rasch_when_every_max_score_is_1():
    theta, b = np.linspace(-2, 2, 9), np.linspace(-1.5, 1.5, 7)
    mo = moments(theta, thresholds_from_difficulty(b, np.ones(7, int)))
    rasch = 1 / (1 + np.exp(b[None] - theta[:, None]))
    assert np.allclose(mo.expected, rasch) and np.allclose(mo.variance, rasch * (1 - rasch))


def test_partial_credit_items_are_recovered_in_free_mode():
    rng = np.random.default_rng(5)
    theta = rng.normal(0, 1, 400)
    delta = np.array([[-1.0, 0.5], [0.0, 1.0], [-0.5, np.nan], [1.0, np.nan], [0.5, -0.5], [-1.5, np.nan]])
    top = np.array([2, 2, 1, 1, 2, 1])
    steps = theta[:, None, None] - np.nan_to_num(delta)[None]
    psi = np.concatenate([np.zeros((400, 6, 1)), np.cumsum(steps, axis=2)], axis=2)
    psi[:, top == 1, 2] = -np.inf
    p = np.exp(psi - psi.max(axis=2, keepdims=True))
    p /= p.sum(axis=2, keepdims=True)
    scores = (rng.random((400, 6, 1)) > np.cumsum(p, axis=2)).sum(axis=2).astype(float)
    fit = fit_free(scores, top)
    truth = np.nanmean(delta, axis=1) - np.nanmean(np.nanmean(delta, axis=1))
    assert np.corrcoef(item_difficulty(fit.delta), truth)[0, 1] > 0.95


def test_extreme_examinees_get_finite_flagged_estimates():
    rng = np.random.default_rng(1)
    scores = _simulate(rng, rng.normal(0, 1, 100), np.linspace(-2, 2, 20))
    scores[0], scores[1] = 1.0, 0.0
    fit = fit_free(scores, np.ones(20, int))
    assert fit.theta_extreme[0] and fit.theta_extreme[1] and np.isfinite(fit.theta[:2]).all()
    inner = fit.theta[~fit.theta_extreme]
    assert fit.theta[0] > inner.max() and fit.theta[1] < inner.min()


def test_dispersion_is_about_one_for_model_conformant_partial_credit_scores():
    rng = np.random.default_rng(2)
    b = np.linspace(-2, 2, 300)
    top = np.full(300, 4)
    p = 1 / (1 + np.exp(b))  # binomial scores out of 4 with the model's probability
    score = rng.binomial(4, p).astype(float)
    mo = moments(np.array([0.0]), thresholds_from_difficulty(b, top))
    bins = dx.difficulty_bins(b, 5)
    assert 0.8 < dx.dispersion(score, top, mo.expected[0], mo.variance[0], bins) < 1.25
    noisy = np.where(rng.random(300) < 0.5, 0.0, 4.0)  # all-or-nothing at random: items of one difficulty differ
    assert dx.dispersion(noisy, top, mo.expected[0], mo.variance[0], bins) > 2
