"""compare --models: every plan on several networks with the same seeds and splits, one leaderboard over (network,
plan) pairs with paired statistics and each network's inference cost, the accuracy-against-cost chart, reproducible
runs, and bad networks refused before anything trains or failed alone."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from support.assertions import assert_cli_error, assert_one_line_error
from support.browser import inspect_page
from support.tiny import TINY_ARCH, TINY_TARGET
from transferkit import compare, reproduce
from transferkit.api import load_model
from transferkit.cli import app
from transferkit.errors import ModelError
from transferkit.models import save_model_dir
from transferkit.select.pareto import pareto_front

runner = CliRunner()
SMALL_ARCH = "timm:resnet10t?channels=8,16,24,32&stem_width=8"
PLANS = ("linear-probe", "partial:k=1")


@pytest.fixture(scope="module")
def small_model_dir(tmp_path_factory):
    """A second, smaller glyph network (a quarter of the tiny one's width), saved as a model directory."""
    torch.manual_seed(0)
    return save_model_dir(load_model(SMALL_ARCH, pretrained=False, input_size=16),
                          tmp_path_factory.mktemp("small") / "glyph-small")


@pytest.fixture(scope="module")
def networks_run(tiny_model_dir, small_model_dir, tmp_path_factory):
    """`compare --models` on the command line: 2 networks x 2 plans x 2 seeds, 1 epoch, every run's weights kept."""
    out = tmp_path_factory.mktemp("networks") / "cmp"
    result = runner.invoke(app, ["compare", "--models", f"{tiny_model_dir},{small_model_dir}", "--data", TINY_TARGET,
                                 "--strategies", ",".join(PLANS), "--seeds", "2", "--epochs", "1", "--lr-factors", "1",
                                 "--labels-per-class", "4", "--keep-weights", "all", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.mark.integration
def test_one_leaderboard_over_the_network_plan_pairs(networks_run, tiny_model_dir, small_model_dir):
    out, printed = networks_run
    board = json.loads((out / "leaderboard.json").read_text())
    names = {"tiny-model": str(tiny_model_dir), "glyph-small": str(small_model_dir)}
    assert [n["name"] for n in board["networks"]] == list(names) and board["model"] == list(names.values())
    rows = board["rows"]
    assert sorted((r["network"], r["plan"]) for r in rows) == sorted((n, p) for n in names for p in PLANS)
    assert len(board["runs"]) == 2 * 2 * 2 and all(r["status"] == "ok" for r in rows)
    # paired statistics over the same two seeds for every pair, against the best pair
    best = next(r for r in rows if r["best"])
    for row in rows:
        assert row["val"]["n"] == 2
        if row is not best:
            assert row["paired"]["reference"] == best["pair"] and row["paired"]["seeds"] == [0, 1]
    winner = board["winner"]
    assert winner["network"] in names and winner["plan"] in PLANS and winner["pair"] == next(
        r["pair"] for r in rows if r["winner"])
    # each network's inference cost on the run's device; the bigger network has more parameters
    costs = {r["network"]: r["inference"] for r in rows}
    assert all(c["ms_per_image"] > 0 and c["batch_size"] == 32 and c["input_size"] == [3, 16, 16]
               and c["device"] == "cpu" for c in costs.values())
    assert costs["tiny-model"]["params"] > 3 * costs["glyph-small"]["params"]
    assert any(r["pareto"] for r in rows)
    # the same images at a seed for every network and plan; each run records its own network
    splits = {}
    for run in board["runs"]:
        record = json.loads((out / run["dir"] / "run.json").read_text())
        assert record["spec"]["model"]["spec"] == names[run["network"]]
        assert record["comparison"]["network"] == run["network"]
        splits.setdefault(run["seed"], set()).add(
            tuple(record["data"]["splits"][s]["fingerprint"] for s in ("train", "val", "test")))
    assert all(len(s) == 1 for s in splits.values()) and splits[0] != splits[1]
    assert "network" in printed and "ms/image" in printed and "Chosen:" in printed


def test_accuracy_against_cost_chart_renders_in_chromium(networks_run, tmp_path):
    out, _ = networks_run
    report = out / "report.html"
    page = inspect_page(report, tmp_path)
    assert "accuracy against inference cost, Pareto front marked" in page["image_alts"]
    assert page["loaded"] == page["painted"] == page["images"] and page["external_refs"] == []
    assert len(page["leaderboard_rows"]) == 4
    html = report.read_text(encoding="utf-8")
    assert 'id="networks-table"' in html and "(Pareto front)" in html


def test_reproduce_of_any_run_gives_the_same_weights(networks_run):
    out, _ = networks_run
    board = json.loads((out / "leaderboard.json").read_text())
    for network in ("tiny-model", "glyph-small"):  # one run of each network, the one nearest the end
        run = [r for r in board["runs"] if r["network"] == network][-1]
        again = reproduce(out / run["dir"], progress=False)
        assert again.identical, (run["dir"], again.differences)


@pytest.mark.integration
def test_halving_drops_networks_and_plans_in_the_same_rungs(tiny_model_dir, small_model_dir):
    result = compare(models=[str(tiny_model_dir), str(small_model_dir)], data=TINY_TARGET, strategies=list(PLANS),
                     search="halving", eta=2, seeds=1, epochs=2, lr_factors=(1,), labels_per_class=4, progress=False)
    first, last = result.leaderboard["search"]["rungs"]
    trained = set(first["trained"])
    assert len(trained) == 4 and {k.split(" · ")[0] for k in trained} == {"tiny-model", "glyph-small"}
    assert len(first["kept"]) == 2 and set(last["trained"]) == set(first["kept"])
    statuses = sorted(r["status"] for r in result.rows)
    assert statuses == ["eliminated", "eliminated", "ok", "ok"]
    assert result.winner["pair"] in {k.rsplit("@", 1)[0] for k in first["kept"]}


def test_unknown_network_is_one_line_with_a_close_name_and_nothing_written(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    # a comma inside a spec's options continues that spec; every name is checked before any network loads
    result = runner.invoke(app, ["compare", "--models", f"{tiny_model_dir},{TINY_ARCH},timm:resnet1", "--data",
                                 TINY_TARGET, "--out", str(out)])
    assert_cli_error(result, "'resnet1'", "Did you mean 'timm:resnet18'")
    assert list(tmp_path.iterdir()) == []


def test_the_pareto_front_is_the_pairs_nothing_beats_on_both():
    points = [(1.0, 0.50), (2.0, 0.70), (2.0, 0.60), (3.0, 0.70), (4.0, 0.90), (0.5, 0.40)]
    assert pareto_front(points) == [True, True, False, False, True, True]


def test_model_and_models_are_one_or_the_other(tiny_model_dir, small_model_dir, tmp_path):
    both = runner.invoke(app, ["compare", "--model", str(tiny_model_dir), "--models", str(small_model_dir),
                               "--data", TINY_TARGET, "--out", str(tmp_path / "a")])
    assert_cli_error(both, "--model", "--models", "not both")
    neither = runner.invoke(app, ["compare", "--data", TINY_TARGET, "--out", str(tmp_path / "b")])
    assert_cli_error(neither, "--model is missing", "--models")
    weights = runner.invoke(app, ["compare", "--models", f"{tiny_model_dir},{small_model_dir}", "--weights", "w.pth",
                                  "--data", TINY_TARGET, "--out", str(tmp_path / "c")])
    assert_cli_error(weights, "--weights")
    assert_one_line_error(ModelError, lambda: compare(str(tiny_model_dir), TINY_TARGET, models=[str(small_model_dir)]),
                          "not both")
    assert list(tmp_path.iterdir()) == []


def test_network_without_offline_weights_is_refused_before_any_training(tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = tmp_path / "cmp"
    # the network that cannot load comes second: nothing of the first one trains either
    result = runner.invoke(app, ["compare", "--models", f"{tiny_model_dir},timm:resnet18", "--data", TINY_TARGET,
                                 "--strategies", "linear-probe", "--seeds", "1", "--epochs", "1", "--out", str(out)])
    assert_cli_error(result, "timm:resnet18", "pretrained weights")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.integration
def test_a_network_failing_mid_comparison_fails_only_its_rows(tiny_model_dir, small_model_dir, tmp_path):
    broken = load_model(str(tiny_model_dir))  # finite weights so large that its features overflow
    params = dict(broken.model.named_parameters())
    with torch.no_grad():
        for name in next(s for s in broken.stages if s.name == "stage4").params:
            if params[name].ndim > 1:
                params[name].mul_(1e38)
    overflowing = save_model_dir(broken, tmp_path / "overflowing")
    out = tmp_path / "cmp"
    result = compare(models=[str(overflowing), str(small_model_dir)], data=TINY_TARGET, strategies=list(PLANS),
                     seeds=2, epochs=1, lr_factors=(1,), labels_per_class=4, out=out, progress=False)
    rows = {(r["network"], r["plan"]): r for r in result.rows}
    # the probe stops before fitting to infinite features; partial fine-tuning when its loss is NaN
    reasons = {"linear-probe": "features of 24 of 24 training images are NaN or infinite",
               "partial:k=1": "loss became nan"}
    for plan in PLANS:
        failed, fine = rows[("overflowing", plan)], rows[("glyph-small", plan)]
        assert failed["status"] == "failed" and len(failed["errors"]) == 1 and "\n" not in failed["errors"][0]
        assert reasons[plan] in failed["errors"][0]
        assert fine["status"] == "ok" and fine["val"]["n"] == 2
    assert result.winner["network"] == "glyph-small"
    board = json.loads((out / "leaderboard.json").read_text())
    written = [r for r in board["runs"] if r["status"] == "ok"]
    assert len(written) == 4 and all((out / r["dir"] / "run.json").is_file() for r in written)
    assert "failed" in (out / "report.html").read_text(encoding="utf-8")
