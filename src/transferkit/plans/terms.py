"""The standard name (`term`) of what a plan does, derived from its phases (what trains, how), never from the
strategy's name."""

from __future__ import annotations

from .phase import Phase
from .plan import Plan, ResolvedPhase

_FILTER_TERMS = {"bias": "BitFit (bias-only fine-tuning)", "norm": "normalization-layer fine-tuning",
                 "lora": "LoRA (low-rank adaptation)"}


def plan_term(plan: Plan, stage_names: list[str] | None = None) -> str:
    """The standard name of the whole plan."""
    terms = [phase_term(p, plan.init, stage_names) for p in plan.phases]
    if len(terms) == 1:
        return terms[0]
    kinds = [_phase_shape(p, stage_names) for p in plan.phases]
    if len(kinds) == 2 and kinds[0][0] == "head" and kinds[1][0] == "full" and plan.phases[1].params == "all":
        return f"LP-FT (linear probing, then {terms[1]})"
    if _is_gradual(plan.phases, stage_names):
        return f"gradual unfreezing over {len(plan.phases)} phases (top down)"
    return "multi-phase fine-tuning: " + ", then ".join(terms)


def phase_term(phase: Phase, init: str = "pretrained", stage_names: list[str] | None = None) -> str:
    """The standard name of one phase."""
    shape, detail = _phase_shape(phase, stage_names)
    if shape == "head":
        term = (
            "linear probing of a randomly initialized backbone (random-features baseline)"
            if init == "random"
            else "linear probing (feature extraction)"
        )
    elif phase.params in _FILTER_TERMS:
        term = _FILTER_TERMS[phase.params]
        if shape == "top":
            term += f" of the top {detail}"
        elif shape == "other":
            term += f" of {detail}"
    elif shape == "full":
        term = "training from scratch (no transfer)" if init == "random" else "full fine-tuning"
    elif shape == "top":
        term = f"partial fine-tuning of the top {detail}"
    else:
        term = f"surgical fine-tuning of {detail}"
    extras = []
    if phase.lr_decay is not None:
        extras.append("layer-wise learning-rate decay")
    if phase.lr_spread is not None:
        extras.append("discriminative learning rates")
    if phase.auto_rgn:
        extras.append("Auto-RGN learning rates")
    if "l2sp" in phase.regularizers:
        extras.append("L2-SP regularization")
    if phase.bn == "frozen" and shape != "head":
        extras.append("batch norm in inference mode")
    if phase.bn == "adapt":
        extras.append("batch-norm statistics re-estimated on the target (AdaBN)")
    elif isinstance(phase.bn, dict) and "adapt" in phase.bn.values():
        adapted = join_names([s for s, policy in phase.bn.items() if policy == "adapt"])
        extras.append(f"batch-norm statistics of {adapted} re-estimated on the target")
    if phase.semi_supervised != "none":
        method = "FixMatch" if phase.semi_supervised == "fixmatch" else "pseudo-labelling"
        term = f"{method} semi-supervised {term} (threshold {phase.threshold:g})"
    if phase.ema is not None:
        extras.append(f"an exponential moving average of weights (decay {phase.ema:g})")
    if extras:
        term += " with " + " and ".join(extras)
    if phase.wise is not None:
        alpha = "chosen on validation" if phase.wise == "auto" else f"{phase.wise:g}"
        term += f", then WiSE-FT (weights interpolated with the phase's start, alpha {alpha})"
    if phase.alignment:
        from ..methods.alignment import alignment_method  # the losses (and torch) only for a plan that aligns

        term = f"unsupervised domain adaptation ({alignment_method(phase.alignment['method']).term}): {term}"
    return term


def _phase_shape(phase: Phase, stage_names: list[str] | None) -> tuple[str, str]:
    """('head'|'full'|'top'|'other', detail) from the phase's stage selection."""
    selectors = set(phase.train)
    if stage_names is None:
        if selectors == {"head"}:
            return "head", ""
        if "all" in selectors:
            return "full", ""
        tops = [s for s in selectors if s.startswith("top:")]
        if tops and selectors - set(tops) <= {"head"}:
            k = int(tops[0].split(":")[1])
            return "top", f"{k} stage{'s' if k > 1 else ''}"
        return "other", join_names([s for s in phase.train if s != "head"]) + _head_note(selectors)
    resolved = Plan(phases=[phase]).resolve(stage_names)[0]
    return _resolved_shape(resolved, stage_names)


def _resolved_shape(resolved: ResolvedPhase, stage_names: list[str]) -> tuple[str, str]:
    body = [s for s in stage_names if s != "head"]
    trained = [s for s in resolved.trainable_stages if s != "head"]
    head = "head" in resolved.trainable_stages
    if not trained:
        return ("head", "") if head else ("other", "nothing")
    if trained == body and head:
        return "full", ""
    if head and trained == body[-len(trained) :]:
        k = len(trained)
        return "top", f"{k} of {len([b for b in body if b != 'stem'])} stages"
    return "other", join_names(trained) + _head_note(set(resolved.trainable_stages))


def _head_note(selected: set[str]) -> str:
    trains_head = {"head", "all"} & selected or any(s.startswith("top:") for s in selected)
    return " and the head" if trains_head else " (head frozen)"


def _is_gradual(phases: list[Phase], stage_names: list[str] | None) -> bool:
    if len(phases) < 2 or set(phases[0].train) != {"head"}:
        return False
    if stage_names is None:
        return all(any(s.startswith("top:") or s == "all" for s in p.train) for p in phases[1:])
    sizes = [len(Plan(phases=[p]).resolve(stage_names)[0].trainable_stages) for p in phases]
    return all(b == a + 1 for a, b in zip(sizes, sizes[1:]))


def join_names(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
