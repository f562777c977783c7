"""Running things: the run request (RunSpec) and the adapt / pretrain / compare / reproduce orchestration, with
staging and partial run directories and resume bookkeeping."""

from .adapt import adapt
from .compare import Comparison, compare
from .pretrain import pretrain
from .rank import Ranking, rank
from .reproduce import Reproduction, reproduce
from .run import Run, write_run_dir

__all__ = ["Comparison", "Ranking", "Reproduction", "Run", "adapt",
           "compare", "pretrain", "rank", "reproduce", "write_run_dir"]
