"""What a diagnosis says from the target alone, when there is no source data to compare with (an ImageNet network:
nobody has ImageNet at hand): per-stage linear probes, LogME of the final features, the overlap of the target's
classes with the source head's, and the class balance. The measures that compare source and target features (proxy
A-distance, domain-classifier error, linear MMD, class shift) and the shift verdict built on them are marked not
measured, with the reason."""

from __future__ import annotations

from typing import Any

import numpy as np

from .label_space import LabelSpace, compare_label_spaces
from .logme import logme
from .measure import StageMeasures
from .probe import probe_accuracy
from .stage_features import StageFeatures
from .verdict import Verdict

SOURCE_MEASURES = ["proxy A-distance", "domain-classifier error", "linear MMD", "class shift",
                   "source features matched to the target's classes", "the shift verdict"]
CLOSE = 0.01  # a stage's probe within this of the best counts as the best


def why_not_measured(model_spec: str) -> str:
    return (f"no source data: '{model_spec}' carries no source statistics (model directories written by "
            "'transferkit pretrain' do) and no --source was given; pass --source with images of the data it was "
            "pretrained on to measure the shift")


def class_balance(labels: np.ndarray, classes: list[str]) -> dict[str, Any]:
    """Images per class of the whole target, the largest and smallest class, and the ratio of their counts."""
    counts = np.bincount(labels, minlength=len(classes)).tolist()
    largest, smallest = int(np.argmax(counts)), int(np.argmin(counts))
    return {"counts": dict(zip(classes, counts)), "largest": classes[largest], "smallest": classes[smallest],
            "ratio": round(counts[largest] / max(counts[smallest], 1), 3)}


def target_stages(labelled: StageFeatures, labels: np.ndarray, *, seed: int = 0) -> list[StageMeasures]:
    """One row per stage with its linear-probe accuracy; the source-dependent measures None."""
    return [StageMeasures(stage, None, None, None, None, probe_accuracy(features, labels, seed=seed))
            for stage, features in labelled.stages.items()]


def target_verdict(stages: list[StageMeasures], label_space: LabelSpace | None, score: float | None,
                   reason: str) -> Verdict:
    """Which recipes to try, from where the target classes separate best along the stages; the shift itself is
    not measured (`reason`)."""
    reasons = [f"the shift between source and target is not measured ({reason.split(':')[0]})"]
    probed = [s for s in stages if s.probe_accuracy is not None]
    if not probed:
        reasons.append("too few images per class for a linear probe")
        return Verdict("not measured", "Shift not measured: compare strategies on your data.",
                       ["linear-probe", "lp-ft", "full"], reasons)
    best = max(probed, key=lambda s: s.probe_accuracy)
    top = probed[-1]
    reasons.append(f"a linear probe on {top.stage}'s features reaches {top.probe_accuracy:.0%} (the best stage: "
                   f"{best.stage}, {best.probe_accuracy:.0%})")
    if score is not None:
        reasons.append(f"LogME of the final features {score:.3f}")
    if label_space is not None:
        reasons.append(f"{len(label_space.shared)} of {len(label_space.target_classes)} target classes are source "
                       f"classes; the source head's classes explain {label_space.explained:.0%} of the target labels")
    if top.probe_accuracy >= best.probe_accuracy - CLOSE:
        reasons.append("the final features separate the target classes as well as any stage's")
        return Verdict("not measured", "Shift not measured; from the target alone: the final features suit it, "
                       "so start with linear-probe or lp-ft.", ["linear-probe", "lp-ft"], reasons)
    above = len(probed) - 1 - probed.index(best)
    reasons.append(f"{best.stage}'s features separate the target classes better than the final ones: the "
                   f"{above} stage{'s' if above != 1 else ''} above it are specialised to the source")
    return Verdict("not measured", f"Shift not measured; from the target alone: fine-tune the top {above} "
                   f"stage{'s' if above != 1 else ''} or all of them.", [f"partial:k={above}", "lp-ft", "full"],
                   reasons)


def target_record(labelled: StageFeatures, labels: np.ndarray, classes: list[str], head_classes: list[str] | None,
                  seed: int = 0) -> tuple[list[StageMeasures], LabelSpace | None, float | None]:
    """The per-stage rows, the label space against the classes of the source head (`head_classes`, None when the
    model does not name them) and LogME of the final features."""
    stages = target_stages(labelled, labels, seed=seed)
    space = compare_label_spaces(list(head_classes), classes, labels, labelled.predicted) if head_classes else None
    score = logme(labelled.pre_logits, labels) if len(np.unique(labels)) > 1 else None
    return stages, space, score
