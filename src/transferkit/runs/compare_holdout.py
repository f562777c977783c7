"""The data side of an honest comparison: the holdout part of each seed's validation split, and checks that the
chosen metric can be computed on the data before anything trains."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..data import DataSplits
from ..data.holdout import hold_out
from ..engine import TOP_K
from ..errors import RunError
from ..settings import CompareSettings, RunSpec


def with_holdout(spec: RunSpec, settings: CompareSettings) -> RunSpec:
    """The spec whose data holds out `settings.holdout` of each validation split (unless it says otherwise already);
    in domain adaptation selection reads no target labels, so nothing is held out."""
    data = spec.data
    if data.domain_adaptation:
        if settings.metric != "accuracy":
            raise RunError(f"--metric {settings.metric} is not available with --source: model selection then "
                           "estimates target accuracy without target labels; use --metric accuracy.")
        return spec
    if data.holdout_fraction is not None or not settings.holdout:
        return spec
    return dataclasses.replace(spec, data=dataclasses.replace(data, holdout_fraction=settings.holdout))


def given_with_holdout(splits: DataSplits, spec: RunSpec, seed: int) -> DataSplits:
    """Loaded splits (one split for every seed) with the spec's holdout drawn for `seed`."""
    fraction = spec.data.holdout_fraction
    if not fraction or splits.holdout is not None:
        return splits
    return hold_out(splits, fraction, seed)


def check_metric_fits(metric: str, splits: DataSplits) -> None:
    """Top-5 accuracy means something only with more than 5 classes."""
    if metric == "top5" and len(splits.classes) <= TOP_K:
        raise RunError(f"--metric top5 needs more than {TOP_K} classes (every label is among the top {TOP_K} "
                       f"otherwise); this target has {len(splits.classes)}; use --metric accuracy.")


def holdout_record(spec: RunSpec, by_seed: dict[int, DataSplits]) -> dict[str, Any] | None:
    """leaderboard.json's `holdout`: the fraction and, per seed, both parts' sizes, fingerprints and positions in that
    seed's validation split (so anyone can check from the record that they are disjoint)."""
    if spec.data.holdout_fraction is None:
        return None
    per_seed = {}
    for seed, splits in by_seed.items():
        held = splits.options["holdout"]
        per_seed[str(seed)] = {
            "validation": held["validation"],
            "selection": {"images": len(splits.val), "fingerprint": splits.val.fingerprint,
                          "positions": held["selection_positions"]},
            "holdout": {"images": len(splits.holdout), "fingerprint": splits.holdout.fingerprint,
                        "positions": held["holdout_positions"]},
        }
    return {"fraction": spec.data.holdout_fraction,
            "role": "the holdout part of each seed's validation split is evaluated after each run and read by no "
                    "choice (learning rate, plan, epoch); the selection part is what the runs validate on",
            "seeds": per_seed}
