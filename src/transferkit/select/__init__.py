"""Compare plans fairly: candidates x learning rates x seeds, t-intervals, successive halving, the leaderboard."""

from .candidates import Candidate, lr_label, make_candidates, split_strategy_list
from .document import DocumentHeading, comparison_document
from .entries import entry_from_record, failed_entry, run_compute
from .halving import Rung, halving_rungs, promote
from .leaderboard import SELECTION, build_leaderboard, candidate_summaries
from .memory import PeakMemory
from .rule import SelectionRule
from .run_pool import Runs
from .search import exhaustive, run_epochs, successive_halving
from .stats import CONFIDENCE, summarize

__all__ = [
    "CONFIDENCE",
    "Candidate",
    "DocumentHeading",
    "PeakMemory",
    "Rung",
    "Runs",
    "SELECTION",
    "SelectionRule",
    "build_leaderboard",
    "candidate_summaries",
    "comparison_document",
    "entry_from_record",
    "exhaustive",
    "failed_entry",
    "halving_rungs",
    "lr_label",
    "make_candidates",
    "promote",
    "run_compute",
    "run_epochs",
    "split_strategy_list",
    "successive_halving",
    "summarize",
]
