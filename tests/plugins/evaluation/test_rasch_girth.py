"""Cross-check of ``plait eval rasch``'s free calibration against an established IRT package (girth,
pure Python on numpy/scipy), on simulated responses: same items, same difficulties."""

import numpy as np
from girth import pcm_jml, rasch_conditional, rasch_jml

from plait.plugins.evaluation.rasch import fit_free, item_difficulty

def _dichotomous(n_people=500, n_items=40):
    rng = np.random.default_rng(7)
    b, theta = rng.normal(0, 1, n_items), rng.normal(0, 1, n_people)
    p = 1 / (1 + np.exp(-(theta[:, None] - b[None, :])))
    return (rng.random(p.shape) < p).astype(float)  # people x items


def _centred(x):
    return x - x.mean()


def test_free_difficulties_match_girth_conditional_ml():
    scores = _dichotomous()
    ours = item_difficulty(fit_free(scores, np.ones(scores.shape[1], dtype=int)).delta)
    theirs = _centred(rasch_conditional(scores.T.astype(int))["Difficulty"])  # girth: items x people
    assert np.corrcoef(ours, theirs)[0, 1] > 0.9999
    assert np.abs(ours - theirs).max() < 0.05  # CML is consistent; corrected JML lands on it


def test_free_difficulties_match_girth_joint_ml():
    scores = _dichotomous()
    ours = item_difficulty(fit_free(scores, np.ones(scores.shape[1], dtype=int)).delta)
    theirs = _centred(rasch_jml(scores.T.astype(int))["Difficulty"])
    assert np.corrcoef(ours, theirs)[0, 1] > 0.9999
    assert np.abs(ours - theirs).max() < 0.15  # the two JMLs differ in their bias correction only


def test_partial_credit_difficulties_match_girth():
    rng = np.random.default_rng(11)
    n_people, n_items, top = 500, 30, 3
    steps = np.sort(rng.normal(0, 0.7, (n_items, top)), axis=1)
    delta = rng.normal(0, 1, (n_items, 1)) + steps - steps.mean(axis=1, keepdims=True)
    theta = rng.normal(0, 1, n_people)
    logits = np.concatenate([np.zeros((n_people, n_items, 1)),
                             np.cumsum(theta[:, None, None] - delta[None], axis=2)], axis=2)
    prob = np.exp(logits - logits.max(axis=2, keepdims=True))
    prob /= prob.sum(axis=2, keepdims=True)
    scores = (prob.cumsum(axis=2) < rng.random((n_people, n_items, 1))).sum(axis=2).astype(float)
    ours = item_difficulty(fit_free(scores, np.full(n_items, top)).delta)
    theirs = _centred(pcm_jml(scores.T.astype(int) + 1)["Difficulty"].mean(axis=1))  # girth counts from 1
    assert np.corrcoef(ours, theirs)[0, 1] > 0.995
