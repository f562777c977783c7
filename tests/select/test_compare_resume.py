"""compare --resume: a comparison whose driver is killed with SIGKILL midway, started again with --resume, reuses
every finished run (trains none of them again), trains only the missing ones, says how many it reused, and ends with
the leaderboard of an uninterrupted comparison; a run killed while it trained continues from its checkpoint."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from support.killing import checkpoint_position, kill_when
from support.comparing import compare_command, environment, finished_runs, killed_then_resumed, leaderboard, run


@pytest.mark.integration
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_killed_comparison_resumes_to_the_uninterrupted_leaderboard(tiny_model_dir, tmp_path):
    reference = tmp_path / "reference"
    run(compare_command(tiny_model_dir, reference))
    out = tmp_path / "killed"
    before, resumed = killed_then_resumed(tiny_model_dir, out)
    assert f"Resumed: reused {len(before)} finished runs, trained {4 - len(before)} of 4." in resumed.stderr
    after = finished_runs(out)
    assert all(after[where] == written for where, written in before.items())  # not one trained again
    assert leaderboard(out) == leaderboard(reference)
    assert not (tmp_path / ".killed.comparing").exists()


@pytest.mark.integration
def test_a_new_comparison_does_not_silently_discard_an_interrupted_one(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    waiting = tmp_path / ".cmp.comparing" / "runs"
    waiting.mkdir(parents=True)
    done = subprocess.run(compare_command(tiny_model_dir, out), env=environment(), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2 and "--resume" in done.stderr and "Traceback" not in done.stderr
    assert waiting.is_dir() and not out.exists()


def test_resuming_a_complete_comparison_says_there_is_nothing_to_resume(tiny_comparison):
    from transferkit.errors import RunError
    from support.assertions import assert_one_line_error
    from transferkit import compare

    assert_one_line_error(RunError, lambda: compare("unused", "digits", out=tiny_comparison.dir, resume=True),
                          "complete", "--overwrite")


@pytest.mark.integration
def test_a_run_killed_while_checkpointing_continues_from_its_checkpoint(tiny_model_dir, tmp_path):
    one_run = ("--strategies", "partial:k=1", "--seeds", "1", "--epochs", "3")
    reference = tmp_path / "reference"
    run(compare_command(tiny_model_dir, reference, *one_run))
    out = tmp_path / "killed"
    checkpoint = tmp_path / ".killed.comparing" / "runs" / "partial-k-1" / "lr-x1" / ".seed0.partial" / \
        "checkpoint.safetensors"
    kill_when(compare_command(tiny_model_dir, out, *one_run), environment(),
              lambda: (checkpoint_position(checkpoint) or (0, 0))[1] >= 1)
    assert checkpoint.is_file() and not out.exists()
    resumed = run(compare_command(tiny_model_dir, out, *one_run, "--resume"))
    record = json.loads((out / "runs/partial-k-1/lr-x1/seed0/run.json").read_text())
    assert record["resumed"]["count"] == 1, resumed.stderr  # continued from the checkpoint, not from the start
    assert leaderboard(out) == leaderboard(reference)
    assert not list(out.rglob(".*"))  # no checkpoint or staging folder left
