"""compare --models A,B,C --top-networks K from outside: the networks are ranked before any training and only the K
best train (run directories, leaderboard rows); the leaderboard names the dropped ones with their rank scores; K at
least the number of networks keeps them all and says so; bad input is one line, exit 2, and nothing is written."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from support.assertions import assert_cli_error, assert_one_line_error
from support.tiny import TINY_TARGET
from transferkit import compare
from transferkit.api import load_model
from transferkit.cli import app
from transferkit.errors import ModelError
from transferkit.models import save_model_dir

runner = CliRunner()
WIDTHS = {"narrow-a": "channels=8,16,24,32&stem_width=8", "narrow-b": "channels=4,8,12,16&stem_width=4"}


@pytest.fixture(scope="module")
def networks(tiny_model_dir, tmp_path_factory):
    """Three cheap glyph networks as model directories, by leaderboard name: the pretrained tiny one and two narrower
    ones with random weights."""
    folder = tmp_path_factory.mktemp("top")
    found = {"tiny-model": str(tiny_model_dir)}
    for seed, (name, options) in enumerate(WIDTHS.items()):
        torch.manual_seed(seed)
        backbone = load_model(f"timm:resnet10t?{options}", pretrained=False, input_size=16)
        found[name] = str(save_model_dir(backbone, folder / name))
    return found


def _trained_networks(out) -> set[str]:
    """The networks of the run directories a comparison wrote."""
    return {json.loads(p.read_text())["comparison"]["network"] for p in out.glob("runs/**/run.json")}


@pytest.mark.integration
def test_only_the_top_k_networks_train_and_the_leaderboard_names_the_dropped(networks, tmp_path):
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", "--models", ",".join(networks.values()), "--top-networks", "2",
                                 "--data", TINY_TARGET, "--strategies", "linear-probe", "--seeds", "1", "--epochs", "1",
                                 "--lr-factors", "1", "--labels-per-class", "4", "--keep-weights", "none",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    board = json.loads((out / "leaderboard.json").read_text())
    top = board["top_networks"]
    assert top["count"] == 2 and top["score"] == "logme" and len(top["kept"]) == 2
    ranking = top["ranking"]
    assert [r["network"] for r in ranking] == top["kept"] + [top["dropped"][0]["network"]]
    assert {r["network"] for r in ranking} == set(networks)
    scores = [r["score"] for r in ranking]
    assert all(isinstance(s, float) for s in scores) and scores == sorted(scores, reverse=True)
    dropped = top["dropped"]
    assert len(dropped) == 1 and dropped[0]["rank"] == 3 and dropped[0]["spec"] == networks[dropped[0]["network"]]
    # only the kept networks trained: their run directories and leaderboard rows, nothing of the dropped one
    assert _trained_networks(out) == set(top["kept"])
    assert {r["network"] for r in board["rows"]} == set(top["kept"])
    assert [n["name"] for n in board["networks"]] == top["kept"]
    assert dropped[0]["network"] in result.output


@pytest.mark.integration
def test_k_at_least_the_number_of_networks_keeps_them_all_and_says_so(networks):
    two = [networks["narrow-a"], networks["narrow-b"]]
    result = compare(models=two, data=TINY_TARGET, strategies="linear-probe", top_networks=2, seeds=1, epochs=1,
                     lr_factors=(1,), labels_per_class=4, progress=False)
    board = result.leaderboard
    top = board["top_networks"]
    assert top["kept"] == ["narrow-a", "narrow-b"] and top["dropped"] == [] and "keeps all 2" in top["note"]
    assert {r["network"] for r in result.rows} == {"narrow-a", "narrow-b"}


@pytest.mark.parametrize("args, words", [
    (["--top-networks", "0"], ["--top-networks", "at least 1", "0"]),
    (["--top-networks", "two"], ["--top-networks", "two"]),
])
def test_k_below_one_is_refused_in_one_line_and_nothing_is_written(networks, tmp_path, args, words):
    result = runner.invoke(app, ["compare", "--models", ",".join(networks.values()), *args, "--data", TINY_TARGET,
                                 "--out", str(tmp_path / "cmp")])
    assert_cli_error(result, *words)
    assert list(tmp_path.iterdir()) == []


def test_top_networks_needs_models_listing_two_networks(networks, tmp_path):
    one = runner.invoke(app, ["compare", "--models", networks["tiny-model"], "--top-networks", "1", "--data",
                              TINY_TARGET, "--out", str(tmp_path / "a")])
    assert_cli_error(one, "--top-networks", "at least two networks", "--models")
    single = runner.invoke(app, ["compare", "--model", networks["tiny-model"], "--top-networks", "1", "--data",
                                 TINY_TARGET, "--out", str(tmp_path / "b")])
    assert_cli_error(single, "--top-networks", "--models")
    assert list(tmp_path.iterdir()) == []
    assert_one_line_error(ModelError, lambda: compare(models=[networks["tiny-model"]], data=TINY_TARGET,
                                                      top_networks=1), "at least two networks")
    assert_one_line_error(ModelError, lambda: compare(models=list(networks.values()), data=TINY_TARGET,
                                                      top_networks=0), "top_networks")
