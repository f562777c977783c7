"""compare(jobs=2): the same runs, written the same way, as one after another; a worker's death is one clear error."""

from __future__ import annotations

import json
import os

import pytest
import torch

from transferkit import compare
from transferkit.errors import RunError
from transferkit.plans import Phase, Plan
from transferkit.select import Candidate, Runs
from transferkit.select.run_pool import longest_first
from support.tiny import TINY_TARGET


def _compare(model_dir, out, jobs):
    return compare(str(model_dir), TINY_TARGET, "linear-probe,partial:k=1", out=out, seeds=2, epochs=2,
                   lr_factors=(1, 3), labels_per_class=4, progress=False, jobs=jobs)


def _scores(result):
    """Per run in leaderboard order: its directory, seed, and the metrics its run.json records."""
    return [(r["dir"], r["seed"], json.loads((result.dir / r["dir"] / "run.json").read_text())["metrics"])
            for r in result.runs]


def _with_threads(threads, make):
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return make()
    finally:
        torch.set_num_threads(before)


@pytest.mark.integration
def test_two_jobs_train_the_same_runs_as_one(tiny_model_dir, tmp_path):
    # two workers share two threads, one each: the same arithmetic as one run at a time on one thread
    one = _with_threads(1, lambda: _compare(tiny_model_dir, tmp_path / "one", 1))
    two = _with_threads(2, lambda: _compare(tiny_model_dir, tmp_path / "two", 2))
    assert len(two.runs) == 8
    assert _scores(two) == _scores(one)  # the same runs, in the same order, with the same metrics
    assert two.winner["plan"] == one.winner["plan"]
    for run in two.runs:
        record = json.loads((two.dir / run["dir"] / "run.json").read_text())
        assert record["seed"] == run["seed"] and record["comparison"]["lr_factor"] == run["lr_factor"]
        assert record["environment"]["device"].endswith("1 threads)")  # trained in a worker, not in this process
        assert (two.dir / run["dir"] / "report.html").is_file()
    assert "report.html" in os.listdir(two.dir) and "<img" in (two.dir / "report.html").read_text()


def _dies(candidate, seed, epochs, rung):
    os._exit(9)  # as a worker killed for memory


def _job(name: str, epochs: int, fixed_probe: bool = False):
    phases = [Phase(name="probe", epochs=10, fixed_epochs=True, train=["head"])] if fixed_probe else []
    plan = Plan(phases=[*phases, Phase(name="tune", epochs=epochs, train=["all"])])
    return Candidate(name, name, plan, 1.0), 0, epochs, None


def test_the_longest_runs_start_first():
    jobs = [_job("short", 2), _job("probe then tune", 2, fixed_probe=True), _job("long", 5), _job("short too", 2)]
    assert longest_first(jobs) == [1, 2, 0, 3]  # 12, 5, 2 and 2 planned epochs


def test_a_worker_that_dies_fails_the_comparison_with_one_line():
    jobs = [_job("a", 1), _job("b", 1)]
    with pytest.raises(RunError, match="worker process .* died.*fewer --jobs"):
        Runs(_dies, jobs=2).all(jobs, [])


def test_jobs_must_be_a_whole_number(tmp_path):
    from typer.testing import CliRunner

    from transferkit.cli import app

    result = CliRunner().invoke(app, ["compare", "--model", "m", "--data", "digits", "--out", str(tmp_path / "c"),
                                      "--jobs", "0"])
    assert result.exit_code == 2 and "--jobs" in result.output and not (tmp_path / "c").exists()


def test_jobs_are_refused_in_a_launch_of_several_processes(tiny_model_dir, tmp_path, monkeypatch):
    import importlib
    from types import SimpleNamespace

    from support.assertions import assert_one_line_error

    module = importlib.import_module("transferkit.runs.compare")  # (the package exports a function of that name)
    monkeypatch.setattr(module, "process_state", lambda device: SimpleNamespace(num_processes=2))
    assert_one_line_error(RunError, lambda: _compare(tiny_model_dir, tmp_path / "out", 2), "--jobs", "one process")
    assert not (tmp_path / "out").exists()
