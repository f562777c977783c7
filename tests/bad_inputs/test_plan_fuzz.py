"""Fuzzing plan parsing: any YAML text or mapping gives a valid Plan or a one-line PlanError, nothing else."""

from __future__ import annotations

import json
from dataclasses import fields

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transferkit.errors import PlanError
from transferkit.plans import Phase, Plan
from transferkit.plans.yaml_io import plan_from_yaml, plan_to_yaml

STAGES = ["stem", "stage1", "stage2", "stage3", "stage4", "head"]
PHASE_KEYS = [f.name for f in fields(Phase)]
WORDS = ["all", "head", "stem", "stage1", "stage4", "stage9", "top:2", "top:0", "top:9", "bias", "norm", "lora",
         "auto", "frozen", "train", "adapt", "sgd", "adamw", "cosine", "onecycle", "constant", "none", "light",
         "l2sp", "alpha", "beta", "coral", "method", "pretrained", "random", ""]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=300),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=1e-6, max_value=1.0),
    st.sampled_from(WORDS),
    st.text(max_size=8),
)
keys = st.one_of(st.sampled_from(PHASE_KEYS + WORDS), st.text(max_size=6), st.integers(-2, 2))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=10,
)
phase_dicts = st.dictionaries(st.one_of(st.sampled_from(PHASE_KEYS), keys), values, max_size=7)
plan_dicts = st.fixed_dictionaries(
    {},
    optional={
        "phases": st.one_of(st.lists(phase_dicts, max_size=3), values),
        "strategy": values,
        "init": st.one_of(st.sampled_from(["pretrained", "random"]), values),
        "options": values,
        "unknown": values,
    },
)


def parse_or_plan_error(make) -> Plan | None:
    """Call `make()`: a Plan, or None after a one-line PlanError. Any other exception fails the test."""
    try:
        plan = make()
    except PlanError as e:
        assert str(e) and "\n" not in str(e), repr(str(e))
        return None
    assert isinstance(plan, Plan)
    return plan


def finite_numbers(value) -> bool:
    if isinstance(value, float):
        return value == value and abs(value) != float("inf")
    if isinstance(value, dict):
        return all(finite_numbers(v) for v in value.values())
    if isinstance(value, list):
        return all(finite_numbers(v) for v in value)
    return True


def check_valid_plan(plan: Plan) -> None:
    """A valid plan has finite settings, resolves against a backbone (or says why not) and survives a YAML
    round trip."""
    assert all(finite_numbers(p.to_dict()) for p in plan.phases), plan.to_dict()
    try:
        resolved = plan.resolve(STAGES)
        assert [r.stages[-1].stage for r in resolved] == ["head"] * len(plan.phases)
    except PlanError as e:
        assert "\n" not in str(e)
    again = plan_from_yaml(plan_to_yaml(plan))
    same = json.dumps(again.to_dict(), sort_keys=True, default=str)
    assert same == json.dumps(plan.to_dict(), sort_keys=True, default=str)


@FUZZ
@given(plan_dicts)
def test_any_mapping_is_a_plan_or_a_plan_error(data):
    plan = parse_or_plan_error(lambda: Plan.from_dict(data))
    if plan is not None:
        check_valid_plan(plan)


@FUZZ
@given(plan_dicts)
def test_any_yaml_document_is_a_plan_or_a_plan_error(data):
    text = yaml.safe_dump(data, allow_unicode=True)
    plan = parse_or_plan_error(lambda: plan_from_yaml(text))
    if plan is not None:
        check_valid_plan(plan)


@FUZZ
@given(st.one_of(st.text(), st.lists(st.sampled_from(["phases:", "\n- ", "{", "}", "[", "]", ": ", "lr", "epochs",
                                                      "!!python/object:os.system", "&a ", "*a", "'", "\t", "1e9",
                                                      "train: [head]", "\n  ", ",", "null", "~"]),
                                     max_size=30).map("".join)))
def test_any_text_is_a_plan_or_a_plan_error(text):
    plan = parse_or_plan_error(lambda: plan_from_yaml(text))
    if plan is not None:
        check_valid_plan(plan)


def test_the_fuzz_reaches_valid_plans():
    """Guard against a generator that only ever produces errors: a typical valid document parses."""
    plan = plan_from_yaml("phases:\n- {name: probe, epochs: 2, train: [head], lr: 0.01}\n- {train: [top:2, head]}\n")
    check_valid_plan(plan)
    assert [p.epochs for p in plan.phases] == [2, 10]
