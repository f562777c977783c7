"""compare(): ordinary run directories, the same splits for every plan, selection by validation, nothing half-written."""

from __future__ import annotations

import dataclasses
import importlib
import io
import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from transferkit import compare
from transferkit.cli import app
from transferkit.data import DataSplits
from transferkit.errors import PlanError, RunError
from support.tiny import TINY_TARGET
from support.assertions import assert_one_line_error

runner = CliRunner()


def test_comparison_directory(tiny_comparison):
    out = tiny_comparison.dir
    board = json.loads((out / "leaderboard.json").read_text())
    assert board["winner"]["plan"] in ("linear-probe", "partial:k=1")
    assert board == json.loads(json.dumps(tiny_comparison.leaderboard))
    assert (out / "report.html").is_file()
    assert len(board["runs"]) == 8 and board["compute"]["runs"] == 8
    winner_dirs = {r["dir"] for r in next(row for row in board["rows"] if row.get("winner"))["runs"]}
    assert len(winner_dirs) == 2 and board["keep_weights"] == "winner"
    for run in board["runs"]:
        run_dir = out / run["dir"]
        for name in ("run.json", "model.json", "plan.yaml", "report.html"):
            assert (run_dir / name).is_file(), (run_dir, name)
        # by default only the chosen plan's runs keep their weights
        assert (run_dir / "model.safetensors").is_file() == (run["dir"] in winner_dirs) == run["weights"]
        record = json.loads((run_dir / "run.json").read_text())
        assert record["seed"] == run["seed"] and record["plan"]["phases"][0]["epochs"] == 2
        assert record["comparison"]["lr_factor"] == run["lr_factor"]
        # the learning rate actually used is the preset's times the factor
        preset = {"linear-probe": 1e-2, "partial:k=1": 1e-3}[run["plan"]]
        assert record["plan"]["phases"][0]["lr_per_stage"]["head"] == pytest.approx(preset * run["lr_factor"])
    for row in board["rows"]:
        assert row["lr_factor"] in (1, 3) and len(row["lr_grid"]) == 2 and row["trainable_params"] > 0
        # 2 seeds x 24 images x the epochs trained: 2, or 1 fit for linear-probe's L-BFGS head
        fits = {"linear-probe": 1, "partial:k=1": 2}[row["plan"]]
        assert row["val"]["n"] == 2 and row["train_images"] == 2 * fits * 24
        # on CPU a run's own peak memory cannot be told from the process's: not measured, the column is left out
        assert row["peak_memory_bytes"] is None
    assert "peak" not in str(tiny_comparison.table()) and "peak" not in (out / "report.html").read_text()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no staging leftovers


def test_every_plan_sees_the_same_split_at_a_seed(tiny_comparison):
    out = tiny_comparison.dir
    fingerprints = {}
    for run in tiny_comparison.runs:
        record = json.loads((out / run["dir"] / "run.json").read_text())
        splits = tuple(record["data"]["splits"][s]["fingerprint"] for s in ("train", "val", "test"))
        fingerprints.setdefault(run["seed"], set()).add(splits)
    assert all(len(f) == 1 for f in fingerprints.values())
    assert fingerprints[0] != fingerprints[1]


def _test_disagrees_with_validation(splits: DataSplits) -> DataSplits:
    """Test split := the validation images with every label moved to the next class."""
    val = splits.val
    shifted = (val.labels + 1) % len(splits.classes)
    test = dataclasses.replace(val, labels=shifted, fingerprint="shifted-" + val.fingerprint)
    return dataclasses.replace(splits, test=test)


def test_test_accuracy_never_influences_selection(tiny_model_dir, tiny_digits):
    data = _test_disagrees_with_validation(tiny_digits)
    result = compare(str(tiny_model_dir), data, "linear-probe,scratch:lr=0.00001", seeds=1, epochs=2,
                     lr_factors=(1,), show_test=True, progress=False)
    rows = {r["plan"]: r for r in result.rows}
    probe, scratch = rows["linear-probe"], rows["scratch:lr=0.00001"]
    # the premise: validation and test rank the two plans in opposite orders
    assert probe["val"]["mean"] > scratch["val"]["mean"]
    assert probe["test"]["mean"] < scratch["test"]["mean"]
    assert result.winner["plan"] == "linear-probe"
    assert result.rows[0]["plan"] == "linear-probe"


@pytest.mark.integration
def test_successive_halving_runs_rungs_and_costs_less(tiny_model_dir, small_digits, tmp_path):
    result = compare(str(tiny_model_dir), small_digits, "linear-probe,partial:k=1,full", out=tmp_path / "h", seeds=1,
                     epochs=3, lr_factors=(1,), search="halving", progress=False)
    board = json.loads((tmp_path / "h" / "leaderboard.json").read_text())
    rungs = board["search"]["rungs"]
    assert board["search"]["method"] == "halving" and [(r["epochs"], len(r["trained"])) for r in rungs] == [(1, 3), (3, 1)]
    assert set(rungs[0]["kept"]) == set(rungs[1]["trained"])
    # the kept candidate is the best of rung 1 by validation
    assert rungs[0]["kept"] == [max(rungs[0]["val_mean"], key=rungs[0]["val_mean"].get)]
    assert len(result.runs) == 4
    # rung 1: 3 plans x 1 epoch; rung 2: the kept plan's 3 epochs (linear-probe's L-BFGS head: 1 fit)
    last = 1 if rungs[0]["kept"] == ["linear-probe@lr-x1"] or rungs[0]["kept"] == ["linear-probe"] else 3
    assert board["compute"]["train_images"] == 50 * (3 * 1 + 1 * last)  # exhaustive: 50 * 3 * 3
    assert result.winner["epochs"] == 3
    assert (tmp_path / "h" / "runs" / "rung1-1ep").is_dir() and (tmp_path / "h" / "runs" / "rung2-3ep").is_dir()
    assert {r["status"] for r in result.rows} <= {"ok", "eliminated"}


def test_a_diverging_run_is_recorded_as_failed_and_not_chosen(tiny_model_dir, small_digits):
    result = compare(str(tiny_model_dir), small_digits, "full", seeds=1, epochs=1, lr_factors=(1, 1e12),
                     progress=False)
    (row,) = result.rows
    grid = {g["lr_factor"]: g["status"] for g in row["lr_grid"]}
    assert grid == {1.0: "ok", 1e12: "failed"} and row["lr_factor"] == 1.0
    failed = [r for r in result.runs if r["status"] == "failed"]
    assert len(failed) == 1 and "learning rate" in failed[0]["error"]


def test_a_crash_midway_leaves_no_half_written_directory(tiny_model_dir, small_digits, tmp_path, monkeypatch):
    """The comparison's directory never appears half-written; the run finished before the crash stays, complete, in
    the folder that --resume continues."""
    compare_api = importlib.import_module("transferkit.runs.compare_jobs")

    real, calls = compare_api.adapt, []

    def crash_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(compare_api, "adapt", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        compare(str(tiny_model_dir), small_digits, "linear-probe,full", out=tmp_path / "cmp", seeds=1, epochs=1,
                lr_factors=(1,), progress=False)
    assert [p.name for p in tmp_path.iterdir()] == [".cmp.comparing"]
    (finished,) = (tmp_path / ".cmp.comparing").glob("runs/**/run.json")
    assert sorted(p.name for p in finished.parent.iterdir()) == ["README.md", "model.json", "model.safetensors",
                                                                 "plan.yaml", "report.html", "run.json"]


def test_bad_requests_fail_before_any_work(tiny_model_dir, small_digits, tmp_path):
    model = str(tiny_model_dir)
    cases = [
        (PlanError, dict(strategies="linear-probe,ful"), ["Unknown strategy", "'ful'"]),
        (PlanError, dict(strategies="full,full"), ["twice"]),
        (PlanError, dict(strategies="all,full"), ["'all'"]),
        (PlanError, dict(strategies="partial:k=9"), ["partial:k=9", "4 stages above the stem"]),
        (PlanError, dict(lr_factors=(1, -2)), ["factors"]),
        (RunError, dict(epochs=3, time_budget=60), ["--epochs", "--time-budget"]),
        (RunError, dict(time_budget=0.001), ["time budget", "--time-budget"]),
        (RunError, dict(search="grid"), ["'search'", "halving"]),
        (RunError, dict(seeds=0), ["'seeds'"]),
    ]
    for error, kwargs, words in cases:
        kwargs = {"strategies": "linear-probe", **kwargs}
        strategies = kwargs.pop("strategies")
        assert_one_line_error(error, lambda: compare(model, small_digits, strategies, out=tmp_path / "cmp",
                                                     progress=False, **kwargs), *words)
        assert not (tmp_path / "cmp").exists()


def test_existing_directory_is_kept_without_overwrite(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["compare", "--model", str(tiny_model_dir), "--data", "digits", "--out", str(out),
                                 "--strategies", "linear-probe"])
    assert result.exit_code == 2 and "--overwrite" in result.output and "Traceback" not in result.output
    assert (out / "keep.txt").read_text() == "mine"


@pytest.mark.integration
def test_cli_compare_prints_the_leaderboard(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", "--model", str(tiny_model_dir), "--data", TINY_TARGET, "--out", str(out),
                                 "--strategies", "linear-probe,partial:k=1", "--labels-per-class", "4", "--seeds",
                                 "2", "--epochs", "1", "--lr-factors", "1", "--show-test"])
    assert result.exit_code == 0, result.output
    board = json.loads((out / "leaderboard.json").read_text())
    assert "linear-probe" in result.output and "partial:k=1" in result.output and "Leaderboard" in result.output
    assert board["show_test"] and all(r["test"] is not None for r in board["rows"])
    assert f"Chosen: {board['winner']['plan']}" in result.output
    bad = runner.invoke(app, ["compare", "--model", str(tiny_model_dir), "--data", "digits", "--out",
                              str(tmp_path / "x"), "--lr-factors", "1,three"])
    assert bad.exit_code == 2 and "--lr-factors" in bad.output and not (tmp_path / "x").exists()


@pytest.mark.integration
def test_live_table_updates_after_every_run(tiny_model_dir, small_digits, monkeypatch):
    import transferkit.select.live as live

    buffer = io.StringIO()
    monkeypatch.setattr(live, "console", Console(file=buffer, force_terminal=True, width=220))
    monkeypatch.setenv("TRANSFERKIT_PROGRESS", "1")
    compare(str(tiny_model_dir), small_digits, "linear-probe,full", seeds=1, epochs=1, lr_factors=(1,),
            progress=True)
    text = buffer.getvalue()
    assert "now running linear-probe@lr-x1" in text and "1 run done; now running full@lr-x1" in text
    assert "2 runs done" in text and "val accuracy [95% CI]" in text


@pytest.mark.integration
def test_demo_compares_through_compare_from_both_sources(tiny_model_dir, tmp_path, monkeypatch):
    import transferkit.demo as demo

    monkeypatch.setattr(demo, "source_model", lambda progress=True: tiny_model_dir)
    from transferkit.settings.demo import DemoSettings

    result = demo.run_demo(DemoSettings(out=tmp_path / "demo", seeds=1, epochs=1),
                           strategies=["linear-probe", "linear-probe:init=random"], progress=False)
    assert [s.slug for s in result.sources] == ["glyphs-resnet10t", "imagenet-efficientnet-lite0"]
    for source in result.sources:
        board = json.loads((tmp_path / "demo" / source.slug / "leaderboard.json").read_text())
        assert board["winner"] == source.comparison.winner and board["labels_per_class"] == demo.LABELS_PER_CLASS
        assert board["data"] == demo.TARGET and len(board["runs"]) == 2  # two plans, each at its preset's lr
        assert (tmp_path / "demo" / source.slug / "report.html").is_file()
    imagenet = json.loads(next((tmp_path / "demo" / "imagenet-efficientnet-lite0").glob("runs/*/*/*/run.json"))
                          .read_text())
    assert imagenet["source_model"]["spec"] == "timm:tf_efficientnet_lite0" and imagenet["source_model"]["sha256"]
    buffer = io.StringIO()
    Console(file=buffer, width=200).print(demo.sources_table(result))
    assert "ImageNet" in buffer.getvalue() and "glyphs" in buffer.getvalue() and "points" in buffer.getvalue()
    # which rule chose, and how many seeds it had (and needed)
    board = result.sources[0].comparison.leaderboard
    assert demo.chosen_by(board) == "highest mean (--prefer cheapest-equivalent, margin 1 point; 1 seed)"
    assert "chosen by" in buffer.getvalue() and "cheapest-equivalent" in buffer.getvalue()
    Console(file=buffer, width=200).print(demo.demo_table(result.sources[0].comparison))
    text = " ".join(buffer.getvalue().split())
    assert "linear-probe chosen by highest mean" in text and "With 1 seed no difference can be detected" in text


@pytest.mark.integration
def test_a_plan_whose_probe_keeps_its_epochs_competes_at_the_same_budget(tiny_model_dir, tmp_path):
    # lp-ft trains its probe phase outside the budget: 10 + 2 epochs against the probe's 2 (probes trained by SGD,
    # so that each epoch counts; an L-BFGS probe is fitted at once)
    result = compare(str(tiny_model_dir), TINY_TARGET, "linear-probe:fit=sgd,lp-ft:fit=sgd", out=tmp_path / "cmp", seeds=2, epochs=2,
                     lr_factors=(1,), labels_per_class=4, progress=False)
    rows = {row["plan"]: row for row in result.rows}
    assert {row["status"] for row in rows.values()} <= {"ok"}, [row["status"] for row in rows.values()]
    assert rows["lp-ft:fit=sgd"]["epochs"] == rows["linear-probe:fit=sgd"]["epochs"] == 2
    best = max(rows.values(), key=lambda row: row["val"]["mean"])
    assert result.winner["plan"] == best["plan"] or rows[result.winner["plan"]]["tie"]
    # before, the epochs column said 2 for both while lp-ft trained 12: the leaderboard states budget and fixed epochs
    assert (rows["lp-ft:fit=sgd"]["fixed_epochs"], rows["lp-ft:fit=sgd"]["epochs_trained"]) == (10, 12)
    assert (rows["linear-probe:fit=sgd"]["fixed_epochs"], rows["linear-probe:fit=sgd"]["epochs_trained"]) == (0, 2)
    for row in rows.values():  # training images count every epoch trained, fixed ones included
        records = [json.loads((result.dir / r["dir"] / "run.json").read_text()) for r in row["runs"]]
        assert all(r["plan"]["epochs"]["total"] == row["epochs_trained"] for r in records)
    assert rows["lp-ft:fit=sgd"]["train_images"] == 6 * rows["linear-probe:fit=sgd"]["train_images"]
    buffer = io.StringIO()
    Console(file=buffer, width=250).print(result.table())
    assert "2 + 10 fixed" in buffer.getvalue()
