"""Rendering only: the description paragraph of a run or plan, report.html pages and their plots, the stages x
phases grid. The numbers come from elsewhere (the run record is written by runs/, terms are derived in plans/)."""

from .describe import describe_phases, describe_plan, describe_record
from .grid import GRID_MARKER, grid_markdown, refresh_grids, stage_grid
from .html import leaderboard_section, render_report, winner_box
from .html_evaluation import evaluation_report_html
from .rebuild import REPORT, build_report, load_records, run_document, run_report_html

__all__ = [
    "GRID_MARKER",
    "REPORT",
    "build_report",
    "describe_phases",
    "describe_plan",
    "describe_record",
    "evaluation_report_html",
    "grid_markdown",
    "leaderboard_section",
    "load_records",
    "refresh_grids",
    "render_report",
    "run_document",
    "run_report_html",
    "stage_grid",
    "winner_box",
]
