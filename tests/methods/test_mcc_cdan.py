"""MCC (minimum class confusion on the target's logits) and CDAN (a critic on the multilinear map of features and
predictions): their formulas on hand-made tensors, end-to-end training and the record, bad settings."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from transferkit import Phase
from transferkit.cli import app
from transferkit.errors import PlanError
from transferkit.methods import dann_lambda, make_alignment, multilinear_map, randomized_map
from support.assertions import assert_cli_error, assert_one_line_error
from support.domain_runs import SOURCE, TARGET, UNLABELED, aligned_and_control


def mcc(logits: torch.Tensor, temperature: float = 2.5) -> float:
    loss = make_alignment({"method": "mcc", "temperature": temperature}, features=3, classes=logits.shape[1])
    return float(loss(torch.zeros(2, 3), torch.zeros(len(logits), 3), source_logits=torch.zeros(2, logits.shape[1]),
                      target_logits=logits))


def mcc_by_hand(logits: np.ndarray, temperature: float) -> float:
    """The paper's steps written out in numpy."""
    z = logits / temperature
    y = np.exp(z - z.max(1, keepdims=True))
    y /= y.sum(1, keepdims=True)
    h = -(y * np.log(y + 1e-5)).sum(1)
    w = 1 + np.exp(-h)
    w = len(w) * w / w.sum()
    confusion = np.zeros((y.shape[1], y.shape[1]))
    for i in range(len(y)):
        confusion += w[i] * np.outer(y[i], y[i])
    confusion /= confusion.sum(1, keepdims=True)
    return float((confusion.sum() - np.trace(confusion)) / y.shape[1])


def test_mcc_is_low_for_confident_distinct_predictions_and_high_for_confused_ones():
    confident = 20.0 * torch.eye(4).repeat(2, 1)  # each class predicted surely, twice
    split = 20.0 * torch.tensor([[1.0, 1.0, 0, 0], [1.0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]])
    uniform = torch.zeros(8, 4)
    assert mcc(confident) < 0.05 < mcc(split) < mcc(uniform)
    assert mcc(uniform) == pytest.approx(3 / 4)  # every row of the confusion matrix is 1/4 everywhere
    assert mcc(confident, temperature=1.0) < mcc(confident, temperature=2.5) < mcc(confident, temperature=10.0)


def test_mcc_follows_the_papers_formula():
    logits = np.random.default_rng(0).normal(size=(6, 5)) * 3
    for temperature in (1.0, 2.5):
        assert mcc(torch.tensor(logits, dtype=torch.float32), temperature) == pytest.approx(
            mcc_by_hand(logits, temperature), rel=1e-5)


def test_mcc_trains_only_through_the_target_logits():
    loss = make_alignment({"method": "mcc"}, features=3, classes=4)
    source_logits = torch.randn(5, 4, requires_grad=True)
    target_logits = torch.randn(5, 4, requires_grad=True)
    loss(torch.zeros(5, 3), torch.zeros(5, 3), source_logits=source_logits, target_logits=target_logits).backward()
    assert source_logits.grad is None and target_logits.grad.abs().sum() > 0


def test_multilinear_maps_have_the_papers_shapes():
    f, g = torch.randn(5, 7), torch.softmax(torch.randn(5, 3), 1)
    outer = multilinear_map(f, g)
    assert outer.shape == (5, 3 * 7)
    assert torch.allclose(outer[2, 1 * 7 + 4], g[2, 1] * f[2, 4])
    rf, rg = torch.randn(7, 16), torch.randn(3, 16)
    assert randomized_map(f, g, rf, rg).shape == (5, 16)
    assert torch.allclose(randomized_map(f, g, rf, rg), (f @ rf) * (g @ rg) / 4.0)


def test_cdan_uses_the_randomized_map_only_when_the_outer_product_is_large():
    small = make_alignment({"method": "cdan"}, features=64, classes=4)
    assert small.critic.net[0].in_features == 64 * 4 and "rf" not in small.state_dict()
    large = make_alignment({"method": "cdan", "randomized_dim": 256}, features=2048, classes=10)
    assert large.critic.net[0].in_features == 256
    assert large.state_dict()["rf"].shape == (2048, 256) and large.state_dict()["rg"].shape == (10, 256)


def test_cdan_reverses_the_gradient_into_the_features_and_entropy_reweights():
    torch.manual_seed(0)
    losses = {}
    for entropy in (False, True):
        torch.manual_seed(0)
        loss = make_alignment({"method": "cdan", "entropy": entropy}, features=6, classes=3)
        loss.eval()  # no dropout: the same critic gives the same scores
        loss.progress(0.5)
        features = torch.randn(8, 6, requires_grad=True)
        logits = torch.randn(8, 3, requires_grad=True)
        value = loss(features[:4], features[4:], source_logits=logits[:4], target_logits=logits[4:])
        value.backward()
        assert features.grad.abs().sum() > 0 and logits.grad is None  # predictions condition, no gradient
        losses[entropy] = float(value.detach())
        assert loss.epoch_record()["lambda"] == pytest.approx(dann_lambda(0.5))
    assert losses[False] != pytest.approx(losses[True])


@pytest.mark.integration
@pytest.mark.parametrize("method, settings, term", [("mcc", {"temperature": 2.5}, "(MCC)"),
                                                    ("cdan", {"entropy": False}, "(CDAN)")])
def test_mcc_and_cdan_train_the_top_stage_and_are_recorded(tiny_model_dir, method, settings, term):
    aligned, _ = aligned_and_control(tiny_model_dir, method)
    record = aligned.record["plan"]["phases"][0]["domain_adaptation"]["alignment"]
    assert record["method"] == method and record["weight"] == 1.0 and record["steps"] > 0
    assert all(record[k] == v for k, v in settings.items())
    assert [e["epoch"] for e in record["history"]] == [0, 1]
    assert all(np.isfinite(e["alignment_loss"]) and e["alignment_loss"] >= 0 for e in record["history"])
    assert term in aligned.term and term in aligned.record["term"]
    if method == "mcc":
        assert "logits" in record["features"] and "critic" not in record
    else:
        features, classes = aligned.backbone.feature_dim, 4
        assert f"multilinear map ({classes} x {features})" in record["features"]
        assert record["critic"]["layers"].startswith(f"Sequential(\n  (0): Linear(in_features={classes * features},")
        assert 0 < record["history"][0]["lambda"] < record["history"][1]["lambda"] < 1


def test_cdan_with_entropy_conditioning_from_the_command_line(tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["adapt", "--model", str(tiny_model_dir), "--data", TARGET, "--source", SOURCE,
                                      "--unlabeled", UNLABELED, "--strategy", "cdan:entropy=true,epochs=1",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "run.json").read_text())
    alignment = record["plan"]["phases"][0]["domain_adaptation"]["alignment"]
    assert alignment["method"] == "cdan" and alignment["entropy"] is True and alignment["critic"]["trained"]
    assert "(CDAN)" in record["term"]


@pytest.mark.parametrize("settings, words", [
    ({"method": "mcc", "temperature": -1.0}, ["'alignment.temperature'", "greater than 0"]),
    ({"method": "mcc", "temperature": 0}, ["'alignment.temperature'", "greater than 0"]),
    ({"method": "mcc", "hidden": 3}, ["'hidden'", "['weight', 'temperature']"]),
    ({"method": "cdan", "entropy": "maybe"}, ["'alignment.entropy'", "true or false"]),
    ({"method": "cdan", "randomized_dim": 0}, ["'alignment.randomized_dim'", "at least 1"]),
    ({"method": "cdan", "temperature": 2.5}, ["'temperature'", "'entropy'", "'randomized_dim'"]),
])
def test_bad_mcc_and_cdan_settings_get_one_line(settings, words):
    assert_one_line_error(PlanError, lambda: Phase(name="align", epochs=1, train=["head"], alignment=settings),
                          *words)


def test_a_negative_temperature_on_the_command_line_exits_2(tiny_model_dir, tmp_path):
    result = CliRunner().invoke(app, ["adapt", "--model", str(tiny_model_dir), "--data", TARGET, "--source", SOURCE,
                                      "--unlabeled", UNLABELED, "--strategy", "mcc:temperature=-1",
                                      "--out", str(tmp_path / "run")])
    assert_cli_error(result, "temperature", "greater than 0")
    assert not (tmp_path / "run").exists()
