"""What a domain-adaptation run records for model selection, since the target's test labels must not choose:
source validation accuracy and loss, the DEV estimate of the target risk, and the few target labels if given."""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np

from .dev import dev_problem, dev_risk, dev_weights
from .stage_features import extract_stage_features

MAX_IMAGES = 1_000  # source training and unlabelled images read for the density ratio


def _cross_entropy(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels]


def subsample_index(n: int, seed: int) -> np.ndarray | None:
    """The sorted indices of the at most MAX_IMAGES images of `n` read for the density ratio (None: all)."""
    if n <= MAX_IMAGES:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, MAX_IMAGES, replace=False))


def subsample(images, seed: int):
    keep = subsample_index(len(images), seed)
    return images if keep is None else images[keep]


def model_selection(backbone, splits, metrics: dict, *, seed: int = 0, device="cpu", statistics=None) -> dict:
    """The model-selection record of a DomainSplits run with the trained `backbone`.

    `statistics` (methods.DomainStatistics, when the run kept batch-norm statistics per domain): source images are
    then read with the source's statistics, target images with the target's (as saved).
    """
    def on_source():
        return statistics.using("source") if statistics is not None else nullcontext()

    labels = splits.source_val.labels.numpy()
    with on_source():
        val = extract_stage_features(backbone, splits.source_val.images, device=device)
    losses = _cross_entropy(val.logits.astype(np.float64), labels)
    record: dict = {
        "source_validation": {"images": int(len(labels)), "accuracy": float((val.predicted == labels).mean()),
                              "loss": float(losses.mean())},
        "dev": None,
        "target_labels": None,
        "evaluated_with": ("source images with the source's batch-norm statistics, target images with the target's"
                           if statistics is not None else "the network as saved"),
        "test_used_for_selection": False,
    }
    used = "source validation"
    if splits.unlabeled is not None:
        with on_source():
            train = extract_stage_features(backbone, subsample(splits.train.images, seed), device=device)
        target = extract_stage_features(backbone, subsample(splits.unlabeled.images, seed), device=device)
        weights = dev_weights(train.pre_logits, target.pre_logits, val.pre_logits, seed)
        dev = dev_risk(weights, losses)
        # the same estimator with the 0-1 loss estimates the target error rate (clipped: the control variate can
        # carry it outside [0, 1])
        error = dev_risk(weights, (val.predicted != labels).astype(np.float64))
        record["dev"] = {**dev.to_dict(), "features": "the head's input",
                         "density_ratio": "logistic-regression domain classifier (scikit-learn)",
                         "accuracy_estimate": round(float(np.clip(1.0 - error.risk, 0.0, 1.0)), 6)}
        record["dev"]["problem"] = dev_problem(record["dev"], len(labels))  # None: the estimate can be trusted
        used = "importance-weighted source validation (DEV)"
    if splits.options.get("labels_per_class"):
        record["target_labels"] = {"images": len(splits.val), "accuracy": metrics["val"]["accuracy"]}
        used = "labelled target images"
    record["used"] = used
    return record
