"""Ranking networks for a target before any training: every transferability score of each network's frozen features
(and of its source head's predictions), the order by the chosen score, and the table that shows them.

Scores, each higher-is-better: LogME (You et al. 2021), LEEP (Nguyen et al. 2020), NCE (Tran et al. 2019), the
regularized H-score (Bao et al. 2019; Ibrahim et al. 2023), and the cross-validated accuracy of a k-NN and of a
logistic-regression linear probe on the features. LEEP and NCE read the source head: they compare networks only
when every network's head predicts the same source classes, and are marked not measured (with why) otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rich.table import Table

from ..diagnosis.feature_scores import h_score, knn_accuracy
from ..diagnosis.logme import logme
from ..diagnosis.probe import probe_accuracy
from ..diagnosis.source_head_scores import leep, nce, softmax
from ..settings.choices import RANK_SCORES

SOURCE_HEAD_SCORES = ("leep", "nce")
SCORE_NAMES = {"logme": "LogME", "leep": "LEEP", "nce": "NCE", "h-score": "H-score", "knn": "k-NN acc.",
               "linear-probe": "linear-probe acc."}


@dataclass
class NetworkFeatures:
    """What one network gives the scores: its `model` spec, training `features` (N, D), `labels` (N,), its source
    head's `source_logits` (N, Z) or None, the `source_classes` that head predicts (None: unknown) and `details`
    (parameters, input size, feature cache record, ...) for the record."""

    model: str
    features: np.ndarray
    labels: np.ndarray
    source_logits: np.ndarray | None
    source_classes: tuple[str, ...] | None
    details: dict[str, Any] = field(default_factory=dict)


def source_head_reason(networks: list[NetworkFeatures]) -> str | None:
    """Why LEEP and NCE cannot compare these networks (None: they can): a network without a source head, or heads
    that predict different source classes."""
    missing = [n.model for n in networks if n.source_logits is None]
    if missing:
        return f"{', '.join(missing)} has no pretrained source head"
    heads = {n.source_classes if n.source_classes is not None else (n.source_logits.shape[1],) for n in networks}
    if len(heads) > 1:
        sizes = ", ".join(f"{n.model}: {n.source_logits.shape[1]} classes" for n in networks)
        return (f"the networks' source heads predict different classes ({sizes}), so LEEP and NCE are not "
                "comparable across them")
    return None


def _measures(net: NetworkFeatures, seed: int) -> dict[str, Callable[[], float | None]]:
    f, y = net.features, net.labels
    out: dict[str, Callable[[], float | None]] = {
        "logme": lambda: logme(f, y),
        "h-score": lambda: h_score(f, y),
        "knn": lambda: knn_accuracy(f, y, seed=seed),
        "linear-probe": lambda: probe_accuracy(f, y, seed=seed),
    }
    if net.source_logits is not None:
        out["leep"] = lambda: leep(softmax(net.source_logits), y)
        out["nce"] = lambda: nce(net.source_logits.argmax(axis=1), y)
    return out


def score_network(net: NetworkFeatures, seed: int, head_reason: str | None) -> dict[str, Any]:
    """One network's row: every score (None when not measured, with why), and the seconds each took."""
    scores: dict[str, float | None] = dict.fromkeys(RANK_SCORES)
    not_measured: dict[str, str] = {}
    seconds: dict[str, float] = {}
    measures = _measures(net, seed)
    for name in RANK_SCORES:
        if name in SOURCE_HEAD_SCORES and head_reason is not None:
            not_measured[name] = head_reason
            continue
        started = time.perf_counter()
        value = measures[name]()
        seconds[name] = round(time.perf_counter() - started, 4)
        if value is None or not np.isfinite(value):
            not_measured[name] = "fewer than 2 training images per class" if value is None else "not finite"
        else:
            scores[name] = float(value)
    return {"model": net.model, "status": "scored", "scores": scores, "not_measured": not_measured,
            "seconds": seconds, "images": int(len(net.labels)), "feature_dim": int(net.features.shape[1]),
            **net.details}


def ranking_order(rows: list[dict[str, Any]], score: str) -> list[str]:
    """Models by `score`, best first; networks without that score (failed, not measured) last, in input order."""
    def key(item: tuple[int, dict[str, Any]]) -> tuple[int, float, int]:
        i, row = item
        value = (row.get("scores") or {}).get(score)
        return (1, 0.0, i) if value is None else (0, -value, i)

    return [row["model"] for _, row in sorted(enumerate(rows), key=key)]


def score_text(row: dict[str, Any], name: str, digits: int = 3) -> str:
    """A row's score as shown: accuracies in percent, the others with `digits` decimals, "—" when not measured."""
    value = (row.get("scores") or {}).get(name)
    if value is None:
        return "—"
    return f"{value:.1%}" if name in ("knn", "linear-probe") else f"{value:.{digits}f}"


def ranking_table(doc: dict[str, Any]) -> Table:
    """The networks in ranked order with every score; the ordering score's column in bold."""
    score = doc["score"]
    table = Table(title=f"Networks ranked by {SCORE_NAMES[score]} on {doc['data']} (higher is better, before training)")
    table.add_column("#", justify="right")
    table.add_column("network")
    for name in RANK_SCORES:
        table.add_column(SCORE_NAMES[name], justify="right", style="bold" if name == score else None)
    table.add_column("ImageNet top-1", justify="right")
    table.add_column("seconds", justify="right")
    by_model = {row["model"]: row for row in doc["networks"]}
    for i, model in enumerate(doc["order"], 1):
        row = by_model[model]
        top1 = row.get("imagenet_top1")
        table.add_row(str(i), model, *(score_text(row, name) for name in RANK_SCORES),
                      "—" if top1 is None else f"{top1:.1f}%", f"{row.get('total_seconds', 0):.1f}")
    return table


def not_measured_lines(doc: dict[str, Any]) -> list[str]:
    """One line per distinct reason a score was not measured, or a network failed."""
    lines: dict[str, None] = {}
    for row in doc["networks"]:
        if row["status"] == "failed":
            lines[f"{row['model']} failed: {row['error']}"] = None
        for name, why in (row.get("not_measured") or {}).items():
            lines[f"{SCORE_NAMES[name]} not measured: {why}."] = None
    return list(lines)
