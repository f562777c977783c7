"""Phases, plans, plan files, the strategy registry and the terms that name what a plan does."""

from .outline import plan_outline
from .phase import Phase
from .plan import Plan, ResolvedPhase, StageSetting, select_stages
from .registry import (STRATEGIES, StrategyInfo, build_plan, get_strategy, list_strategies, parse_strategy_spec,
                       register_strategy)
from .terms import phase_term, plan_term
from .yaml_io import load_plan, plan_from_spec, plan_from_yaml, plan_to_yaml, save_plan
from . import presets  # noqa: F401  (importing the presets registers each strategy, once)

__all__ = [
    "Phase",
    "Plan",
    "ResolvedPhase",
    "STRATEGIES",
    "StageSetting",
    "StrategyInfo",
    "build_plan",
    "get_strategy",
    "list_strategies",
    "load_plan",
    "parse_strategy_spec",
    "phase_term",
    "plan_from_spec",
    "plan_from_yaml",
    "plan_outline",
    "plan_term",
    "plan_to_yaml",
    "register_strategy",
    "save_plan",
    "select_stages",
]
