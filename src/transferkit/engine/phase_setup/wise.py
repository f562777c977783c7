"""WiSE-FT at a phase's end: the weights mixed with those the phase started from, θ = (1 − α)·θ_start + α·θ_end
(Wortsman et al., Robust fine-tuning of zero-shot models, CVPR 2022). After a probe (LP-FT), θ_start is the
pretrained backbone with the probed head, so no zero-shot model is needed.

α is given, or chosen on the validation split from WISE_GRID (ties: the α closest to 0.5, the middle of the path the
paper recommends). Batch-norm running statistics are either interpolated like every other tensor, or measured again
on the training images for the mixed weights (`reestimate`).
"""

from __future__ import annotations

from typing import Any

import torch

WISE_GRID = tuple(round(i / 10, 1) for i in range(11))


class WeightInterpolation:
    """The floating-point state of `model` when the phase started, and the mixing at its end."""

    def __init__(self, model: torch.nn.Module, start: dict[str, torch.Tensor]):
        self.model, self.start = model, start
        self.record: dict[str, Any] = {}

    @classmethod
    def at_start(cls, model: torch.nn.Module) -> WeightInterpolation:
        state = model.state_dict()
        return cls(model, {k: v.detach().clone() for k, v in state.items() if v.is_floating_point()})

    @torch.no_grad()
    def mix(self, alpha: float, end: dict[str, torch.Tensor]) -> None:
        """Set the model to lerp(start, end, α): exactly the start at α = 0 and the end at α = 1."""
        state = self.model.state_dict()
        for key, first in self.start.items():
            if key in state:
                state[key].copy_(torch.lerp(first.to(state[key].device), end[key], alpha))

    def choose(self, alpha: float | str, validate, reestimate=None) -> float:
        """Mix at `alpha` or, for 'auto', at the grid value that validates best; `validate()` gives the current
        weights' validation accuracy, `reestimate()` (when given) measures batch-norm statistics again after mixing.
        Leaves the model at the chosen α and returns its validation accuracy."""
        end = {k: v.detach().clone() for k, v in self.model.state_dict().items() if k in self.start}
        grid = WISE_GRID if alpha == "auto" else (float(alpha),)
        scores: dict[float, float] = {}
        for a in grid:
            self.mix(a, end)
            if reestimate is not None:
                reestimate()
            scores[a] = validate()
        chosen = max(grid, key=lambda a: (scores[a], -abs(a - 0.5)))
        if chosen != grid[-1]:
            self.mix(chosen, end)
            if reestimate is not None:
                reestimate()
        self.record = {"alpha": chosen, "chosen": "on validation" if alpha == "auto" else "given",
                       "val_accuracy_by_alpha": {str(a): s for a, s in scores.items()},
                       "tensors": len(self.start)}
        return scores[chosen]

    def state(self) -> dict[str, torch.Tensor]:
        """Tensors for a checkpoint (the start weights)."""
        return {k: v.detach().cpu().contiguous() for k, v in self.start.items()}
