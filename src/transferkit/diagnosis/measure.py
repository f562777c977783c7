"""Measure a target against the source, stage by stage: the numbers behind a diagnosis."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .class_shift import class_shift
from .domain_classifier import domain_separation
from .label_space import LabelSpace, compare_label_spaces
from .logme import logme
from .mmd import linear_mmd
from .prior_match import PriorMatch, match_priors
from .probe import probe_accuracy
from .source_stats import SourceStatistics
from .stage_features import StageFeatures


@dataclass
class StageMeasures:
    """One stage: proxy A-distance and domain-classifier error, linear MMD (in source standard deviations),
    class-conditional shift (None without shared classes) and the linear-probe accuracy of the target labels."""

    stage: str
    proxy_a_distance: float
    domain_error: float
    mmd: float
    class_shift: float | None
    probe_accuracy: float | None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Measures:
    stages: list[StageMeasures]
    label_space: LabelSpace
    logme: float | None
    prior_match: PriorMatch
    target_images: int
    labelled_images: int

    def stage(self, name: str) -> StageMeasures:
        return next(s for s in self.stages if s.stage == name)


def measure(stats: SourceStatistics, shift_features: StageFeatures, labelled: StageFeatures, labels: np.ndarray,
            classes: list[str], *, seed: int = 0) -> Measures:
    """`shift_features`: every target image (labelled and unlabelled); `labelled` with `labels` in `classes`."""
    label_space = compare_label_spaces(stats.classes, classes, labels, labelled.predicted)
    match = match_priors(stats.sample_labels, stats.sample_predicted, stats.classes, classes, labels,
                         labelled.predicted)
    keep = match.weights > 0
    position = {name: i for i, name in enumerate(stats.classes)}
    target_ids = np.array([position.get(classes[t], -1) for t in labels], dtype=np.int64)
    rows = []
    for stage in stats.stages:
        source = stats.sample[stage]
        separation = domain_separation(source[keep], shift_features.stages[stage], match.weights[keep], seed=seed)
        mmd = linear_mmd(source[keep], shift_features.stages[stage], scale=stats.moments[stage].std,
                         source_weight=match.weights[keep])
        shift = class_shift(source, stats.sample_labels, labelled.stages[stage], target_ids) \
            if label_space.shared else None
        probe = probe_accuracy(labelled.stages[stage], labels, seed=seed)
        rows.append(StageMeasures(stage, separation.proxy_a_distance, separation.error, mmd, shift, probe))
    score = logme(labelled.pre_logits, labels) if len(np.unique(labels)) > 1 else None
    return Measures(rows, label_space, score, match, len(shift_features), len(labelled))
