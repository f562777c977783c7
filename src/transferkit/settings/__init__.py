"""The settings vocabulary: every user setting is one dataclass field with its help text and its constraint, grouped
in records (ModelRef, DataRef, Execution, CacheSettings, Overrides, KeepRule, RunSpec, CompareSettings, Output,
DiagnoseSettings, RankSettings). The command line, the Python API and plan files read them from here. Light: no torch."""

from .cache import CacheSettings, parse_size
from .compare import CompareSettings
from .constraints import Constraint, Invalid
from .data_ref import DataRef
from .diagnosis import DiagnoseSettings
from .execution import Execution
from .fields import Record, Setting, nested, problem, setting, written_in
from .keep_rule import KeepRule
from .model_ref import ModelRef
from .output import Output
from .overrides import Overrides
from .rank import RankSettings
from .reading import ReadSettings, default_workers
from .run_spec import RunSpec

__all__ = ["CacheSettings", "CompareSettings", "Constraint", "DataRef", "DiagnoseSettings", "Execution", "Invalid",
           "KeepRule", "ModelRef", "Output", "Overrides", "RankSettings", "ReadSettings", "Record", "RunSpec", "Setting",
           "default_workers", "nested", "parse_size", "problem", "setting", "written_in"]
