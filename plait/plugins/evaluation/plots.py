"""``--plots DIR``: the Wright map, observed vs expected accuracy by difficulty bin, and item fit (PNGs).

matplotlib is optional (``pip install 'plait[evaluation]'``); only the plots need it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from plait import InputError
from plait.plugins.evaluation import diagnostics as dx
from plait.plugins.evaluation.analysis import Analysis
from plait.plugins.evaluation.rasch import item_difficulty, moments

MAX_PANELS = 16  # accuracy panels drawn (the strongest models first); the JSON has every model


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise InputError("--plots needs matplotlib: pip install 'plait[evaluation]' (or drop --plots)") from None
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def write_plots(analysis: Analysis, directory: Path) -> list[Path]:
    """Write the three figures into ``directory`` (created) and return their paths."""
    plt = _pyplot()
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in (("wright_map.png", _wright), ("accuracy_by_difficulty.png", _accuracy),
                       ("item_fit.png", _item_fit)):
        fig = draw(plt, analysis)
        path = directory / name
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths


def _wright(plt, a: Analysis):
    """Abilities (left) and item difficulties (right) on one logit scale."""
    fig, (left, right) = plt.subplots(1, 2, sharey=True, figsize=(8, 6), gridspec_kw={"width_ratios": [1, 1]})
    theta, diff = a.fit.theta, item_difficulty(a.fit.delta)
    diff = diff[~np.isnan(diff)]
    if len(theta) <= 30:  # few models: name each one, labels spread apart so close abilities stay legible
        span = max(float(np.ptp(np.concatenate([theta, diff]))), 1.0)
        label_y = _spread(theta, gap=0.045 * span)
        for k in range(len(theta)):
            left.errorbar(0.15, theta[k], yerr=a.fit.theta_se[k], fmt="o", color="tab:blue", capsize=3)
            left.plot([0.2, 0.42], [theta[k], label_y[k]], color="grey", lw=0.6)
            left.annotate(a.results.models[k], (0.44, label_y[k]), va="center", fontsize=8)
        left.set_xlim(0, 1.6)
        left.set_xticks([])
    else:
        left.hist(theta, bins=30, orientation="horizontal", color="tab:blue")
        left.invert_xaxis()
        left.set_xlabel("examinees")
    left.set_ylabel("logits (higher: more able / harder)")
    left.set_title("abilities (± SE)")
    right.hist(diff, bins=max(5, min(30, len(diff) // 2)), orientation="horizontal", color="tab:orange")
    right.set_xlabel("items")
    right.set_title(f"item difficulties ({a.source})")
    fig.suptitle(f"Wright map ({a.mode} mode)")
    return fig


def _spread(values: np.ndarray, gap: float) -> np.ndarray:
    """Label positions near ``values`` with at least ``gap`` between neighbours (order kept)."""
    order = np.argsort(values)
    placed = values[order].astype(float).copy()
    for j in range(1, len(placed)):
        placed[j] = max(placed[j], placed[j - 1] + gap)
    placed -= (placed - values[order]).mean()  # centre the shifted labels on their points
    out = np.empty_like(placed)
    out[order] = placed
    return out


def _accuracy(plt, a: Analysis):
    """Per model: observed score rate per difficulty bin (with a binomial 95% band) vs the model's curve."""
    order = np.argsort(-a.fit.theta)[:MAX_PANELS]
    cols = min(4, len(order))
    rows = math.ceil(len(order) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), sharex=True, sharey=True, squeeze=False)
    grid = np.linspace(np.nanmin(a.difficulty) - 0.5, np.nanmax(a.difficulty) + 0.5, 100)
    mo = moments(a.fit.theta, a.fit.delta)
    top = a.results.max_score.astype(float)
    for ax, k in zip(axes.flat, order):
        x, obs, lo, hi, exp = _bins(a, k, mo.expected[k], top)
        ax.plot(grid, 1 / (1 + np.exp(grid - a.fit.theta[k])), color="grey", lw=1, label="Rasch curve")
        ax.plot(x, exp, "s", mfc="none", color="tab:orange", label="expected")
        ax.errorbar(x, obs, yerr=[obs - lo, hi - obs], fmt="o", color="tab:blue", capsize=2, label="observed")
        m = a.report["models"][a.results.models[k]]
        ax.set_title(f"{a.results.models[k]}  slope {m['difficulty_slope']:.2f}", fontsize=9)
        ax.set_ylim(-0.03, 1.03)
    for ax in axes.flat[len(order):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel(f"item difficulty ({a.source}, logits)")
    for ax in axes[:, 0]:
        ax.set_ylabel("score rate")
    axes.flat[0].legend(fontsize=7, loc="lower left")
    fig.suptitle("Observed vs expected score rate by difficulty bin")
    fig.tight_layout()
    return fig


def _bins(a: Analysis, k: int, expected: np.ndarray, top: np.ndarray):
    """Per bin: mean difficulty, observed rate, its 95% Wilson band, and the model-expected rate."""
    x, obs, lo, hi, exp = [], [], [], [], []
    score = a.results.scores[k]
    for b in np.unique(a.bins[a.bins >= 0]):
        sel = (a.bins == b) & ~np.isnan(score) & ~np.isnan(expected)
        if not sel.any():
            continue
        n, p = top[sel].sum(), score[sel].sum() / top[sel].sum()
        half = 1.96 * math.sqrt(p * (1 - p) / n + 0.9604 / n**2) / (1 + 3.8416 / n)
        mid = (p + 1.9208 / n) / (1 + 3.8416 / n)
        x.append(a.difficulty[sel].mean())
        obs.append(p)
        lo.append(min(p, mid - half))
        hi.append(max(p, mid + half))
        exp.append(expected[sel].sum() / top[sel].sum())
    return (np.array(v) for v in (x, obs, lo, hi, exp))


LABELLED_ITEMS = 10


def _item_fit(plt, a: Analysis):
    """Item infit and outfit mean squares against difficulty; the band 0.5-1.5 is productive fit."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    items = a.report["items"]
    diff = np.array([v["difficulty"] if v["difficulty"] is not None else np.nan for v in items.values()])
    for key, marker, color in (("infit", "o", "tab:blue"), ("outfit", "^", "tab:red")):
        vals = np.array([v[key] if v[key] is not None else np.nan for v in items.values()])
        ax.scatter(diff, vals, marker=marker, color=color, label=key, alpha=0.8)
    labelled = sorted(((max(v["infit"] or 0, v["outfit"] or 0), v["difficulty"], name) for name, v in items.items()
                       if max(v["infit"] or 0, v["outfit"] or 0) > dx.UNDERFIT and v["difficulty"] is not None),
                      reverse=True)[:LABELLED_ITEMS]  # the worst-fitting ones; the CLI lists all of them
    if labelled:
        heights = np.log10([worst for worst, _, _ in labelled])
        label_y = 10 ** _spread(heights, gap=0.09)  # log scale: keep names of close items apart
        for (worst, difficulty, name), y in zip(labelled, label_y):
            ax.annotate(name, (difficulty, worst), xytext=(difficulty + 0.08, y), fontsize=7,
                        arrowprops={"arrowstyle": "-", "color": "grey", "lw": 0.5})
    ax.axhspan(dx.OVERFIT, dx.UNDERFIT, color="green", alpha=0.08, label="productive (0.5-1.5)")
    ax.axhline(1, color="grey", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel(f"item difficulty ({a.mode} mode, logits)")
    ax.set_ylabel("mean square (log scale)")
    ax.set_title("Item fit: 1 = as the Rasch model expects; above 1.5 = unexplained noise")
    ax.legend(fontsize=8)
    return fig
