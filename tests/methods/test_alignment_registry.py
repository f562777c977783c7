"""Alignment losses are known through one registration each: plan validation, the engine and describe() read the
registry, so a loss registered outside the package validates, trains and is named like the built-in ones."""

from __future__ import annotations

import pytest
import torch

import transferkit.methods.alignment as registry
from transferkit import Phase, Plan, adapt
from transferkit.errors import PlanError
from transferkit.methods import AlignmentLoss, register_alignment
from transferkit.plans import phase_term

SOURCE = "synthetic:glyphs?classes=4&per_class=12&size=16"
TARGET = SOURCE + "&shift=contrast"
UNLABELED = TARGET + "&sample=2"


class MeanDistance(AlignmentLoss):
    """|mean(source) - mean(target)|^power, summed over features."""

    def __init__(self, features: int, power: float = 2.0, terms: int = 1):
        super().__init__()
        self.power, self.terms, self.fraction = power, terms, 0.0

    def progress(self, fraction: float) -> None:
        self.fraction = fraction

    def epoch_record(self) -> dict:
        return {"fraction": self.fraction}

    def forward(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (source.mean(0) - target.mean(0)).abs().pow(self.power).sum()


@pytest.fixture
def mean_distance():
    """'mean-distance' registered for one test only."""
    with registry.ALIGNMENTS.temporary():
        register_alignment("mean-distance", MeanDistance, term="mean-feature distance")
        yield "mean-distance"


def aligned(settings: dict) -> Phase:
    return Phase(name="align", epochs=2, train=["top:1", "head"], alignment=settings)


def test_the_built_in_losses_are_registered_with_their_settings():
    assert registry.alignment_names() == ["cdan", "coral", "dann", "mcc", "mmd"]
    assert registry.alignment_method("dann").settings() == ("weight", "hidden", "gamma")
    assert registry.alignment_method("mmd").settings() == ("weight", "kernels", "spread")
    assert registry.alignment_method("coral").settings() == ("weight",)
    assert registry.alignment_method("mcc").settings() == ("weight", "temperature")
    assert registry.alignment_method("cdan").settings() == ("weight", "hidden", "gamma", "entropy", "randomized_dim")
    assert [n for n in registry.alignment_names() if registry.alignment_method(n).critic] == ["cdan", "dann"]


@pytest.mark.parametrize("settings, words", [
    ({"method": "corall"}, ["'alignment.method'", "['cdan', 'coral', 'dann', 'mcc', 'mmd']", "'corall'"]),
    ({"method": "mmd", "hidden": 3}, ["'hidden'", "['weight', 'kernels', 'spread']"]),
    ({"method": "dann", "hidden": 2.5}, ["'alignment.hidden'", "whole number"]),
    ({"method": "mmd", "kernels": 0}, ["'alignment.kernels'", "at least 1"]),
    ({"method": "dann", "gamma": -1.0}, ["'alignment.gamma'", "at least 0"]),
    ({"weight": 1.0}, ["'method'", "['cdan', 'coral', 'dann', 'mcc', 'mmd']"]),
])
def test_bad_alignment_settings_name_the_valid_choices(settings, words):
    with pytest.raises(PlanError) as info:
        aligned(settings)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_a_registered_loss_is_validated_from_its_constructor(mean_distance):
    assert "mean-distance" in registry.alignment_names()
    aligned({"method": mean_distance, "weight": 0.5, "power": 1.0, "terms": 2})
    with pytest.raises(PlanError, match=r"valid settings are \['weight', 'power', 'terms'\]"):
        aligned({"method": mean_distance, "kernels": 3})
    with pytest.raises(PlanError, match="'alignment.terms' setting must be a whole number"):
        aligned({"method": mean_distance, "terms": 1.5})
    loss = registry.make_alignment({"method": mean_distance, "power": 1}, features=8)
    assert isinstance(loss, MeanDistance) and loss.power == 1.0 and isinstance(loss.power, float)


def test_a_registered_loss_is_named_in_the_term(mean_distance):
    term = phase_term(aligned({"method": mean_distance}))
    assert term.startswith("unsupervised domain adaptation (mean-feature distance): ")


def test_a_registered_loss_trains_and_is_recorded(tiny_model_dir, mean_distance):
    def run(weight: float):
        plan = Plan(phases=[aligned({"method": mean_distance, "weight": weight})])
        return adapt(str(tiny_model_dir), TARGET, plan, source=SOURCE, unlabeled=UNLABELED, seed=2, progress=False)

    with_loss, without = run(1.0), run(0.0)
    ours, theirs = with_loss.backbone.model.state_dict(), without.backbone.model.state_dict()
    top = [k for k, v in ours.items() if k.startswith("layer4") and v.is_floating_point()]
    assert any(not torch.equal(ours[k], theirs[k]) for k in top)
    record = with_loss.record["plan"]["phases"][0]["domain_adaptation"]["alignment"]
    assert record["method"] == mean_distance and "critic" not in record
    assert [e["epoch"] for e in record["history"]] == [0, 1]
    assert 0 < record["history"][0]["fraction"] < record["history"][1]["fraction"] < 1
    assert "(mean-feature distance)" in with_loss.term
