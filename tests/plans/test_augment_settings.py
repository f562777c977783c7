"""timm's augmentations as phase settings: randaugment, random_erasing, mixup, cutmix (off by default)."""

from __future__ import annotations

import json

import pytest

from transferkit.errors import PlanError
from transferkit.plans import Phase, Plan, build_plan, plan_from_yaml, plan_to_yaml
from transferkit.report import describe_plan
from transferkit.settings import Overrides
from support.assertions import assert_one_line_error

AUGMENTED = dict(randaugment="rand-m9-mstd0.5", random_erasing=0.25, mixup=0.2, cutmix=1.0)


def test_augmentations_are_off_by_default():
    phase = Phase()
    assert (phase.randaugment, phase.random_erasing, phase.mixup, phase.cutmix) == (None, 0.0, 0.0, 0.0)


def test_augmentations_round_trip_through_yaml_and_json():
    plan = Plan(phases=[Phase(name="mixed", **AUGMENTED), Phase(name="plain")])
    for again in (plan_from_yaml(plan_to_yaml(plan)), Plan.from_dict(json.loads(json.dumps(plan.to_dict())))):
        assert again.to_dict() == plan.to_dict()
        assert {k: getattr(again.phases[0], k) for k in AUGMENTED} == AUGMENTED
        assert again.phases[1].mixup == 0.0 and again.phases[1].randaugment is None


def test_plan_files_take_numbers_as_text_and_none_as_off():
    plan = plan_from_yaml("phases: [{name: a, mixup: '0.2', cutmix: 1e0, random_erasing: '0.5', randaugment: none}]")
    phase = plan.phases[0]
    assert (phase.mixup, phase.cutmix, phase.random_erasing, phase.randaugment) == (0.2, 1.0, 0.5, None)


@pytest.mark.parametrize("settings, words", [
    ({"mixup": -0.1}, ["'mixup'", "at least 0"]),
    ({"cutmix": "lots"}, ["'cutmix'", "a number"]),
    ({"cutmix": float("inf")}, ["'cutmix'", "finite"]),
    ({"random_erasing": 1.5}, ["'random_erasing'", "probability", "at most 1"]),
    ({"random_erasing": True}, ["'random_erasing'", "a number"]),
    ({"randaugment": "rand-mag9"}, ["'randaugment'", "'mag9'", "rand-m9-mstd0.5"]),
    ({"randaugment": "augmix-m5"}, ["'randaugment'", "rand-m9-mstd0.5"]),
    ({"randaugment": "rand-n0"}, ["'n0'", "n<ops 1-15>"]),
    ({"randaugment": 9}, ["'randaugment'", "got 9"]),
    ({"mixup": 0.2, "class_weights": "balanced"}, ["class_weights", "mixup", "not both"]),
])
def test_bad_augmentation_settings_get_one_line(settings, words):
    assert_one_line_error(PlanError, lambda: Phase(**settings), *words)


def test_presets_take_the_augmentations_as_options_for_every_phase():
    plan = build_plan("lp-ft:randaugment=rand-m7,mixup=0.4,cutmix=0,random_erasing=0.1")
    assert {(p.randaugment, p.mixup, p.cutmix, p.random_erasing) for p in plan.phases} == {("rand-m7", 0.4, 0.0, 0.1)}
    assert plan.options["mixup"] == 0.4
    assert_one_line_error(PlanError, lambda: build_plan("full:mixup=some"), "'mixup'", "a number")


def test_overrides_replace_the_plans_augmentations_and_name_the_option_when_bad():
    plan = Plan(phases=[Phase(name="a", mixup=0.2), Phase(name="b", randaugment="rand-m9")])
    changed = Overrides(mixup=0.0, randaugment="none", random_erasing=0.3).apply(plan)
    assert [(p.mixup, p.randaugment, p.random_erasing) for p in changed.phases] == [(0.0, None, 0.3)] * 2
    assert plan.phases[0].mixup == 0.2  # the plan itself is left unchanged
    assert_one_line_error(PlanError, lambda: Overrides(cutmix=-1.0), "'cutmix'", "at least 0")
    assert_one_line_error(PlanError, lambda: Overrides(random_erasing=2.0), "'random_erasing'", "at most 1")


def test_the_description_names_each_augmentation():
    text = describe_plan(Plan(phases=[Phase(name="a", augment="light", **AUGMENTED)]))
    for words in ("augmentation light", "then RandAugment rand-m9-mstd0.5", "random erasing of each image with "
                  "probability 0.25", "mixup (alpha 0.2) or CutMix (alpha 1) of each batch"):
        assert words in text, text
    assert "RandAugment" not in describe_plan(Plan(phases=[Phase(name="a")]))
