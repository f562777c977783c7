"""Strategy registry: named presets that build plans, and the `name:key=value,...` spec syntax."""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import PlanError
from ..registry import Registry
from .plan import Plan


@dataclass(frozen=True)
class StrategyInfo:
    """A registered preset: its builder, a one-line explanation, and where the recipe comes from."""

    name: str
    builder: Callable[..., Plan]
    summary: str
    reference: str = ""
    domain_adaptation: bool = False  # trains on a labelled source and adapts to unlabelled target images

    def parameters(self) -> dict[str, Any]:
        """Preset parameters and their defaults."""
        return {
            p.name: p.default
            for p in inspect.signature(self.builder).parameters.values()
            if p.default is not inspect.Parameter.empty
        }


STRATEGIES: Registry[StrategyInfo] = Registry("strategy", PlanError, usage="give a plan file (.yaml)")
# options every preset takes, set in every phase of the plan it builds (unless the preset has its own)
COMMON_OPTIONS: dict[str, type] = {"batch_size": int, "augment": str, "randaugment": str, "random_erasing": float,
                                   "mixup": float, "cutmix": float, "ema": float}


# options every preset takes, set in the last phase of the plan it builds: WiSE-FT at the plan's end, semi-supervised
# fine-tuning in it (e.g. lp-ft:semi_supervised=fixmatch: LP-FT, then FixMatch)
LAST_PHASE_OPTIONS: dict[str, type] = {"wise": float | str, "wise_bn": str, "semi_supervised": str,
                                       "threshold": float, "unlabeled_ratio": int, "unlabeled_weight": float}
COMMON_OPTIONS.update(LAST_PHASE_OPTIONS)


def register_strategy(name: str, *, summary: str, reference: str = "", domain_adaptation: bool = False):
    """Decorator: register a function returning a Plan under `name` (`domain_adaptation`: the preset trains on a
    labelled source and adapts to unlabelled target images)."""

    def decorate(builder: Callable[..., Plan]) -> Callable[..., Plan]:
        STRATEGIES.register(name, StrategyInfo(name, builder, summary, reference, domain_adaptation))
        return builder

    return decorate


def list_strategies() -> list[StrategyInfo]:
    """Registered presets, in registration order."""
    return list(STRATEGIES)


def get_strategy(name: str) -> StrategyInfo:
    """The preset `name`; PlanError naming the presets (and the closest one) otherwise."""
    return STRATEGIES.get(name)


def parse_strategy_spec(spec: str) -> tuple[str, dict[str, str]]:
    """'partial:k=2,lr=0.01' -> ('partial', {'k': '2', 'lr': '0.01'})."""
    if not isinstance(spec, str) or not spec.strip():
        raise PlanError("The strategy is empty; give a preset name such as 'linear-probe' or a plan file.")
    name, _, rest = spec.strip().partition(":")
    options: dict[str, str] = {}
    if rest.strip():
        for item in rest.split(","):
            key, eq, value = item.partition("=")
            key, value = key.strip(), value.strip()
            if not eq or not key or not value:
                raise PlanError(
                    f"Malformed strategy option {item.strip()!r} in {spec!r}; write it as NAME:key=value,key=value "
                    f"(e.g. 'partial:k=2')."
                )
            if key in options:
                raise PlanError(f"Option {key!r} is given twice in {spec!r}; give it once.")
            options[key] = value
    elif rest != "" or spec.strip().endswith(":"):
        raise PlanError(f"Malformed strategy {spec!r}; write it as NAME or NAME:key=value (e.g. 'partial:k=2').")
    return name.strip(), options


def build_plan(spec: str) -> Plan:
    """Build the plan of a preset spec such as 'partial:k=2'. The plan remembers its spec and options."""
    name, raw = parse_strategy_spec(spec)
    info = get_strategy(name)
    signature = inspect.signature(info.builder)
    hints = typing.get_type_hints(info.builder)
    kwargs: dict[str, Any] = {}
    every_phase: dict[str, Any] = {}
    for key, text in raw.items():
        if key in signature.parameters:
            kwargs[key] = _coerce(name, key, text, hints.get(key, str))
        elif key in COMMON_OPTIONS:
            every_phase[key] = _coerce(name, key, text, COMMON_OPTIONS[key])
        else:
            valid = list(info.parameters()) + [k for k in COMMON_OPTIONS if k not in signature.parameters]
            raise PlanError(f"Strategy {name!r} has no option {key!r}; its options are {valid}.")
    plan = info.builder(**kwargs)
    last_phase = {k: every_phase.pop(k) for k in LAST_PHASE_OPTIONS if k in every_phase}
    for phase in plan.phases:
        for key, value in {**every_phase, **(last_phase if phase is plan.phases[-1] else {})}.items():
            setattr(phase, key, value)
        phase.validate()
    every_phase.update(last_phase)
    plan.strategy = spec.strip()
    plan.options = {**info.parameters(), **kwargs, **every_phase}
    return plan


def _coerce(strategy: str, key: str, text: str, hint: Any) -> Any:
    if hint == float | str:  # a number, or a word (the phase's constraint checks which)
        try:
            return float(text)
        except ValueError:
            return text
    origin = typing.get_origin(hint)
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if origin is typing.Union or (origin is not None and str(origin) == "<class 'types.UnionType'>"):
        if text.lower() in ("none", "null"):
            return None
        hint = args[0] if args else str
        origin = typing.get_origin(hint)
    try:
        if hint is bool:
            if text.lower() in ("true", "yes", "1", "on"):
                return True
            if text.lower() in ("false", "no", "0", "off"):
                return False
            raise ValueError(text)
        if hint is int:
            return int(text)
        if hint is float:
            return float(text)

        if origin in (list, tuple):
            return [part.strip() for part in text.split("+") if part.strip()]
        return text
    except ValueError:
        kind = {bool: "true or false", int: "a whole number", float: "a number"}.get(hint, "a value")
        raise PlanError(f"Option {key!r} of strategy {strategy!r} must be {kind}; got {text!r}.") from None
