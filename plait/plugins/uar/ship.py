"""Train the heads shipped with plait (maintainers only).

``PLAIT_UAR__FEATURIZER=e5 python -m plait.plugins.uar.ship`` fits and calibrates the four heads
for the configured featurizer on the multi-source corpus (:mod:`plait.plugins.uar.corpus`; the self
head on the labels of ``data/self.smollm2.jsonl``) into ``data/heads/<featurizer>/``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from plait.core.config import load_settings
from plait.plugins.uar.datagen import DATA_DIR
from plait.plugins.uar.featurizers import featurizer_from_settings
from plait.plugins.uar.heads import shipped_dir
from plait.plugins.uar.training import save_with_val, train_head


def ship(featurizer, criteria: list[str], out: Path | None = None) -> dict[str, dict]:
    """Fit and calibrate each criterion's head on the multi-source corpus (``corpus.build``)."""
    from collections import Counter

    from plait.plugins.uar.corpus import build

    out = out or shipped_dir(featurizer.id)
    report = {}
    for criterion in criteria:
        train, val = build(criterion)
        head, held = train_head(featurizer, criterion, train, val)
        head.meta["sources"] = {"train": dict(Counter(r["source"].split(":")[0] for r in train)),
                                "val": dict(Counter(r["source"].split(":")[0] for r in val))}
        if criterion == "self":  # model-specific: say whose knowledge the labels describe
            head.meta["source"] = f"{SELF_LABELS.name} ({SELF_MODEL}) + private-document and harvested questions labelled unknown"
            head.meta["model"] = SELF_MODEL
        save_with_val(head, held, out)
        report[criterion] = head.info()
        print(criterion, {k: v for k, v in head.info().items() if k != "sources"}, flush=True)
    return report


SELF_LABELS = DATA_DIR / "self.smollm2.jsonl"
SELF_MODEL = "llamacpp/smollm2"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--criteria", default="intent,knowledge,time,self")
    args = ap.parse_args()
    featurizer = featurizer_from_settings(load_settings())
    ship(featurizer, [c for c in args.criteria.split(",") if c])


if __name__ == "__main__":
    main()
