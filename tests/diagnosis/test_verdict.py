"""The verdict rules on hand-made stage measures (the end-to-end verdicts are in test_diagnose.py)."""

from __future__ import annotations

import pytest

from transferkit.diagnosis.label_space import LabelSpace
from transferkit.diagnosis.measure import Measures, StageMeasures
from transferkit.diagnosis.prior_match import PriorMatch
from transferkit.diagnosis.verdict import decide

import numpy as np

NAMES = ["stem", "stage1", "stage2", "stage3"]
SAME_LABELS = LabelSpace(["a", "b"], ["a", "b"], 1.0, 0.9, 0.9)


def measures(pad, mmd, cls=None, label_space=SAME_LABELS):
    cls = cls or [None] * len(pad)
    stages = [StageMeasures(n, p, 0.5 - p / 4, m, c, 0.8) for n, p, m, c in zip(NAMES, pad, mmd, cls)]
    return Measures(stages, label_space, 0.1, PriorMatch(np.ones(3), "class names", 3.0), 100, 100)


@pytest.mark.parametrize("pad, mmd, cls, kind", [
    ([0.05, 0.1, 0.0, 0.1], [0.0, 0.0, 0.0, 0.0], None, "same"),
    ([2.0, 2.0, 1.9, 1.9], [4.0, 3.0, 2.0, 1.0], None, "input"),        # decays: absorbed on the way up
    ([2.0, 2.0, 2.0, 2.0], [4.0, 4.0, 3.5, 3.8], None, "every"),        # stays as large up to the top
    ([0.1, 0.2, 0.5, 0.7], [0.0, 0.0, 0.0, 0.0], None, "feature"),      # first appears above the stem
    ([0.3, 0.3, 0.3, 0.3], [0.0] * 4, [0.1, 0.2, 0.35, 0.5], "feature"),  # class shift grows 5x
    ([1.8, 1.8, 1.9, 1.9], [2.0, 2.0, 2.0, 2.0], [0.5, 0.9, 1.5, 2.5], "every"),  # grows and stem strongly shifted
])
def test_rules(pad, mmd, cls, kind):
    verdict = decide(measures(pad, mmd, cls))
    assert verdict.kind == kind, verdict.reasons
    assert verdict.reasons and verdict.strategies


def test_unshifted_features_with_other_labels_is_an_output_level_shift():
    other = LabelSpace(["x", "y"], [], 0.0, None, 0.95)
    verdict = decide(measures([0.0] * 4, [0.0] * 4, label_space=other))
    assert verdict.kind == "output" and "not source classes" in verdict.reasons[-1]
    renamed = LabelSpace(["a", "b"], ["a", "b"], 1.0, 0.05, 0.9)  # same names, the head does not recognise them
    assert decide(measures([0.0] * 4, [0.0] * 4, label_space=renamed), source_head_accuracy=0.9).kind == "output"
    assert decide(measures([0.0] * 4, [0.0] * 4, label_space=renamed), source_head_accuracy=None).kind == "same"
