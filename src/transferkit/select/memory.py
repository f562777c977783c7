"""Peak memory of one run: GPU memory allocated by torch, or the process's peak resident memory on CPU."""

from __future__ import annotations

import re
import resource
import sys
from pathlib import Path

import torch

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


class PeakMemory:
    """Measure peak memory inside a `with` block; read `bytes` and `kind` afterwards.

    On CUDA: `torch.cuda.max_memory_allocated` after resetting the peak. On CPU (Linux): the process's
    peak resident set size (VmHWM) after resetting it through /proc/self/clear_refs, so each run is
    measured on its own. Where the peak cannot be reset, the lifetime peak of the process (getrusage)
    is reported and `kind` says so.
    """

    def __init__(self, device: str = "auto"):
        self.cuda = torch.cuda.is_available() and device in ("auto", "cuda")
        self.bytes: int | None = None
        self.kind = ""
        self._reset_ok = False

    def __enter__(self) -> PeakMemory:
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()
        else:
            self._reset_ok = _reset_rss_peak()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.cuda:
            self.bytes, self.kind = int(torch.cuda.max_memory_allocated()), "cuda memory allocated by torch"
            return
        peak = _rss_peak() if self._reset_ok else None
        if peak is not None:
            self.bytes, self.kind = peak, "peak resident memory of the process during the run"
        else:
            scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB elsewhere
            self.bytes = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * scale
            self.kind = "peak resident memory of the process since it started"

    def to_dict(self) -> dict:
        return {"bytes": self.bytes, "kind": self.kind}


def _reset_rss_peak() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return _rss_peak() is not None


def _rss_peak() -> int | None:
    try:
        match = re.search(r"^VmHWM:\s+(\d+)\s+kB", _STATUS.read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) * 1024 if match else None
