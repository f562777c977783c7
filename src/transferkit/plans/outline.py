"""One sentence that says what a multi-phase plan does, phase by phase ("LP-FT: linear probing for 5 epochs at
learning rate 0.01, then full fine-tuning of all 4 stages and the stem for 10 epochs at learning rate 0.001.")."""

from __future__ import annotations

from .phase import Phase
from .plan import Plan
from .terms import phase_term, plan_term


def _epochs(n: int) -> str:
    return f"{n} epoch" if n == 1 else f"{n} epochs"


def _rates(phase: Phase, stage_names: list[str] | None) -> str:
    if phase.auto_rgn:
        return f"learning rate {phase.lr:g} scaled per tensor by Auto-RGN"
    if stage_names is not None:
        resolved = Plan(phases=[phase]).resolve(stage_names)[0]
        rates = [(s.stage, s.lr) for s in resolved.stages if s.trainable]
        if len({round(lr, 12) for _, lr in rates}) > 1:
            (low_stage, low), (high_stage, high) = rates[0], rates[-1]
            return f"learning rates from {low:.3g} ({low_stage}) to {high:.3g} ({high_stage})"
    if phase.lr_decay is not None:
        return f"learning rate {phase.lr:g} at the head, times {phase.lr_decay:g} per stage below it"
    if phase.lr_spread is not None:
        return f"learning rates from {phase.lr / phase.lr_spread:.3g} (stem) to {phase.lr:g} (head)"
    return f"learning rate {phase.lr:g}"


def _scope(phase: Phase, stage_names: list[str] | None) -> str:
    """' of all 4 stages and the stem' for a phase that trains every stage of a known backbone."""
    if stage_names is None or phase.params != "all":
        return ""
    resolved = Plan(phases=[phase]).resolve(stage_names)[0]
    if len(resolved.trainable_stages) != len(stage_names):
        return ""
    body = [s for s in stage_names if s not in ("stem", "head")]
    return f" of all {len(body)} stages" + (" and the stem" if "stem" in stage_names else "")


def plan_outline(plan: Plan, stage_names: list[str] | None = None) -> str:
    """'LABEL: term for N epochs at RATE, then ...' (one sentence)."""
    term = plan_term(plan, stage_names)
    label = term.split(" (")[0].split(":")[0]
    parts = []
    for p in plan.phases:
        base, with_, extras = phase_term(p, plan.init, stage_names).partition(" with ")
        how = ("fitted by L-BFGS to convergence" if p.fit == "lbfgs" else
               f"for {_epochs(p.epochs)} at {_rates(p, stage_names)}")
        parts.append(f"{base}{_scope(p, stage_names)}{with_}{extras} {how}")
    return f"{label[0].upper()}{label[1:]}: " + ", then ".join(parts) + "."
