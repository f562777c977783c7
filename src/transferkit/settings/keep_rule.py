"""KeepRule: which epoch's weights a run keeps, and when a phase stops early. Both change the result."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import RunError
from .choices import KEEP
from .constraints import OneOf, Whole
from .fields import Record, setting


@dataclass(frozen=True)
class KeepRule(Record):
    """`keep`: "best" keeps the weights of the validated epoch with the highest validation accuracy (the first of
    equals; only validated epochs are candidates, see `eval_every`); "best-1se" too, except that a later phase replaces
    an earlier phase's best only when higher by more than one standard error; "last" those after the last epoch.
    `patience`: end a phase when its validation accuracy has not improved for that many evaluations (None: never)."""

    error = RunError
    kind = "keep rule"
    panel = "Which weights the run keeps"

    keep: str = setting("best", OneOf(KEEP),
                        "Which weights the run ends with: best (those of the validated epoch with the highest "
                        "validation accuracy), best-1se (the same, but a later phase must beat an earlier one by more "
                        "than one standard error) or last (after the last epoch).")
    patience: int | None = setting(None, Whole(min=1, example=3),
                                   "End a phase when its validation accuracy has not improved for N evaluations "
                                   "(default: never).")

    @property
    def picks_best(self) -> bool:
        return self.keep != "last"

    @property
    def later_phase_margin(self) -> str | None:
        """How much better a later phase must validate to replace an earlier phase's best."""
        return {"best": "none", "best-1se": "one standard error"}.get(self.keep)

    def beats(self, value: float, best: float, later_phase: bool, n_val: int) -> bool:
        """Whether validation accuracy `value` replaces the kept `best`: any gain, except under "best-1se" from a later
        phase, which must be higher by more than one standard error of `best` on `n_val` images (sqrt(p(1-p)/n)), so
        that a phase training more of the network does not replace a simpler result on an image or two."""
        if later_phase and self.keep == "best-1se":
            return value > best + math.sqrt(best * (1 - best) / max(n_val, 1))
        return value > best

    def stops(self, val_accuracies: list[float]) -> bool:
        """True when the last `patience` evaluations of a phase did not beat the best one before them."""
        if self.patience is None or not val_accuracies:
            return False
        best = val_accuracies.index(max(val_accuracies))
        return len(val_accuracies) - 1 - best >= self.patience
