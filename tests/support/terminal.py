"""Run the command line in a real process whose stdout and stderr are a pseudo-terminal, as a user's shell does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def in_terminal(*args: str, cwd: Path, columns: int = 160, timeout: float = 300) -> tuple[int, str]:
    """Exit code and everything the command printed (colours removed) when it writes to a terminal."""
    main, secondary = os.openpty()
    env = {**os.environ, "PYTHONPATH": str(SRC), "TRANSFERKIT_PROGRESS": "1", "COLUMNS": str(columns),
           "TERM": "xterm"}
    process = subprocess.Popen([sys.executable, "-m", "transferkit", *args], stdin=secondary, stdout=secondary,
                               stderr=secondary, cwd=cwd, env=env, close_fds=True)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    code = process.wait(timeout=timeout)
    return code, ANSI.sub("", b"".join(chunks).decode(errors="replace")).replace("\r", "")
