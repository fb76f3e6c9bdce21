"""Train the heads shipped with plait (maintainers only).

``PLAIT_UAR__FEATURIZER=e5 python -m plait.plugins.uar.ship`` fits and calibrates the four heads
for the configured featurizer on the multi-source corpus (:mod:`plait.plugins.uar.corpus`) into
``data/heads/<featurizer>/``. The self head's labels: ``--self-source knowledge`` (default) describes a
competent reference assistant, labelled from a knowledge source (:mod:`plait.plugins.uar.selfdata`);
``--self-source model`` uses the embedded model's own ``label-self`` labels (``data/self.smollm2.jsonl``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from plait.core.config import load_settings
from plait.plugins.uar.datagen import DATA_DIR
from plait.plugins.uar.featurizers import featurizer_from_settings
from plait.plugins.uar.heads import shipped_dir
from plait.plugins.uar.training import save_with_val, train_head


def subsample(rows: list[dict], n: int | None, seed: int = 0) -> list[dict]:
    """At most ``n`` rows, the same fraction of each label (a slow featurizer such as ``last``)."""
    if n is None or len(rows) <= n:
        return rows
    import random

    rng = random.Random(seed)
    out = []
    for label in (0, 1):
        group = [r for r in rows if r["label"] == label]
        out += rng.sample(group, max(1, round(n * len(group) / len(rows)))) if group else []
    return out


def ship(featurizer, criteria: list[str], out: Path | None = None, self_source: str = "knowledge",
         max_train: int | None = None, max_val: int | None = None) -> dict[str, dict]:
    """Fit and calibrate each criterion's head on the multi-source corpus (``corpus.build``);
    ``max_train``/``max_val`` cap the rows per criterion (stratified) for slow featurizers."""
    from collections import Counter

    from plait.plugins.uar.corpus import build

    out = out or shipped_dir(featurizer.id)
    report = {}
    for criterion in criteria:
        train, val = build(criterion, self_source=self_source)
        train, val = subsample(train, max_train), subsample(val, max_val)
        head, held = train_head(featurizer, criterion, train, val)
        head.meta["sources"] = {"train": dict(Counter(r["source"].split(":")[0] for r in train)),
                                "val": dict(Counter(r["source"].split(":")[0] for r in val))}
        if criterion == "self":  # model-specific: say whose knowledge the labels describe
            if self_source == "model":
                head.meta["source"] = f"{SELF_LABELS.name} ({SELF_MODEL}) + private-document and harvested questions labelled unknown"
                head.meta["model"] = SELF_MODEL
            else:
                head.meta["source"] = ("knowledge-source labels for a competent assistant (selfdata.py: well-known facts vs "
                                       "made-up identifiers, private and long-tail facts) + private-document and harvested questions")
                head.meta["model"] = REFERENCE_MODEL
        save_with_val(head, held, out)
        report[criterion] = head.info()
        print(criterion, {k: v for k, v in head.info().items() if k != "sources"}, flush=True)
    return report


SELF_LABELS = DATA_DIR / "self.smollm2.jsonl"
SELF_MODEL = "llamacpp/smollm2"
# Whose knowledge the default self labels describe: not one model, a competent 7B-class assistant.
REFERENCE_MODEL = "reference:competent-assistant"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--criteria", default="intent,knowledge,time,self")
    ap.add_argument("--self-source", choices=["knowledge", "model"], default="knowledge",
                    help="self labels: knowledge source for a competent assistant, or the embedded model's own")
    ap.add_argument("--out", type=Path, default=None, help="directory for the heads (default: the shipped one)")
    ap.add_argument("--max-train", type=int, default=None, help="cap training rows per criterion (stratified)")
    ap.add_argument("--max-val", type=int, default=None, help="cap validation rows per criterion (stratified)")
    args = ap.parse_args()
    featurizer = featurizer_from_settings(load_settings())
    ship(featurizer, [c for c in args.criteria.split(",") if c], args.out, args.self_source, args.max_train, args.max_val)


if __name__ == "__main__":
    main()
