"""Peak memory of one run, where a run's own peak can be measured: GPU memory allocated by torch on CUDA.

On CPU the process's memory holds everything loaded before a run (the model, the data, earlier runs), so its
peak is the same for every run of a comparison and says nothing about the run: nothing is measured there, and
tables leave the column out.
"""

from __future__ import annotations

import torch


class PeakMemory:
    """Measure peak memory inside a `with` block; read `bytes` (None when not measured) and `kind` afterwards.

    On CUDA: `torch.cuda.max_memory_allocated` after resetting the peak, so each run is measured on its own.
    """

    def __init__(self, device: str = "auto"):
        self.cuda = torch.cuda.is_available() and device in ("auto", "cuda")
        self.bytes: int | None = None
        self.kind = "not measured on CPU (a run shares the process's memory with everything loaded before it)"

    def __enter__(self) -> PeakMemory:
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.cuda:
            self.bytes, self.kind = int(torch.cuda.max_memory_allocated()), "cuda memory allocated by torch"

    def to_dict(self) -> dict:
        return {"bytes": self.bytes, "kind": self.kind}
