"""Plan: an ordered list of phases, and its resolution against a backbone's stage names."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..errors import PlanError
from ..settings.choices import INITS
from .phase import Phase, _plain

_PLAN_KEYS = ("strategy", "init", "options", "phases")


@dataclass
class Plan:
    """Every adaptation recipe is a plan. `init` is `pretrained` (transfer) or `random` (no transfer)."""

    phases: list[Phase]
    strategy: str = "custom"
    init: str = "pretrained"
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.phases, list) or not self.phases:
            raise PlanError("A plan needs at least one phase under 'phases'.")
        if self.init not in INITS:
            raise PlanError(f"The 'init' setting must be one of {list(INITS)}; got {self.init!r}.")
        if not isinstance(self.options, dict):
            raise PlanError(f"The 'options' setting must be a mapping; got {self.options!r}.")

    @property
    def total_epochs(self) -> int:
        return sum(p.epochs for p in self.phases)

    def epoch_counts(self) -> dict[str, int]:
        """{'total': every epoch the plan trains, 'budget': those of the phases that share an epoch budget, 'fixed':
        those of phases with `fixed_epochs`, trained on top of the budget} (see settings.phase_values.EPOCH_BUDGET)."""
        fixed = sum(p.epochs for p in self.phases if p.fixed_epochs)
        return {"total": self.total_epochs, "budget": self.total_epochs - fixed, "fixed": fixed}

    @property
    def scalable_phases(self) -> int:
        """How many phases share an epoch budget (those without `fixed_epochs`)."""
        return sum(not p.fixed_epochs for p in self.phases)

    def with_total_epochs(self, total: int) -> Plan:
        """A copy whose phases share an epoch budget of `total` in the proportions of this plan (each at least 1);
        phases with `fixed_epochs` keep theirs on top of it (settings.phase_values.EPOCH_BUDGET)."""
        need = max(self.scalable_phases, 1)
        if isinstance(total, bool) or not isinstance(total, int) or total < need:
            raise PlanError(
                f"--epochs must be a whole number of at least {need} for this plan "
                f"({self.scalable_phases} of its {len(self.phases)} phases share the epochs); got {total!r}."
            )
        plan = copy.deepcopy(self)
        scaled = [p for p in plan.phases if not p.fixed_epochs]
        if not scaled:
            return plan
        current = sum(p.epochs for p in scaled)
        shares = [max(1, round(p.epochs * total / current)) for p in scaled]
        # fix rounding so the sum is exact, adjusting the longest phases first
        order = sorted(range(len(shares)), key=lambda i: -shares[i])
        i = 0
        while sum(shares) != total:
            j = order[i % len(order)]
            if sum(shares) > total and shares[j] > 1:
                shares[j] -= 1
            elif sum(shares) < total:
                shares[j] += 1
            i += 1
        for phase, epochs in zip(scaled, shares):
            phase.epochs = epochs
        return plan

    def epochs_at(self, budget: int, fraction: float = 1.0) -> int:
        """Every epoch the plan trains at an epoch `budget` (at least one per sharing phase), its fixed phases at
        `fraction` of their epochs: what `with_fixed_epochs_scaled(fraction).with_total_epochs(budget)` trains,
        counted without copying the plan."""
        fixed = sum(max(1, round(p.epochs * fraction)) for p in self.phases if p.fixed_epochs)
        return fixed + (max(budget, self.scalable_phases) if self.scalable_phases else 0)

    def with_fixed_epochs_scaled(self, fraction: float) -> Plan:
        """A copy whose `fixed_epochs` phases train `fraction` of their epochs (rounded, at least 1): a rung of
        successive halving that trains this fraction of the budget shortens them in the same proportion."""
        if not 0 < fraction <= 1:
            raise PlanError(f"The fraction of fixed epochs to keep must be above 0 and at most 1; got {fraction!r}.")
        plan = copy.deepcopy(self)
        for phase in plan.phases:
            if phase.fixed_epochs:
                phase.epochs = max(1, round(phase.epochs * fraction))
        return plan

    def with_lr_factor(self, factor: float) -> Plan:
        """A copy with every phase's learning rate multiplied by `factor`."""
        plan = copy.deepcopy(self)
        for phase in plan.phases:
            phase.lr = phase.lr * factor
        return plan

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "init": self.init,
            "options": _plain(self.options),
            "phases": [p.to_dict() for p in self.phases],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        if not isinstance(data, dict):
            raise PlanError(f"A plan must be a mapping with a 'phases' list; got {type(data).__name__}.")
        unknown = sorted(set(data) - set(_PLAN_KEYS), key=str)
        if unknown:
            raise PlanError(f"Unknown setting {unknown[0]!r} in plan; valid settings are {list(_PLAN_KEYS)}.")
        phases = data.get("phases")
        if not isinstance(phases, list) or not phases:
            raise PlanError("A plan needs a non-empty 'phases' list.")
        strategy = data.get("strategy", "custom")
        if not isinstance(strategy, str):
            raise PlanError(f"The 'strategy' setting must be a string; got {strategy!r}.")
        return cls(
            phases=[Phase.from_dict(p, where=f"phase {i + 1}")
                    for i, p in enumerate(phases)],
            strategy=strategy,
            init=data.get("init", "pretrained"),
            options=data.get("options", {}) or {},
        )

    def resolve(self, stage_names: list[str]) -> list[ResolvedPhase]:
        """Make every phase concrete for a backbone whose stages are `stage_names` (stem ... head)."""
        resolved = []
        asker = f"Strategy '{self.strategy}'" if self.strategy != "custom" else None
        for i, phase in enumerate(self.phases):
            try:
                resolved.append(resolve_phase(phase, i, stage_names, asker))
            except PlanError as exc:
                if len(self.phases) == 1:
                    raise
                raise PlanError(f"Phase {i + 1} '{phase.name}': {exc}") from None
        return resolved


@dataclass
class StageSetting:
    """What one stage does in one phase."""

    stage: str
    trainable: bool
    params: str  # all | bias | norm | lora | none
    lr: float | None
    bn: str  # frozen | train | adapt

    def to_dict(self) -> dict[str, Any]:
        return {"trainable": self.trainable, "params": self.params, "lr": self.lr, "bn": self.bn}


@dataclass
class ResolvedPhase:
    """A phase made concrete for one backbone: one StageSetting per stage, stem first, head last."""

    index: int
    phase: Phase
    stages: list[StageSetting]

    @property
    def trainable_stages(self) -> list[str]:
        return [s.stage for s in self.stages if s.trainable]

    def setting(self, stage: str) -> StageSetting:
        for s in self.stages:
            if s.stage == stage:
                return s
        raise KeyError(stage)


def select_stages(selectors: list[str], stage_names: list[str], asker: str | None = None) -> list[str]:
    """Expand `all`, `head`, `top:K` (the K stages just below the head, and the head: what `partial:k=K` trains;
    K counts the stages above the stem, as the plan's term does) and explicit names into stage names, in network
    order. `asker` names who asked for `top:K` in the error (default: 'top:K' itself)."""
    counted = [s for s in stage_names if s not in ("stem", "head")]
    chosen: set[str] = set()
    for sel in selectors:
        if sel == "all":
            chosen.update(stage_names)
        elif sel.startswith("top:"):
            k = int(sel.split(":", 1)[1])
            if k < 1 or k > len(counted):
                n = len(counted)
                raise PlanError(
                    f"{asker or repr(sel)} asks for the top {k} stage{'s' if k != 1 else ''}, but this backbone has "
                    f"{n} stage{'s' if n != 1 else ''} above the stem ({', '.join(counted)}); ask for 1 to {n} "
                    "(the strategy 'full' also trains the stem)."
                )
            chosen.update(counted[-k:] + ["head"])
        elif sel in stage_names:
            chosen.add(sel)
        else:
            raise PlanError(f"Unknown stage {sel!r}; this backbone's stages are {stage_names}.")
    return [s for s in stage_names if s in chosen]


def resolve_phase(phase: Phase, index: int, stage_names: list[str], asker: str | None = None) -> ResolvedPhase:
    if not stage_names or stage_names[-1] != "head":
        raise PlanError(f"Stage names must end with 'head'; got {stage_names}.")
    trainable = set(select_stages(phase.train, stage_names, asker))
    for name in list(phase.lr_scale) + (list(phase.bn) if isinstance(phase.bn, dict) else []):
        if name not in stage_names:
            raise PlanError(f"Unknown stage {name!r}; this backbone's stages are {stage_names}.")
    depth = len(stage_names) - 1
    settings = []
    for position, stage in enumerate(stage_names):
        is_trainable = stage in trainable
        distance = depth - position  # 0 for the head
        if is_trainable:
            lr = phase.lr * phase.lr_scale.get(stage, 1.0)
            if phase.lr_decay is not None:
                lr *= phase.lr_decay**distance
            if phase.lr_spread is not None and depth > 0:
                lr *= phase.lr_spread ** (-distance / depth)
            params = "all" if stage == "head" else phase.params
        else:
            lr, params = None, "none"
        if isinstance(phase.bn, dict):
            policy = phase.bn.get(stage, "auto")
        else:
            policy = phase.bn
        if policy == "auto":
            policy = "train" if is_trainable else "frozen"
        settings.append(StageSetting(stage, is_trainable, params, lr, policy))
    return ResolvedPhase(index=index, phase=phase, stages=settings)
