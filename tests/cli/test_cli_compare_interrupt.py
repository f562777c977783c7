"""Ctrl-C on `compare --jobs 2`, sent as a terminal sends it (SIGINT to the whole process group): the first lets the
runs in flight finish and writes the leaderboard of what finished, marked incomplete with what is missing; the second
stops at once. Either way the finished runs stay, and --resume trains only the missing ones."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import psutil
import pytest

from support.comparing import compare_command, environment, finished_runs

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
SIX_RUNS = ("--strategies", "linear-probe,partial:k=1,full", "--jobs", "2")


def _as_in_a_terminal() -> None:
    """In the child: Ctrl-C acts (a test runner started in the background may have inherited it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(model_dir, out, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(compare_command(model_dir, out, *SIX_RUNS, *extra), env=environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_as_in_a_terminal)


def _ctrl_c_once_a_run_finished(process: subprocess.Popen, out) -> None:
    """Wait for the first finished run, then press Ctrl-C (SIGINT to the process group, workers included)."""
    comparing = out.parent / f".{out.name}.comparing"
    deadline = time.monotonic() + 300
    while not finished_runs(comparing):
        assert process.poll() is None, process.stderr.read()[-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)


@pytest.mark.integration
def test_first_ctrl_c_finishes_the_runs_in_flight_and_writes_an_incomplete_leaderboard(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    process = _start(tiny_model_dir, out)
    _ctrl_c_once_a_run_finished(process, out)
    pressed = time.monotonic()
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130 and "Traceback" not in stderr
    assert "Stopping: the runs in flight finish" in stderr
    doc = json.loads((out / "leaderboard.json").read_text())
    finished = [r for r in doc["runs"] if r["status"] == "ok"]
    missing = doc["incomplete"]["missing"]
    assert len(finished) + len(missing) == 6 and 1 <= len(finished) <= 4 and missing
    assert all((out / r["dir"] / "model.safetensors").is_file() for r in finished)  # weights kept for --resume
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"interrupted: stopped with {len(finished)} of 6 runs finished;") and "--resume" in last
    assert time.monotonic() - pressed < 120  # no new run started after the press
    done = subprocess.run(compare_command(tiny_model_dir, out, *SIX_RUNS, "--resume"), env=environment(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"Resumed: reused {len(finished)} finished runs, trained {len(missing)} of 6." in done.stderr
    doc = json.loads((out / "leaderboard.json").read_text())
    assert "incomplete" not in doc and len(doc["runs"]) == 6 and doc["winner"] is not None


@pytest.mark.integration
def test_second_ctrl_c_stops_at_once_and_keeps_the_finished_runs(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    process = _start(tiny_model_dir, out, "--epochs", "4")  # runs long enough to be in flight at the second press
    _ctrl_c_once_a_run_finished(process, out)
    workers = psutil.Process(process.pid).children(recursive=True)
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGINT)
    pressed = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    assert time.monotonic() - pressed < 15, "the second Ctrl-C did not stop at once"
    assert process.returncode == 130 and "Traceback" not in stderr
    comparing = tmp_path / ".cmp.comparing"
    assert stderr.strip().splitlines()[-1].startswith("interrupted: stopped at once; the finished runs stay in")
    assert finished_runs(comparing) and not out.exists()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive  # the workers stopped too
