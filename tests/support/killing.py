"""Killing a running transferkit command with SIGKILL at a chosen moment, and reading where its checkpoint stood."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psutil  # installed with accelerate

from transferkit.engine.checkpoints.files import read_checkpoint_meta
from transferkit.errors import RunError


def checkpoint_position(checkpoint: Path) -> tuple[int, int, int] | None:
    """(phase, epochs done, batches done) of a checkpoint; None while there is none (or it is being replaced)."""
    try:
        where = read_checkpoint_meta(checkpoint)["position"]
    except (RunError, FileNotFoundError):
        return None
    return where["phase"], where["epochs_done"], where.get("batches_done", 0)


def kill_when(command: list[str], env: dict, reached: Callable[[], bool], delay: float = 0.0) -> None:
    """Start `command`, wait until `reached()` is true, wait `delay` seconds more, then SIGKILL it and every process
    it started (a launcher's workers run in sessions of their own), as a crash would."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    try:
        while not reached():
            assert process.poll() is None, f"the run ended before it was killed: {process.stderr.read()[-3000:]}"
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.002)
        time.sleep(delay)
        started = psutil.Process(process.pid).children(recursive=True)
        for each in [process, *started]:
            try:
                os.kill(each.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert process.wait(timeout=60) == -signal.SIGKILL
        psutil.wait_procs(started, timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
