"""Diagnose how a target differs from the source: shift per stage, label spaces, transferability, a verdict."""

from .logme import logme
from .run import Diagnosis, run_diagnosis
from .source_stats import (
    LabelledImages,
    SourceStatistics,
    compute_source_statistics,
    has_source_statistics,
    load_source_statistics,
    save_source_statistics,
)
from .verdict import VERDICTS, Verdict

__all__ = [
    "VERDICTS",
    "Diagnosis",
    "LabelledImages",
    "SourceStatistics",
    "Verdict",
    "compute_source_statistics",
    "has_source_statistics",
    "load_source_statistics",
    "logme",
    "run_diagnosis",
    "save_source_statistics",
]
