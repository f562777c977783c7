"""`rank` from outside: every score of every network in ranking.json and the table, the order by the chosen score,
only the training split forwarded, training features that a later compare reuses, and bad input refused in one line
before anything is written."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from transferkit.cli import app
from support.assertions import assert_cli_error
from support.tiny import TINY_TARGET

SCORES = ["logme", "leep", "nce", "h-score", "knn", "linear-probe"]
LITE0 = "timm:tf_efficientnet_lite0"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def ranked(tiny_model_dir, tmp_path_factory):
    """The glyph network and ImageNet EfficientNet-Lite0 (at 16 px) ranked on a small glyph target."""
    out = tmp_path_factory.mktemp("rank") / "ranking"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("COLUMNS", "250")
        result = invoke("rank", "--models", f"{tiny_model_dir},{LITE0}", "--data", TINY_TARGET, "--labels-per-class",
                        "6", "--input-size", "16", "--score", "linear-probe", "--out", str(out))
    return result, out


def test_rank_writes_every_score_the_order_and_the_seconds(ranked, tiny_model_dir):
    result, out = ranked
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "ranking.json").read_text())
    assert doc["score"] == "linear-probe" and sorted(doc["order"]) == sorted([str(tiny_model_dir), LITE0])
    by_model = {row["model"]: row for row in doc["networks"]}
    probe = [by_model[m]["scores"]["linear-probe"] for m in doc["order"]]
    assert probe == sorted(probe, reverse=True)
    for row in doc["networks"]:
        assert row["status"] == "scored" and row["images"] == 36
        assert all(isinstance(row["scores"][s], float) for s in ("logme", "h-score", "knn", "linear-probe"))
        assert {"model", "data", "features", "logme", "knn"} <= set(row["seconds"]) and row["total_seconds"] > 0
        assert row["feature_cache"]["used"] is True
    assert by_model[LITE0]["imagenet_top1"] == pytest.approx(74.846)
    # 12 glyph classes against 1000 ImageNet classes: LEEP and NCE are not comparable, and say so
    assert doc["source_head_scores"]["comparable"] is False
    assert all(row["scores"]["leep"] is None and "different classes" in row["not_measured"]["leep"]
               for row in doc["networks"])
    assert "LEEP not measured" in result.output and "Order by linear-probe" in result.output
    assert "Which network" in (out / "report.html").read_text()


def test_rank_forwards_only_the_training_split(tiny_model_dir, tmp_path, monkeypatch):
    """Images through the network's first convolution, and the stores cached: the training split (36 images) and a
    few to check the cut network, never the 54 test images; no store holds a validation or test row."""
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    seen = []

    def count(module, args):
        if isinstance(module, torch.nn.Conv2d) and module.in_channels == 3:
            seen.append(len(args[0]))

    handle = torch.nn.modules.module.register_module_forward_pre_hook(count)
    try:
        result = invoke("rank", "--models", str(tiny_model_dir), "--data", TINY_TARGET, "--labels-per-class", "6",
                        "--seed", "5")  # a split no other test caches
    finally:
        handle.remove()
    assert result.exit_code == 0, result.output
    assert 36 <= sum(seen) < 36 + 54
    stores = [json.loads(meta.read_text()) for meta in (tmp_path / "cache" / "features").glob("*/meta.json")]
    assert len(stores) == 1
    assert stores[0]["shapes"]["train"][:2] == [1, 36]
    assert stores[0]["shapes"]["val"][0] == stores[0]["shapes"]["test"][0] == 0


def test_a_compare_on_the_same_network_and_data_reuses_the_training_features(ranked, tiny_model_dir, tmp_path):
    from transferkit import compare, rank

    ranking = rank([str(tiny_model_dir)], TINY_TARGET, labels_per_class=6, progress=False)
    assert ranking.order == [str(tiny_model_dir)] and ranking.doc["networks"][0]["scores"]["leep"] is not None
    comparison = compare(str(tiny_model_dir), TINY_TARGET, "linear-probe", out=tmp_path / "cmp", seeds=1, epochs=1,
                         lr_factors=(1,), labels_per_class=6, progress=False)
    run = json.loads(next((tmp_path / "cmp").glob("runs/*/*/seed0/run.json")).read_text())
    cache = run["plan"]["phases"][0]["feature_cache"]
    assert comparison.winner is not None and cache["used"] is True
    # the training rows come from rank's store; only the validation and test images went through the network
    assert cache["train_from"] == ranking.doc["networks"][0]["feature_cache"]["key"]
    assert cache["encoded"] == [cache["shape"]["val"][0] + cache["shape"]["test"][0]]


@pytest.mark.parametrize("bad, words", [
    ("timm:tf_efficientnet_lite9", ["tf_efficientnet_lite9", "Did you mean"]),
    ("timm:resnet10t", ["No pretrained weights for timm:resnet10t", "transferkit models"]),
])
def test_a_bad_network_in_the_list_stops_before_anything_is_written(bad, words, tiny_model_dir, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = invoke("rank", "--models", f"{tiny_model_dir},{bad}", "--data", TINY_TARGET, "--out",
                    str(tmp_path / "ranking"))
    assert_cli_error(result, *words)
    assert list(tmp_path.iterdir()) == []


def test_model_and_models_together_are_refused(tiny_model_dir):
    result = invoke("rank", "--model", str(tiny_model_dir), "--models", str(tiny_model_dir), "--data", TINY_TARGET)
    assert_cli_error(result, "either --models", "not both")


def test_timm_and_torchvision_imagenet_heads_compare_for_leep_and_nce(tmp_path, monkeypatch):
    # the two libraries spell the same 1000 ImageNet classes differently ('tench, Tinca tinca' / 'tench'); the
    # heads predict the same classes in the same order, so LEEP and NCE are measured for both
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = tmp_path / "ranking"
    result = invoke("rank", "--models", f"{LITE0},torchvision:mobilenet_v2", "--data", TINY_TARGET,
                    "--labels-per-class", "3", "--input-size", "16", "--out", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "ranking.json").read_text())
    assert doc["source_head_scores"]["comparable"] is True, doc["source_head_scores"]
    assert all(isinstance(row["scores"]["leep"], float) and isinstance(row["scores"]["nce"], float)
               for row in doc["networks"])
