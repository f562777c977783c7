"""Ctrl-C while a run trains into a run directory: the first press ends training after the current epoch and the
run is written as usual; a second press stops at once (KeyboardInterrupt; the checkpoint stays for --resume)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..console import console
from ..engine import StopRequest

STOPPING = ("Stopping after this epoch and keeping the model (the kept weights follow --keep); press Ctrl-C again "
            "to stop now (the last checkpoint stays for --resume).")


@contextmanager
def stop_on_ctrl_c(stop: StopRequest, message: str = STOPPING) -> Iterator[StopRequest]:
    """Inside, SIGINT requests `stop` once while the runner trains (and prints `message`), and raises
    KeyboardInterrupt otherwise. Only in the main thread and only over Python's own SIGINT handler; the previous
    handler is back on exit. (`stop`: anything with `requested`, `training` and `request()`.)"""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield stop
        return

    def on_sigint(signum, frame):
        if stop.requested or not stop.training:
            raise KeyboardInterrupt
        stop.request()
        console.print(message, highlight=False, soft_wrap=True)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
