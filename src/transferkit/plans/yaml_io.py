"""Plan files: YAML load and save that round-trip, and 'preset spec or plan file' resolution."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import PlanError
from ..settings import written_in
from .plan import Plan
from .registry import build_plan


def plan_to_yaml(plan: Plan) -> str:
    return yaml.safe_dump(plan.to_dict(), sort_keys=False, allow_unicode=True)


def plan_from_yaml(text: str, where: str = "plan") -> Plan:
    try:
        data = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        raise PlanError(f"{where} uses a YAML tag that plan files do not allow ({exc.problem}); "
                        "write plain settings only.") from None
    except RecursionError:
        raise PlanError(f"{where} is nested too deeply; a plan holds plain settings only.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise PlanError(f"{where} is not valid YAML{at}; fix the syntax and try again.") from None
    with written_in("yaml", where[:1].lower() + where[1:]):
        return Plan.from_dict(data)


def save_plan(plan: Plan, path: str | Path) -> None:
    Path(path).write_text(plan_to_yaml(plan), encoding="utf-8")


def load_plan(path: str | Path) -> Plan:
    path = Path(path)
    if not path.is_file():
        raise PlanError(f"Plan file {str(path)!r} does not exist; check the path.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"Cannot read plan file {str(path)!r} ({exc.__class__.__name__}); check the file.") from None
    return plan_from_yaml(text, where=f"Plan file {str(path)!r}")


def is_plan_file(spec: str) -> bool:
    return spec.lower().endswith((".yaml", ".yml"))


def plan_from_spec(spec: str) -> Plan:
    """A preset spec ('partial:k=2') or the path of a plan file (.yaml)."""
    if is_plan_file(spec):
        return load_plan(spec)
    return build_plan(spec)
