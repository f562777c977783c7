"""The term, description and stages x phases grid of a run directory, a plan file, a strategy spec or a Plan; what
`transferkit describe` prints. Reads run.json and plans only (no torch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import PlanError
from ..files import read_json
from ..plans import Plan, plan_from_spec, plan_term
from .describe import describe_plan
from .grid import stage_grid

EXAMPLE_STAGES = ["stem", "stage1", "stage2", "stage3", "stage4", "head"]


def _run_dir(target: str | Path | Plan) -> Path | None:
    return None if isinstance(target, Plan) or not Path(str(target)).is_dir() else Path(str(target))


def describe_target(target: str | Path | Plan, stage_names: list[str] | None = None) -> tuple[str, str]:
    """(term, description): a run's as recorded; a plan's for `stage_names` (None: without a backbone)."""
    folder = _run_dir(target)
    if folder is not None:
        record = read_json(folder / "run.json")
        return record["term"], record["description"]
    plan = target if isinstance(target, Plan) else plan_from_spec(str(target))
    return plan_term(plan, stage_names), describe_plan(plan, stage_names)


def target_grid(target: str | Path | Plan, stage_names: list[str] | None = None,
                origin: str | None = None) -> dict[str, Any]:
    """{"stages_from", "titles", "rows"}: stages from the run, else `stage_names` (named `origin`), else an example
    4-stage backbone (no rows when the plan names stages the example lacks)."""
    folder = _run_dir(target)
    if folder is not None:
        record = read_json(folder / "run.json")
        plan, names, origin = Plan.from_dict(record["plan"]["definition"]), record["stages"], "the run"
    else:
        plan = target if isinstance(target, Plan) else plan_from_spec(str(target))
        if stage_names is None:
            try:
                titles, rows = stage_grid(plan, EXAMPLE_STAGES)
            except PlanError:  # the plan names stages this example lacks; only a real backbone can tell
                return {"stages_from": None, "titles": [], "rows": []}
            return {"stages_from": "an example 4-stage backbone", "titles": titles, "rows": rows}
        names = stage_names
    titles, rows = stage_grid(plan, names)
    return {"stages_from": origin, "titles": titles, "rows": rows}
