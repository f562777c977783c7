"""A linear head fitted to convergence on fixed features: multinomial logistic regression by L-BFGS, its L2 strength
chosen on the validation split (Kornblith et al., Do Better ImageNet Models Transfer Better?, CVPR 2019).

A phase with `fit: lbfgs` uses it when only the head trains and its inputs are the cached pre-logits features of
the unaugmented images (one process, plain cross-entropy); otherwise the phase trains with its optimizer, and the
record says why. The loss is the mean cross-entropy plus `strength / 2 * ||W||^2` (the bias is not penalised), which
is scikit-learn's LogisticRegression with C = 1 / (strength x training images); the grid of strengths spans
C = 10^-3 ... 10^3, and the validation accuracy picks one: C = 1 (scikit-learn's default) unless another strength
validates better by more than one standard error of the validation accuracy (then the best, ties broken by the
validation loss). Computed in float64 on the CPU, from the same starting point every time: the same features give
the same head.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..models.segments import PRE_LOGITS

C_GRID = tuple(10.0 ** (k / 2) for k in range(-6, 7))  # scikit-learn's C: 0.001 ... 1000, half a decade apart
MAX_ITERATIONS = 1000
DEFAULT_C = 1.0
CHOSEN_ON = ("validation accuracy: C = 1 unless another C validates better by more than one standard error, then "
             "the best (ties: the lower validation loss)")
SMALL = 20_000_000  # training features x classes below which the fit runs on one thread


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
        return {"method": "lbfgs", "l2_strength": self.strength, "C": self.c, "iterations": self.iterations,
                "converged": self.converged, "chosen_on": CHOSEN_ON, "tried": self.tried}


def _minimise(x: torch.Tensor, y: torch.Tensor, strength: float, start: tuple[torch.Tensor, torch.Tensor]):
    weight, bias = (t.clone().requires_grad_(True) for t in start)
    optimizer = torch.optim.LBFGS([weight, bias], lr=1.0, max_iter=MAX_ITERATIONS, tolerance_grad=1e-7,
                                  tolerance_change=1e-12, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(x @ weight.T + bias, y) + 0.5 * strength * (weight * weight).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    iterations = int(optimizer.state[weight].get("n_iter", 0))
    return weight.detach(), bias.detach(), iterations


def _scores(x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> tuple[float, float]:
    logits = x @ weight.T + bias
    return float(F.cross_entropy(logits, y)), float((logits.argmax(1) == y).double().mean())


@torch.no_grad()
def _no_grad_scores(x, y, weight, bias):
    return _scores(x, y, weight, bias)


def fit_probe(train: tuple[torch.Tensor, torch.Tensor], val: tuple[torch.Tensor, torch.Tensor],
              classes: int) -> ProbeFit:
    """Fit on `train` (features (N, D), labels (N,)) at every strength of the grid, from the strongest down (each
    fit starts where the previous one ended), and keep the one that validates best on `val`. A small problem runs
    on one thread: its many tiny steps only wait on the others."""
    threads = torch.get_num_threads()
    if train[0].numel() * classes < SMALL:
        torch.set_num_threads(1)
    try:
        return _fit_grid(train, val, classes)
    finally:
        torch.set_num_threads(threads)


def _fit_grid(train: tuple[torch.Tensor, torch.Tensor], val: tuple[torch.Tensor, torch.Tensor],
              classes: int) -> ProbeFit:
    x, y = train[0].double().cpu(), train[1].long().cpu()
    vx, vy = val[0].double().cpu(), val[1].long().cpu()
    start = (torch.zeros(classes, x.shape[1], dtype=torch.float64), torch.zeros(classes, dtype=torch.float64))
    fits, tried = {}, []
    for c in C_GRID:
        strength = 1.0 / (c * len(x))
        with torch.enable_grad():
            weight, bias, iterations = _minimise(x, y, strength, start)
        start = (weight, bias)
        val_loss, val_accuracy = _no_grad_scores(vx, vy, weight, bias)
        tried.append({"C": c, "l2_strength": strength, "val_accuracy": val_accuracy, "val_loss": val_loss,
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
