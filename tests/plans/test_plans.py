"""Phases, plans, YAML round trip, preset specs and plan resolution."""

from __future__ import annotations

import pytest

from transferkit.errors import PlanError
from transferkit.plans import (Phase, Plan, build_plan, list_strategies, load_plan, plan_from_yaml,
                               plan_term, plan_to_yaml, save_plan)

STAGES = ["stem", "stage1", "stage2", "stage3", "stage4", "head"]


@pytest.mark.parametrize("spec", [s.name for s in list_strategies()])
def test_every_preset_round_trips_through_yaml(spec, tmp_path):
    plan = build_plan(spec)
    path = tmp_path / "plan.yaml"
    save_plan(plan, path)
    again = load_plan(path)
    assert again.to_dict() == plan.to_dict()
    assert plan_to_yaml(again) == plan_to_yaml(plan)


def test_yaml_round_trip_keeps_every_field(tmp_path):
    phase = Phase(
        name="custom", epochs=3, train=["stem", "stage2", "head"], params="bias", lr=0.02, lr_scale={"stem": 0.5},
        lr_decay=0.7, bn={"stem": "adapt", "stage2": "train"}, optimizer="sgd", weight_decay=0.0, momentum=0.8,
        schedule="onecycle", warmup=0.25, batch_size=16, augment="light", label_smoothing=0.1,
        regularizers={"l2sp": {"alpha": 0.1, "beta": 0.01}},
    )
    plan = Plan(phases=[phase, Phase(name="second", train=["all"])], strategy="custom", options={"note": "x"})
    again = plan_from_yaml(plan_to_yaml(plan))
    assert again.to_dict() == plan.to_dict()
    assert again.phases[0].lr_scale == {"stem": 0.5}
    assert again.phases[0].bn == {"stem": "adapt", "stage2": "train"}


def test_partial_resolves_to_top_stages_and_head():
    (phase,) = build_plan("partial:k=2").resolve(STAGES)
    assert phase.trainable_stages == ["stage3", "stage4", "head"]
    assert [s.bn for s in phase.stages] == ["frozen", "frozen", "frozen", "train", "train", "train"]
    assert phase.setting("stage1").lr is None


def test_layerwise_decay_and_spread_resolve_per_stage():
    decayed = Plan(phases=[Phase(train=["all"], lr=1.0, lr_decay=0.5)]).resolve(STAGES)[0]
    assert [s.lr for s in decayed.stages] == [0.5**5, 0.5**4, 0.5**3, 0.5**2, 0.5, 1.0]
    spread = Plan(phases=[Phase(train=["all"], lr=1.0, lr_spread=100.0)]).resolve(STAGES)[0]
    assert spread.stages[0].lr == pytest.approx(0.01)
    assert spread.stages[-1].lr == pytest.approx(1.0)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("ful", "Unknown strategy 'ful'"),
        ("partial:k", "Malformed strategy option"),
        ("partial:k=two", "must be a whole number"),
        ("partial:depth=2", "has no option 'depth'"),
        ("partial:", "Malformed strategy"),
        ("partial:k=1,k=2", "given twice"),
        ("", "strategy is empty"),
    ],
)
def test_bad_strategy_specs_name_the_problem(spec, message):
    with pytest.raises(PlanError, match=message) as info:
        build_plan(spec)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("phases: [{name: a, lr: -0.1}]", "'lr' setting must be greater than 0"),
        ("phases: [{name: a, train: [stage9x]}]", "Unknown stage"),
        ("phases: [{name: a, epochs: two}]", "'epochs' setting must be a whole number"),
        ("phases: [{name: a, colour: red}]", "Unknown setting 'colour'"),
        ("phase: []", "Unknown setting 'phase'"),
        ("phases: []", "non-empty 'phases'"),
        ("phases: [{name: a, bn: sometimes}]", "'bn' setting must be one of"),
        ("phases: [{name: a}]\ninit: lucky", "'init' setting must be one of"),
        ("phases: [{name: a: b}", "not valid YAML"),
    ],
)
def test_bad_plan_files_name_the_problem(text, message):
    with pytest.raises(PlanError, match=message):
        plan_from_yaml(text)


def test_unknown_stage_names_fail_at_resolution():
    plan = Plan(phases=[Phase(train=["stage7", "head"])])
    with pytest.raises(PlanError, match="Unknown stage 'stage7'"):
        plan.resolve(STAGES)


def test_total_epochs_are_shared_in_proportion():
    plan = Plan(phases=[Phase(name="a", epochs=5), Phase(name="b", epochs=15)])
    assert [p.epochs for p in plan.with_total_epochs(8).phases] == [2, 6]
    assert plan.with_total_epochs(2).total_epochs == 2
    with pytest.raises(PlanError, match="at least 2"):
        plan.with_total_epochs(1)


def test_a_fixed_phase_keeps_its_epochs_under_a_budget():
    plan = Plan(phases=[Phase(name="probe", epochs=10, fixed_epochs=True, train=["head"]), Phase(name="tune", epochs=10)])
    budgeted = plan.with_total_epochs(4)
    assert [p.epochs for p in budgeted.phases] == [10, 4]
    assert [p.epochs for p in plan.with_total_epochs(1).phases] == [10, 1]
    assert Plan.from_dict(budgeted.to_dict()).phases[0].fixed_epochs is True
    with pytest.raises(PlanError, match="'fixed_epochs' setting must be true or false"):
        Phase(fixed_epochs="yes")


def test_lp_ft_probes_as_the_linear_probe_does_whatever_the_budget():
    probe = build_plan("linear-probe").phases[0]
    for total in (2, 10, 40):
        first = build_plan("lp-ft").with_total_epochs(total).phases[0]
        assert {**first.to_dict(), "fixed_epochs": False} == probe.to_dict()


@pytest.mark.parametrize(
    "spec, term",
    [
        ("scratch", "training from scratch (no transfer)"),
        ("linear-probe", "linear probing (feature extraction)"),
        ("linear-probe:init=random", "linear probing of a randomly initialized backbone (random-features baseline)"),
        ("partial:k=2", "partial fine-tuning of the top 2 of 4 stages"),
        ("full", "full fine-tuning with batch norm in inference mode"),
        ("full:bn=auto", "full fine-tuning"),
    ],
)
def test_terms_are_derived_from_the_plan(spec, term):
    assert plan_term(build_plan(spec), STAGES) == term


def test_term_follows_what_trains_not_the_name():
    plan = build_plan("partial:k=4")  # the top 4 of 4 stages + head excludes only the stem
    assert plan_term(plan, STAGES) == "partial fine-tuning of the top 4 of 4 stages"
    surgical = Plan(phases=[Phase(train=["stem", "stage1", "head"])], strategy="full")
    assert plan_term(surgical, STAGES) == "surgical fine-tuning of stem and stage1 and the head"


def test_top_k_in_a_plan_trains_what_partial_k_trains():
    written = Plan.from_dict({"phases": [{"train": ["top:2"], "lr": 0.001}]})
    (top,), (partial,) = written.resolve(STAGES), build_plan("partial:k=2").resolve(STAGES)
    assert top.trainable_stages == partial.trainable_stages == ["stage3", "stage4", "head"]
    assert plan_term(written, STAGES) == plan_term(build_plan("partial:k=2"), STAGES)
    assert plan_term(written) == plan_term(build_plan("partial:k=2"))
