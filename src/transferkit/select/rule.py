"""The selection rule of a comparison: which plan wins (`--prefer`) and the non-inferiority margin (`--margin`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import RunError
from ..settings.choices import PREFER
from ..settings.compare import DEFAULT_MARGIN

ALPHA = 0.05  # the level of every paired test of a comparison


@dataclass(frozen=True)
class SelectionRule:
    """`prefer`: 'cheapest-equivalent' (the highest mean validation score, unless cheaper plans are shown
    non-inferior to it within `margin`: then the cheapest of them) or 'best' (the highest mean, always); `margin` in
    the metric's own units (0.01: one point of accuracy). Controls are never chosen under either."""

    prefer: str = "cheapest-equivalent"
    margin: float = DEFAULT_MARGIN / 100

    def __post_init__(self) -> None:
        if self.prefer not in PREFER:
            raise RunError(f"The selection rule must be one of {list(PREFER)}; got {self.prefer!r}.")
        if not 0 <= self.margin < 1:
            raise RunError(f"The margin must be a fraction of the metric from 0 to below 1; got {self.margin!r}.")

    @classmethod
    def from_settings(cls, settings: Any) -> SelectionRule:
        """The rule of a CompareSettings (whose margin is in points)."""
        return cls(settings.prefer, settings.margin / 100)

    @property
    def points(self) -> str:
        """The margin in words: '1 point', '0.5 points'."""
        value = self.margin * 100
        return f"{value:g} point{'' if value == 1 else 's'}"

    def words(self, label: str = "validation accuracy") -> str:
        """The rule in one sentence (leaderboard.json's `selection.rule`, the captions)."""
        controls = "controls (plans from random weights: scratch, linear-probe:init=random) are never chosen"
        if self.prefer == "best":
            return f"--prefer best: the plan with the highest mean {label} wins; {controls}"
        return (f"--prefer cheapest-equivalent, margin {self.points}: the plan with the highest mean {label} wins "
                f"unless cheaper plans are shown non-inferior to it (the upper {1 - ALPHA:.0%} confidence bound of "
                f"their mean per-seed deficit below the margin, Holm-corrected over the cheaper plans); then the "
                f"cheapest of those wins. Plans only not separated from the best by the paired test are not "
                f"shown equivalent; {controls}")

    def short(self) -> str:
        """The rule in a few words, for captions."""
        if self.prefer == "best":
            return "--prefer best: the highest mean wins; controls never win"
        return (f"--prefer cheapest-equivalent, margin {self.points}: the highest mean wins unless a cheaper plan is "
                f"shown non-inferior (the upper {1 - ALPHA:.0%} bound of its mean deficit below the margin); "
                "controls never win")

    def to_dict(self) -> dict[str, Any]:
        return {"prefer": self.prefer, "margin": self.margin, "margin_points": self.margin * 100, "alpha": ALPHA}
