"""The stages x phases grid of a plan: for each stage and phase, what trains, at which learning rate, with which
batch-norm policy. Used by `transferkit describe` and by docs/strategies.md."""

from __future__ import annotations

import re

from ..plans import Plan

_FILTER_NAMES = {"all": "all", "bias": "biases", "norm": "norm layers", "lora": "LoRA"}


def _cell(setting, phase) -> str:
    if not setting.trainable:
        text = "frozen"
    else:
        what = "all" if setting.stage == "head" else _FILTER_NAMES[setting.params]
        text = f"{what} @ {setting.lr:.2g}" + (" x RGN" if phase.auto_rgn else "")
    if setting.stage != "head" and (setting.bn != "frozen" or setting.trainable):
        text += f", BN {setting.bn}"
    return text


def stage_grid(plan: Plan, stage_names: list[str]) -> tuple[list[str], list[list[str]]]:
    """(column titles, rows): one row per stage (stem first, head last), one column per phase."""
    resolved = plan.resolve(stage_names)
    titles = [f"phase {r.index + 1}: {r.phase.name} ({r.phase.epochs} ep)" for r in resolved]
    rows = [[stage] + [_cell(r.stages[i], r.phase) for r in resolved] for i, stage in enumerate(stage_names)]
    return titles, rows


def grid_markdown(plan: Plan, stage_names: list[str]) -> str:
    """The grid as a Markdown table."""
    titles, rows = stage_grid(plan, stage_names)
    lines = ["| stage | " + " | ".join(titles) + " |", "|---" * (len(titles) + 1) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


GRID_MARKER = re.compile(r"<!-- grid: (?P<spec>[^ ]+) -->\n(?:\|.*\n)*")


def refresh_grids(text: str, stage_names: list[str]) -> str:
    """Rewrite the table after every `<!-- grid: SPEC -->` line with the grid of that preset spec."""
    from ..plans import build_plan

    def table(match: re.Match) -> str:
        spec = match.group("spec")
        return f"<!-- grid: {spec} -->\n{grid_markdown(build_plan(spec), stage_names)}\n"

    return GRID_MARKER.sub(table, text)
