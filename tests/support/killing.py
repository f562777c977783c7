"""Killing a running transferkit command with SIGKILL at a chosen moment."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable


def kill_when(command: list[str], env: dict, reached: Callable[[], bool], delay: float = 0.0) -> None:
    """Start `command`, wait until `reached()` is true, wait `delay` seconds more, then SIGKILL it."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    try:
        while not reached():
            assert process.poll() is None, f"the run ended before it was killed: {process.stderr.read()}"
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.002)
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
