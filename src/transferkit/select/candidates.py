"""What a comparison tries: the plans (from `all`, a comma list of specs, or Plan objects) times a learning-rate grid,
and, when several networks are compared, times the networks."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import PlanError
from ..settings.compare import DEFAULT_LR_FACTORS
from ..plans import Plan, list_strategies, plan_from_spec



@dataclass(frozen=True)
class Candidate:
    """One plan at one learning-rate factor (every phase's lr times `lr_factor`), on one of several networks
    (`network`, its name in the comparison) or on the comparison's one network (None)."""

    name: str  # the plan's spec, e.g. 'partial:k=2'
    slug: str  # a directory-safe name, unique within the comparison
    plan: Plan  # the plan at its preset's learning rates
    lr_factor: float
    network: str | None = None

    @property
    def key(self) -> str:
        return f"{pair_name(self.network, self.name)}@{lr_label(self.lr_factor)}"

    def plan_at(self, epochs: int) -> Plan:
        """The plan with this learning-rate factor and `epochs` shared by its phases (see Plan.with_total_epochs)."""
        return self.plan.with_lr_factor(self.lr_factor).with_total_epochs(max(epochs, self.plan.scalable_phases))


def split_strategy_list(text: str) -> list[str]:
    """'linear-probe,partial:k=2,lr=0.01,full' -> ['linear-probe', 'partial:k=2,lr=0.01', 'full'].

    Items are separated by commas; an item of the form key=value (without ':') continues the options of
    the item before it, so preset options can be written as in --strategy.
    """
    items: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise PlanError(f"Empty item in the strategy list {text!r}; separate strategies with single commas.")
        if "=" in part and ":" not in part and items:
            items[-1] += "," + part
        else:
            items.append(part)
    return items


def resolve_strategies(strategies: str | list[str | Plan]) -> list[tuple[str, Plan]]:
    """(name, plan) for every strategy; 'all' means every registered preset with its default options."""
    if isinstance(strategies, str):
        if strategies.strip() == "all":
            specs: list[str | Plan] = [info.name for info in list_strategies()]
        else:
            specs = list(split_strategy_list(strategies))
    else:
        specs = list(strategies)
    if not specs:
        raise PlanError("No strategies to compare; pass 'all' or a comma-separated list such as 'linear-probe,full'.")
    if any(isinstance(s, str) and s.strip() == "all" for s in specs) and len(specs) > 1:
        raise PlanError("'all' cannot be combined with other strategies; pass 'all' alone or list the strategies.")
    resolved: list[tuple[str, Plan]] = []
    for spec in specs:
        plan = spec if isinstance(spec, Plan) else plan_from_spec(str(spec))
        name = plan.strategy if isinstance(spec, Plan) else str(spec).strip()
        if name in [n for n, _ in resolved]:
            raise PlanError(f"Strategy {name!r} is listed twice; list each strategy once.")
        resolved.append((name, plan))
    return resolved


def make_candidates(strategies: str | list[str | Plan], lr_factors=DEFAULT_LR_FACTORS,
                    prepare: Callable[[Plan], Plan] | None = None) -> list[Candidate]:
    """Every plan at every learning-rate factor, plans in the given order, factors ascending; `prepare` (e.g. the
    run's overrides of lr, batch size, augmentation) is applied to each plan before its factor."""
    factors = sorted(float(f) for f in lr_factors)
    out: list[Candidate] = []
    slugs: set[str] = set()
    for name, plan in resolve_strategies(strategies):
        slug = unique_slug(name, slugs)
        plan = prepare(plan) if prepare is not None else plan
        out.extend(Candidate(name, slug, plan, f) for f in factors)
    return out


def pair_name(network: str | None, plan: str) -> str:
    """A leaderboard row's name: the plan, or 'network · plan' when several networks are compared."""
    return plan if network is None else f"{network} · {plan}"


def on_networks(candidates: list[Candidate], networks: list[str]) -> list[Candidate]:
    """Every candidate on every network (networks in the given order), each network's runs in its own directory."""
    taken: set[str] = set()
    out = []
    for network in networks:
        folder = unique_slug(network, taken)
        out += [dataclasses.replace(c, network=network, slug=f"{folder}/{c.slug}") for c in candidates]
    return out


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "plan"


def unique_slug(name: str, taken: set[str]) -> str:
    base = slug(name)
    candidate, i = base, 2
    while candidate in taken:
        candidate, i = f"{base}-{i}", i + 1
    taken.add(candidate)
    return candidate


def lr_label(factor: float) -> str:
    """'lr-x1', 'lr-x3', 'lr-x0.333': the learning-rate factor as a directory-safe label."""
    return f"lr-x{factor:.3g}"
