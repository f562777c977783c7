"""LEEP, NCE, H-score and k-NN accuracy: their values at the cases the papers define them by."""

from __future__ import annotations

import numpy as np

from transferkit.diagnosis.feature_scores import h_score, knn_accuracy
from transferkit.diagnosis.source_head_scores import leep, nce, softmax

LABELS = np.repeat(np.arange(4), 10)


def test_a_source_head_that_names_the_target_classes_scores_the_maximum():
    one_to_one = np.eye(6)[LABELS]  # source class k certainly predicted for target class k
    assert abs(leep(one_to_one, LABELS)) < 1e-9 and abs(nce(one_to_one.argmax(1), LABELS)) < 1e-9


def test_an_uninformative_source_head_scores_log_of_one_over_the_classes():
    same = np.full((len(LABELS), 6), 1 / 6)
    assert np.isclose(leep(same, LABELS), np.log(1 / 4))
    assert np.isclose(nce(np.zeros(len(LABELS), int), LABELS), np.log(1 / 4))


def test_leep_and_nce_grow_with_a_sharper_source_head():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(len(LABELS), 6))
    weak, sharp = noise + np.eye(6)[LABELS], noise + 4 * np.eye(6)[LABELS]
    assert leep(softmax(weak), LABELS) < leep(softmax(sharp), LABELS)
    assert nce(weak.argmax(1), LABELS) <= nce(sharp.argmax(1), LABELS)


def test_separable_features_have_a_higher_h_score_and_knn_accuracy():
    rng = np.random.default_rng(1)
    noise = rng.normal(size=(len(LABELS), 32))
    separable = noise + 6 * np.eye(32)[LABELS]
    assert h_score(separable, LABELS) > 1.2 * h_score(noise, LABELS)
    assert knn_accuracy(separable, LABELS) > 0.9 > knn_accuracy(noise, LABELS)
    assert knn_accuracy(noise[:4], LABELS[:4]) is None  # one image per class: nothing to cross-validate
