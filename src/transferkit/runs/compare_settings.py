"""CompareSettings: how a comparison searches (seeds, search method, learning-rate grid, budget, what it shows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from ..errors import RunError
from ..select import DEFAULT_ETA, DEFAULT_LR_FACTORS, check_jobs, check_search
from ..select.candidates import check_lr_factors
from .compare_weights import check_keep_weights
from ..select.lr_search import check_lr_search
from ..select.metric import check_metric

DEFAULT_EPOCHS = 10
DEFAULT_HOLDOUT = 0.5


@dataclass(frozen=True)
class CompareSettings:
    """`seeds`: how many (seed k draws split k for every plan) or which; `search`: exhaustive or halving (`eta`:
    each rung keeps the best 1/eta); `lr_factors`: every phase's preset learning rate times each factor;
    `time_budget`: seconds for the whole comparison, turned into one epoch budget for every plan (instead of the
    run spec's epochs); `show_test`: test accuracy for every plan, not only the winner's; `keep_weights`: which run
    directories keep their trained weights (all, winner: the chosen plan's runs, none); `metric`: what selection
    and the leaderboard use (every run records all of them); `holdout`: the fraction of each class's validation images
    held out from every choice to estimate the winner's score honestly (0: none; not with --source); `lr_search`:
    `grid` (every factor of `lr_factors`, chosen on validation) or `range` (one factor per plan from a learning-rate
    range test on training images; `lr_factors` is then not used); `jobs`: runs trained at once, each in its own
    worker process with its share of the CPU threads (1: one after another in this process)."""

    seeds: int | tuple[int, ...] = 3
    search: str = "exhaustive"
    eta: int = DEFAULT_ETA
    lr_factors: tuple[float, ...] = DEFAULT_LR_FACTORS
    time_budget: float | None = None
    show_test: bool = False
    keep_weights: str = "winner"
    metric: str = "accuracy"
    holdout: float = DEFAULT_HOLDOUT
    lr_search: str = "grid"
    jobs: int = 1

    def __post_init__(self) -> None:
        seeds = self.seeds
        if isinstance(seeds, (list, tuple)):
            object.__setattr__(self, "seeds", tuple(seeds))
            if not seeds or len(set(seeds)) != len(seeds) or not all(
                    isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds):
                raise RunError(f"The seeds must be distinct whole numbers; got {list(seeds)!r}.")
        elif isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
            raise RunError(f"--seeds must be a whole number of at least 1; got {seeds!r}.")
        check_search(self.search)
        check_metric(self.metric)
        check_lr_search(self.lr_search)
        holdout = self.holdout
        if isinstance(holdout, bool) or not isinstance(holdout, (int, float)) or not 0 <= holdout < 1:
            raise RunError(f"--holdout must be a fraction from 0 (no holdout) to below 1; got {holdout!r}.")
        if isinstance(self.eta, bool) or not isinstance(self.eta, int) or self.eta < 2:
            raise RunError(f"--eta must be a whole number of at least 2; got {self.eta!r}.")
        object.__setattr__(self, "lr_factors", check_lr_factors(self.lr_factors))
        budget = self.time_budget
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget <= 0):
            raise RunError(f"--time-budget must be a positive number of seconds; got {budget!r}.")
        check_keep_weights(self.keep_weights)
        check_jobs(self.jobs)

    @property
    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["seeds"], out["lr_factors"] = self.seed_list, list(self.lr_factors)
        return out

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))
