"""Execution: how a run executes (device, precision, evaluation cadence, progress, feature cache, data reading), never
what it trains. Changing it changes no result on the same device, with two exceptions: under the keep rule `best` the
validated epochs are the candidates, so the evaluation cadence decides which epochs can be kept; and a training split
larger than `data_mem` is streamed, and augmented from the original images instead of the resized."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import RunError
from .cache import CacheSettings
from .choices import DEVICES, PRECISIONS
from .constraints import Flag, OneOf, Size, Whole
from .fields import Record, nested, setting
from .reading import DEFAULT_DATA_MEM, ReadSettings, default_workers


@dataclass(frozen=True)
class Execution(Record):
    """How a run executes; see each setting's help."""

    error = RunError
    kind = "execution"
    panel = "Execution"

    device: str = setting("auto", OneOf(DEVICES), "auto, cpu or cuda.")
    precision: str = setting("no", OneOf(PRECISIONS), "Mixed precision on CUDA: no, fp16 or bf16.")
    eval_every: int = setting(1, Whole(min=0), "Validate every N epochs (0: only at the end of each phase).")
    progress: bool = setting(True, Flag(), "Progress bars (the command line turns them off with -q).", cli=False)
    cache: CacheSettings = nested(CacheSettings)
    workers: int | None = setting(None, Whole(min=0, example=2),
                                  "Worker processes that decode images (default: one per core, at most 8; 0: in the "
                                  "main process).")
    data_mem: int = setting(DEFAULT_DATA_MEM, Size(),
                            "Splits whose decoded images fit this size (e.g. 2GB, 512MB) are decoded once and kept in "
                            "memory; larger ones stream from disk, and training augments the original images (run.json "
                            "records which).")
    compile: bool = setting(False, Flag(), "Compile the model with torch.compile (slower start, faster steps).")
    channels_last: bool = setting(False, Flag(), "Keep weights and activations in the channels-last memory format "
                                                 "(faster convolutions on recent GPUs).")
    sync_bn: bool = setting(False, Flag(), "Synchronize batch-norm statistics across the processes of a multi-GPU run "
                                           "(SyncBatchNorm; with one process, or processes on CPUs, ignored with a "
                                           "warning; run.json records which).")
    checkpoint_every: int | None = setting(None, Whole(min=1, example=500),
                                           "Also checkpoint every N optimizer steps inside an epoch, so --resume "
                                           "continues a long epoch mid-way (default: at epoch ends).")

    def reading(self) -> ReadSettings:
        """How the run's data is read: worker processes and the in-memory budget."""
        return ReadSettings(default_workers() if self.workers is None else self.workers, self.data_mem)
