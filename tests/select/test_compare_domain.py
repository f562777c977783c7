"""compare --strategies all picks the presets that fit the data: domain-adaptation presets only with --source, and
then they are compared with source-only training on the same split."""

from __future__ import annotations

import json
import logging

import pytest
from typer.testing import CliRunner

from transferkit import compare
from transferkit.cli import app
from transferkit.plans import list_strategies

SOURCE = "synthetic:glyphs?classes=4&per_class=12&size=16"
TARGET = SOURCE + "&shift=contrast"
UNLABELED = TARGET + "&sample=2"
DOMAIN = sorted(info.name for info in list_strategies() if info.domain_adaptation)


def test_without_source_the_domain_presets_are_left_out_with_one_line(tiny_model_dir, caplog):
    from transferkit.runs.candidate_plans import strategies_for
    from transferkit.settings import DataRef

    with caplog.at_level(logging.INFO, logger="transferkit"):
        chosen = strategies_for("all", DataRef(TARGET))
    names = [str(c) for c in chosen]
    assert DOMAIN and not set(DOMAIN) & set(names) and "linear-probe" in names
    lines = [r.getMessage() for r in caplog.records if "Left out" in r.getMessage()]
    assert len(lines) == 1 and all(name in lines[0] for name in DOMAIN), lines


@pytest.mark.integration
def test_with_source_the_domain_presets_compete_with_source_only(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, [str(a) for a in (
        "compare", "--model", tiny_model_dir, "--data", TARGET, "--source", SOURCE, "--unlabeled", UNLABELED,
        "--strategies", "source-only,adabn,coral", "--seeds", "1", "--epochs", "1", "--lr-factors", "1",
        "--labels-per-class", "2", "--device", "cpu", "--out", out)])
    assert result.exit_code == 0, result.output
    board = json.loads((out / "leaderboard.json").read_text())
    assert sorted(r["plan"] for r in board["rows"]) == ["adabn", "coral", "source-only"]
    assert all(r["status"] == "ok" for r in board["runs"]), board["runs"]
    runs = [json.loads(p.read_text()) for p in out.glob("runs/**/run.json")]
    assert {r["spec"]["data"]["source"] for r in runs} == {SOURCE}
    assert len({json.dumps(r["data"]["splits"], sort_keys=True) for r in runs}) == 1  # the same split for every plan


@pytest.mark.integration
def test_domain_candidates_are_selected_without_target_labels(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    compare(str(tiny_model_dir), TARGET, "source-only,coral", source=SOURCE, unlabeled=UNLABELED, seeds=2, epochs=1,
            lr_factors=(1,), out=out, progress=False)
    board = json.loads((out / "leaderboard.json").read_text())
    assert board["holdout"] is None and "without target labels" in board["selection"]["metric"]
    target_accuracy = {}
    for run in board["runs"]:
        record = json.loads((out / run["dir"] / "run.json").read_text())
        chosen = record["domain_adaptation"]["model_selection"]
        # the selection score is DEV's estimate of target accuracy, which reads no target label
        assert run["val"] == chosen["dev"]["accuracy_estimate"] and "DEV" in record["comparison"]["selected_on"]
        assert "target" in record["data"]["roles"]["test"]
        target_accuracy.setdefault(run["plan"], []).append(record["metrics"]["test"]["accuracy"])
    for row in board["rows"]:  # every plan's target accuracy is shown, as the oracle
        assert row["oracle"]["values"] == target_accuracy[row["plan"]]
    best = max(target_accuracy, key=lambda p: sum(target_accuracy[p]))
    assert board["oracle"]["plan"] == best and "not usable for selection" in board["oracle"]["note"]
    reported = board["winner"]["reported"]
    assert reported["split"] == "test" and reported["value"]["values"] == target_accuracy[board["winner"]["plan"]]
    bad = CliRunner().invoke(app, [str(a) for a in (
        "compare", "--model", tiny_model_dir, "--data", TARGET, "--source", SOURCE, "--unlabeled", UNLABELED,
        "--strategies", "coral", "--metric", "macro-f1", "--out", tmp_path / "x")])
    assert bad.exit_code == 2 and "--metric" in bad.output and not (tmp_path / "x").exists()


def test_a_domain_preset_without_source_is_refused_before_training(tiny_model_dir, tmp_path):
    result = CliRunner().invoke(app, [str(a) for a in (
        "compare", "--model", tiny_model_dir, "--data", TARGET, "--strategies", "linear-probe,coral", "--seeds", "1",
        "--epochs", "1", "--out", tmp_path / "cmp")])
    assert result.exit_code == 2 and "--source" in result.output
    assert not (tmp_path / "cmp").exists() and compare is not None
