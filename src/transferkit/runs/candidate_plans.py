"""Which strategies a comparison runs: 'all' means the presets that fit the data (domain-adaptation presets only
with a labelled source), and the run spec's overrides go into every plan before its learning-rate factor."""

from __future__ import annotations

from ..console import logger
from ..settings import DataRef
from ..errors import PlanError
from ..plans import Plan, get_strategy, list_strategies, parse_strategy_spec


def strategies_for(strategies: str | list[str | Plan], data: DataRef) -> str | list[str | Plan]:
    """`strategies` with 'all' resolved for this data: the domain-adaptation presets (with their `source-only`
    baseline) when the data has a labelled source, every other preset otherwise."""
    if isinstance(strategies, str) and strategies.strip() == "all":
        infos = list_strategies()
        fitting = [i.name for i in infos if i.domain_adaptation == data.domain_adaptation]
        left_out = [i.name for i in infos if i.domain_adaptation != data.domain_adaptation]
        if left_out:
            why = ("they train on labelled source images; pass --source and --unlabeled to compare them"
                   if not data.domain_adaptation else "with --source only domain-adaptation presets are compared")
            logger.info("Left out %d presets (%s): %s.", len(left_out), ", ".join(left_out), why)
        return fitting
    return strategies


def check_fits(name: str, data: DataRef) -> None:
    """A domain-adaptation preset needs a labelled source (--source) and target images (--unlabeled)."""
    if data.domain_adaptation:
        return
    try:
        info = get_strategy(parse_strategy_spec(name)[0])
    except PlanError:  # a plan file: its phases say what it needs (checked before it runs)
        return
    if info.domain_adaptation:
        raise PlanError(f"Strategy {name!r} is a domain-adaptation preset that trains on labelled source images; "
                        "pass --source and --unlabeled, or leave it out.")
