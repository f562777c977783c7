"""Transferability from the source head's predictions on the target images: LEEP and NCE.

LEEP (Nguyen et al., ICML 2020): with theta(x) the source head's softmax over its classes z, the empirical joint
P(y, z) = 1/n sum_i theta_z(x_i) [y_i = y] gives P(y | z); LEEP = 1/n sum_i log sum_z P(y_i | z) theta_z(x_i), the
log-likelihood of the target labels under the "expected empirical predictor". NCE (Tran et al., ICCV 2019): the
negative conditional entropy -H(Y | Z) of the target labels given the source head's most likely class z(x). Both
are higher when the source classes tell the target classes apart; both need a source head.
"""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.asarray(logits, np.float64) - np.max(logits, axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def leep(source_probabilities: np.ndarray, labels: np.ndarray) -> float:
    """LEEP of the source head's probabilities (N, Z) for integer target labels (N,)."""
    theta = np.asarray(source_probabilities, np.float64)
    labels = np.asarray(labels)
    n = len(labels)
    classes = np.unique(labels)
    joint = np.stack([theta[labels == y].sum(axis=0) for y in classes]) / n  # (Y, Z)
    conditional = joint / np.maximum(joint.sum(axis=0, keepdims=True), 1e-300)  # P(y | z)
    expected = theta @ conditional.T  # (N, Y): sum_z P(y | z) theta_z(x)
    rows = np.searchsorted(classes, labels)
    return float(np.mean(np.log(np.maximum(expected[np.arange(n), rows], 1e-300))))


def nce(source_predictions: np.ndarray, labels: np.ndarray) -> float:
    """NCE: -H(Y | Z) in nats, Z the source head's predicted class (N,), Y the target labels (N,)."""
    z = np.asarray(source_predictions)
    y = np.asarray(labels)
    _, zi = np.unique(z, return_inverse=True)
    _, yi = np.unique(y, return_inverse=True)
    joint = np.zeros((zi.max() + 1, yi.max() + 1))
    np.add.at(joint, (zi, yi), 1.0)
    joint /= len(y)
    pz = joint.sum(axis=1, keepdims=True)
    nonzero = joint > 0
    conditional = np.where(nonzero, joint / np.maximum(pz, 1e-300), 1.0)
    return float((joint[nonzero] * np.log(conditional[nonzero])).sum())
