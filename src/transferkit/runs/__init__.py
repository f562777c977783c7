"""Running things: the run request (RunSpec) and the adapt / pretrain / compare / reproduce orchestration, with
staging and partial run directories and resume bookkeeping."""

from .adapt import adapt
from .compare import Comparison, compare
from .compare_settings import CompareSettings
from .output import Output
from .overrides import Overrides
from .pretrain import pretrain
from .reproduce import Reproduction, reproduce
from .run import Run, write_run_dir
from .spec import RunSpec

__all__ = ["CompareSettings", "Comparison", "Output", "Overrides", "Reproduction", "Run", "RunSpec", "adapt",
           "compare", "pretrain", "reproduce", "write_run_dir"]
