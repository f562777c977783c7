"""Rendering only: the description paragraph of a run or plan, report.html pages and their plots, the stages x
phases grid. The numbers come from elsewhere (the run record is written by runs/, terms are derived in plans/).

Each name below is imported from its module on first use, so that describing a run (plans and the grid only) does
not import matplotlib or torch, which the HTML pages need."""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = {
    "describe_phases": "describe",
    "describe_plan": "describe",
    "describe_record": "describe",
    "GRID_MARKER": "grid",
    "grid_markdown": "grid",
    "refresh_grids": "grid",
    "stage_grid": "grid",
    "leaderboard_section": "html",
    "render_report": "html",
    "winner_box": "html",
    "evaluation_report_html": "html_evaluation",
    "REPORT": "rebuild",
    "build_report": "rebuild",
    "load_records": "rebuild",
    "run_document": "rebuild",
    "run_report_html": "rebuild",
    "describe_target": "view",
    "target_grid": "view",
}

__all__ = sorted(_MODULES)


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_MODULES[name]}", __name__), name)
    globals()[name] = value
    return value
