"""One meaning of --epochs: a budget the plan's phases share, with a phase's fixed epochs trained on top; the help,
run.json, the leaderboard, a time budget and the rungs of successive halving all count it the same way."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from transferkit.cli import app
from transferkit.plans import Phase, Plan, build_plan
from transferkit.select import Candidate, Runs, run_epochs, successive_halving
from transferkit.settings import Overrides
from transferkit.settings.phase_values import EPOCH_BUDGET, EPOCHS_HELP
from support.tiny import TINY_TARGET


def _lp_ft_like(name="lp-ft", probe=10, tune=10):
    plan = Plan(phases=[Phase(name="probe", epochs=probe, fixed_epochs=True, train=["head"]),
                        Phase(name="tune", epochs=tune, train=["all"])], strategy=name)
    return Candidate(name, name, plan, 1.0)


def _probe_like(name="linear-probe"):
    return Candidate(name, name, Plan(phases=[Phase(name="probe", epochs=10, train=["head"])], strategy=name), 1.0)


def _help(command: str) -> str:
    return " ".join(CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "250"}).output.split())


def test_the_help_says_what_the_epochs_are():
    # before: "Total epochs (shared across the plan's phases in proportion)", while lp-ft --epochs 6 trained 10 + 6
    for command in ("adapt", "compare"):
        text = _help(command)
        assert "Total epochs" not in text
        assert "fixed epochs" in text and "on top" in text and "budget" in text, command
    assert "on top" in EPOCH_BUDGET and EPOCHS_HELP in _help("adapt")


def test_an_epoch_budget_adds_the_fixed_epochs_on_top_and_counts_both():
    plan = Overrides(epochs=6).apply(build_plan("lp-ft"))
    assert [p.epochs for p in plan.phases] == [10, 6]
    assert plan.epoch_counts() == {"total": 16, "budget": 6, "fixed": 10}


def test_run_json_records_the_budget_and_the_fixed_epochs(tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["adapt", "--model", str(tiny_model_dir), "--data", TINY_TARGET, "--strategy",
                                      "lp-ft:probe_epochs=3", "--epochs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "run.json").read_text())
    assert record["spec"]["overrides"]["epochs"] == 2
    assert [p["epochs"] for p in record["plan"]["phases"]] == [3, 2]
    assert record["plan"]["epochs"] == {"total": 5, "budget": 2, "fixed": 3}


def test_a_time_budget_counts_the_fixed_epochs():
    # before: a plan with a fixed 10-epoch probe counted as 2 run-epochs at a budget of 2, while it trained 12
    assert run_epochs("exhaustive", [_lp_ft_like()], 1, 2) == 12
    assert run_epochs("exhaustive", [_lp_ft_like(), _probe_like()], 3, 2) == 3 * (12 + 2)
    # halving: at a rung of 3 of 9 epochs the fixed probe is shortened to a third too; the full rung trains all of it
    assert run_epochs("halving", [_lp_ft_like(), _probe_like(), _probe_like("b")], 1, 9) == (6 + 3 + 3) + (10 + 9)


def test_halving_rungs_shorten_fixed_phases_in_proportion():
    trained: dict[tuple[str, int], list[int]] = {}

    def run(candidate, seed, epochs, rung):
        trained[(candidate.name, rung)] = [p.epochs for p in candidate.plan_at(epochs).phases]
        val = {"lp-ft": 0.9, "linear-probe": 0.8, "other": 0.7}[candidate.name]
        return {"candidate": candidate.key, "plan": candidate.name, "term": "t", "lr_factor": 1.0, "lrs": [0.01],
                "epochs": epochs, "rung": rung, "seed": seed, "status": "ok", "dir": None, "val": val, "test": 0.5,
                "trainable_params": 10, "seconds": 0.1, "peak_memory": None, "train_images": 100, "steps": 1}

    candidates = [_lp_ft_like(), _probe_like(), _probe_like("other")]
    _, rungs = successive_halving(candidates, [0], 9, Runs(run), eta=3)
    assert [(r["epochs"], r["candidates"]) for r in rungs] == [(3, 3), (9, 1)]
    # before: lp-ft trained its whole 10-epoch probe at the 3-epoch rung ([10, 3]) while the linear probe trained 3
    assert trained[("lp-ft", 0)] == [3, 3] and trained[("linear-probe", 0)] == [3]
    assert trained[("lp-ft", 1)] == [10, 9]
    assert candidates[0].plan.phases[0].epochs == 10  # the candidates themselves are unchanged


def test_the_count_of_epochs_is_what_the_plan_trains():
    for candidate in (_lp_ft_like(), _lp_ft_like(probe=3, tune=7), _probe_like()):
        for budget, full in ((1, 9), (3, 9), (9, 9), (2, 2), (20, 20)):
            fraction = min(1.0, budget / full)
            trained = candidate.plan.with_fixed_epochs_scaled(fraction).with_total_epochs(
                max(budget, candidate.plan.scalable_phases)).total_epochs
            assert candidate.plan.epochs_at(budget, fraction) == trained
    two = Plan(phases=[Phase(name="a", epochs=5, train=["head"]), Phase(name="b", epochs=5)])
    assert two.epochs_at(1) == 2  # a two-phase plan needs at least two epochs, whatever the budget
