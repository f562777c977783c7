"""A linear head fitted to convergence on fixed features: multinomial logistic regression by L-BFGS, its L2 strength
chosen on the validation split (Kornblith et al., Do Better ImageNet Models Transfer Better?, CVPR 2019).

A phase with `fit: lbfgs` uses it when only the head trains and its inputs are the cached pre-logits features of
the unaugmented images (one process, plain cross-entropy); otherwise the phase trains with its optimizer, and the
record says why. The fit is scikit-learn's LogisticRegression (solver lbfgs, its tolerance, up to 5,000
iterations), which minimises the mean cross-entropy plus `strength / 2 * ||W||^2` with C = 1 / (strength x training
images), the bias not penalised; each C of the grid (10^-3 ... 10^3) is fitted from zero, so C = 1 is exactly
scikit-learn's default model. The validation accuracy picks one: C = 1 unless another C validates better by more
than one standard error of the validation accuracy (then the best, ties broken by the validation loss). Computed in
float64 on the CPU: the same features give the same head.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..models.segments import PRE_LOGITS
from .finite_features import require_finite

C_GRID = tuple(10.0 ** (k / 2) for k in range(-6, 7))  # scikit-learn's C: 0.001 ... 1000, half a decade apart
MAX_ITERATIONS = 5000
UNSEEN_BIAS = -1e4
DEFAULT_C = 1.0
CHOSEN_ON = ("validation accuracy: C = 1 unless another C validates better by more than one standard error, then "
             "the best (ties: the lower validation loss)")


@dataclass
class ProbeFit:
    """The fitted head (weight (classes, D), bias (classes,)) and how it was chosen."""

    weight: torch.Tensor
    bias: torch.Tensor
    strength: float
    c: float
    iterations: int
    converged: bool
    train_loss: float
    train_accuracy: float
    val_accuracy: float
    tried: list[dict]

    def record(self) -> dict:
        return {"method": "lbfgs", "solver": "scikit-learn LogisticRegression(solver='lbfgs')",
                "l2_strength": self.strength, "C": self.c, "iterations": self.iterations,
                "converged": self.converged, "chosen_on": CHOSEN_ON, "tried": self.tried}


def _minimise(x: torch.Tensor, y: torch.Tensor, c: float, classes: int):
    """(weight (classes, D), bias (classes,), iterations) of scikit-learn's logistic regression at `c`, spread over
    every class: two classes give scikit-learn's one logit as -z/2, z/2 (the same probabilities), and a class
    without training images gets no weight and a bias of -10^4, so it is never predicted."""
    from sklearn.linear_model import LogisticRegression

    weight = torch.zeros(classes, x.shape[1], dtype=torch.float64)
    bias = torch.full((classes,), UNSEEN_BIAS, dtype=torch.float64)
    if len(y.unique()) == 1:  # one class: nothing to fit, it is always predicted
        bias[y[0]] = 0.0
        return weight, bias, 0
    model = LogisticRegression(C=c, max_iter=MAX_ITERATIONS).fit(x.numpy(), y.numpy())
    coef, intercept = torch.from_numpy(model.coef_), torch.from_numpy(model.intercept_)
    if len(model.classes_) == 2:
        coef, intercept = torch.cat([-coef, coef]) / 2, torch.cat([-intercept, intercept]) / 2
    seen = torch.from_numpy(model.classes_).long()
    weight[seen], bias[seen] = coef, intercept
    return weight, bias, int(model.n_iter_.max())


def _scores(x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> tuple[float, float]:
    logits = x @ weight.T + bias
    return float(F.cross_entropy(logits, y)), float((logits.argmax(1) == y).double().mean())


@torch.no_grad()
def _no_grad_scores(x, y, weight, bias):
    return _scores(x, y, weight, bias)


def fit_probe(train: tuple[torch.Tensor, torch.Tensor], val: tuple[torch.Tensor, torch.Tensor],
              classes: int) -> ProbeFit:
    """Fit on `train` (features (N, D), labels (N,)) at every C of the grid and keep the one that validates best on
    `val`, on as many threads as torch has (one per worker when runs train side by side)."""
    from threadpoolctl import threadpool_limits

    require_finite(train[0])
    with threadpool_limits(limits=torch.get_num_threads()):
        return _fit_grid(train, val, classes)


def _fit_grid(train: tuple[torch.Tensor, torch.Tensor], val: tuple[torch.Tensor, torch.Tensor],
              classes: int) -> ProbeFit:
    x, y = train[0].double().cpu(), train[1].long().cpu()
    vx, vy = val[0].double().cpu(), val[1].long().cpu()
    fits, tried = {}, []
    for c in C_GRID:
        weight, bias, iterations = _minimise(x, y, c, classes)
        val_loss, val_accuracy = _no_grad_scores(vx, vy, weight, bias)
        tried.append({"C": c, "l2_strength": 1.0 / (c * len(x)), "val_accuracy": val_accuracy, "val_loss": val_loss,
                      "iterations": iterations})
        fits[c] = (weight, bias, iterations)
    chosen = _choose(tried, len(vx))
    weight, bias, iterations = fits[chosen["C"]]
    train_loss, train_accuracy = _no_grad_scores(x, y, weight, bias)
    return ProbeFit(weight, bias, chosen["l2_strength"], chosen["C"], iterations, iterations < MAX_ITERATIONS,
                    train_loss, train_accuracy, chosen["val_accuracy"], tried)


def _choose(tried: list[dict], n_val: int) -> dict:
    """The default C unless the best validates better by more than one standard error of its accuracy."""
    best = max(tried, key=lambda t: (t["val_accuracy"], -t["val_loss"]))
    default = next(t for t in tried if t["C"] == DEFAULT_C)
    p = best["val_accuracy"]
    standard_error = (p * (1 - p) / max(n_val, 1)) ** 0.5
    return best if best["val_accuracy"] - default["val_accuracy"] > standard_error else default


def lbfgs_blocker(execution) -> str | None:
    """Why a `fit: lbfgs` phase cannot be fitted by L-BFGS (it then trains with its optimizer), or None."""
    phase, inputs = execution.phase, execution.inputs
    if execution.rp.trainable_stages != ["head"]:
        return "stages below the head train"
    if getattr(inputs, "kind", "") != "cached" or inputs.cut.boundary != PRE_LOGITS:
        return "the head's input features are not cached (the feature cache is off or stops below the head)"
    if inputs.record.get("augment") != "none" or inputs.store.views > 1:
        return "the cached features hold augmented views"
    if execution.accelerator.num_processes > 1:
        return "several processes train"
    if execution.domain is not None or phase.regularizers or phase.alignment:
        return "the phase adds a regularizer or an alignment loss"
    if phase.label_smoothing or phase.mixup or phase.cutmix or phase.class_weights != "none" \
            or phase.sampler != "shuffle":
        return "the phase's loss or sampling is not plain cross-entropy over the training images"
    head = execution.net.head_module()
    if not isinstance(head, nn.Linear) or head.bias is None:
        return "the head is not a linear layer with a bias"
    return None
