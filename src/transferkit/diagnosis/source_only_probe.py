"""A cheap stand-in for source-only's label-free estimate in a domain-adaptation run: a linear probe (standardized
logistic regression, scikit-learn) fitted on the pretrained network's frozen head-input features of the source
training images, scored on the source validation images by the same DEV estimate the run records for itself.

It stands for source-only:k=0 (the head trained on the source, features standardized), read before any training,
so it costs three feature passes over at most MAX_IMAGES images each and one logistic regression.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .dev import dev_risk, dev_weights
from .selection import subsample, subsample_index
from .stage_features import extract_stage_features

WHAT = ("source-only:k=0 approximated: a standardized logistic regression on the pretrained network's frozen "
        "head-input features of the source training images, scored by DEV on the source validation images")


def source_only_probe(backbone, splits, *, seed: int = 0, device="cpu") -> dict | None:
    """{'accuracy_estimate' (DEV), 'source_validation_accuracy', 'what'} of the probe on the untrained `backbone`;
    None without unlabelled target images or with one source class."""
    if splits.unlabeled is None:
        return None
    keep = subsample_index(len(splits.train.images), seed)
    labels = splits.train.labels.numpy()
    labels = labels if keep is None else labels[keep]
    if len(np.unique(labels)) < 2:
        return None
    train = extract_stage_features(backbone, subsample(splits.train.images, seed), device=device).pre_logits
    val = extract_stage_features(backbone, splits.source_val.images, device=device).pre_logits
    target = extract_stage_features(backbone, subsample(splits.unlabeled.images, seed), device=device).pre_logits
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    probe.fit(train.astype(np.float64), labels)
    val_labels = splits.source_val.labels.numpy()
    wrong = (probe.predict(val.astype(np.float64)) != val_labels).astype(np.float64)
    error = dev_risk(dev_weights(train, target, val, seed), wrong)
    return {"accuracy_estimate": round(float(np.clip(1.0 - error.risk, 0.0, 1.0)), 6),
            "source_validation_accuracy": round(float(1.0 - wrong.mean()), 6), "what": WHAT}
