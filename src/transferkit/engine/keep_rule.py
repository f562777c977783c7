"""KeepRule: which epoch's weights a run keeps, and when a phase stops early. Both change the result."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..errors import RunError

KEEP = ("best", "best-1se", "last")


@dataclass(frozen=True)
class KeepRule:
    """`keep`: "best" keeps the weights of the validated epoch with the highest validation accuracy (the first of
    equals; only validated epochs are candidates, see `eval_every`); "best-1se" too, except that a later phase
    replaces an earlier phase's best only when higher by more than one standard error; "last" those after the last
    epoch. `patience`: end a phase when its validation accuracy has not improved for that many evaluations (None:
    never)."""

    keep: str = "best"
    patience: int | None = None

    def __post_init__(self) -> None:
        if self.keep not in KEEP:
            raise RunError(f"--keep must be one of {list(KEEP)}; got {self.keep!r}.")
        n = self.patience
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise RunError(f"--patience must be a whole number of at least 1; got {n!r}.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeepRule:
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or set(data) - known:
            raise RunError(f"The keep rule must be a mapping of {sorted(known)}; got {data!r}.")
        return cls(**data)

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
