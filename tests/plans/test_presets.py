"""The recipe presets as plans: what each phase trains, their terms, and one-line errors for bad options."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from transferkit import describe
from transferkit.cli import app
from transferkit.errors import PlanError
from transferkit.plans import build_plan, list_strategies, plan_from_yaml, plan_term

from support.assertions import assert_cli_error, assert_one_line_error

STAGES = ["stem", "stage1", "stage2", "stage3", "stage4", "head"]
RECIPES = ["lp-ft", "gradual", "layer-decay", "discriminative", "surgical", "auto-rgn", "bitfit", "norm-only", "lora",
           "l2sp", "keras-guide", "fastai"]


def trained(spec: str) -> list[list[str]]:
    return [p.trainable_stages for p in build_plan(spec).resolve(STAGES)]


def test_every_recipe_is_registered_with_a_summary_and_a_source():
    infos = {i.name: i for i in list_strategies()}
    for name in RECIPES:
        assert infos[name].summary and infos[name].reference, name


@pytest.mark.parametrize(
    "spec, stages",
    [
        ("lp-ft", [["head"], STAGES]),
        ("gradual:stages=3", [["head"], ["stage4", "head"], ["stage3", "stage4", "head"],
                              ["stage2", "stage3", "stage4", "head"]]),
        ("surgical:stages=stem+stage1", [["stem", "stage1", "head"]]),
        ("surgical:stages=stage2,head=false", [["stage2"]]),
        ("lora:stages=stage3+stage4", [["stage3", "stage4", "head"]]),
        ("keras-guide", [["head"], STAGES]),
        ("fastai", [STAGES, STAGES]),
    ],
)
def test_presets_resolve_to_the_stages_their_recipe_trains(spec, stages):
    assert trained(spec) == stages


def test_batch_norm_policies_of_the_library_recipes():
    keras = build_plan("keras-guide").resolve(STAGES)
    assert all(s.bn == "frozen" for p in keras for s in p.stages)
    fastai = build_plan("fastai").resolve(STAGES)
    assert fastai[0].phase.params == "norm" and all(s.bn == "frozen" for s in fastai[0].stages)
    published = build_plan("fastai:bn=train").resolve(STAGES)  # fastai's own train_bn updates the statistics
    assert all(s.bn == "train" for p in published for s in p.stages)
    assert fastai[1].phase.lr_spread == 100 and fastai[1].phase.lr == pytest.approx(1e-3)
    assert [p.phase.schedule for p in fastai] == ["onecycle", "onecycle"]


@pytest.mark.parametrize(
    "spec, term",
    [
        ("lp-ft", "LP-FT (linear probing, then full fine-tuning with batch norm in inference mode)"),
        ("lp-ft:bn=auto", "LP-FT (linear probing, then full fine-tuning)"),
        ("gradual", "gradual unfreezing over 5 phases (top down)"),
        ("layer-decay", "full fine-tuning with layer-wise learning-rate decay and batch norm in inference mode"),
        ("discriminative", "full fine-tuning with discriminative learning rates and batch norm in inference mode"),
        ("surgical:stages=stem+stage1", "surgical fine-tuning of stem and stage1 and the head with batch-norm statistics of "
                                        "stem and stage1 re-estimated on the target"),
        ("auto-rgn", "full fine-tuning with Auto-RGN learning rates and batch norm in inference mode"),
        ("bitfit", "BitFit (bias-only fine-tuning) with batch norm in inference mode"),
        ("norm-only", "normalization-layer fine-tuning with batch norm in inference mode"),
        ("lora", "LoRA (low-rank adaptation) with batch norm in inference mode"),
        ("lora:stages=stage3+stage4", "LoRA (low-rank adaptation) of the top 2 of 4 stages with batch norm in inference mode"),
        ("l2sp", "full fine-tuning with L2-SP regularization and batch norm in inference mode"),
        ("keras-guide", "LP-FT (linear probing, then full fine-tuning with batch norm in inference mode)"),
        ("fastai", "multi-phase fine-tuning: normalization-layer fine-tuning with batch norm in inference mode, then "
                   "full fine-tuning with discriminative learning rates and batch norm in inference mode"),
        ("fastai:bn=train", "multi-phase fine-tuning: normalization-layer fine-tuning, then full fine-tuning with "
                            "discriminative learning rates"),
    ],
)
def test_terms_read_correctly_for_every_recipe(spec, term):
    assert plan_term(build_plan(spec), STAGES) == term


def test_multi_phase_descriptions_start_with_an_outline(tmp_path):
    path = tmp_path / "lpft.yaml"
    from transferkit.plans import save_plan

    save_plan(build_plan("lp-ft"), path)
    term, description = describe(str(path))
    assert term == "LP-FT (linear probing, then full fine-tuning with batch norm in inference mode)"
    assert description.startswith("LP-FT: linear probing (feature extraction) fitted by L-BFGS to convergence, "
                                  "then full fine-tuning with batch norm in inference mode for 10 epochs at learning "
                                  "rate 0.0001.")
    _, by_sgd = describe("lp-ft:fit=sgd")
    assert by_sgd.startswith("LP-FT: linear probing (feature extraction) for 10 epochs at learning rate 0.01, ")
    _, fastai = describe("fastai")
    assert "learning rates from 1e-05 (stem) to 0.001 (head)" in fastai and "(1 epoch)" in fastai


@pytest.mark.parametrize(
    "spec, words",
    [
        ("lora:rank=4", ["no option 'rank'", "'r'", "'alpha'", "'stages'"]),
        ("lora:r=0", ["'r'", "at least 1"]),
        ("lora:stages=head", ["below the head", "stage3+stage4"]),
        ("surgical:stages=stage1+head,head=false", ["head=false", "drop 'head'"]),
        ("surgical:stages=layer1", ["Unknown stage 'layer1'", "'stem', 'stage1'..'stageN'"]),
        ("layer-decay:decay=1.5", ["'decay'", "(0, 1]"]),
        ("discriminative:ratio=0.5", ["'ratio'", "at least 1"]),
        ("gradual:stages=0", ["'stages'", "at least 1"]),
        ("l2sp:alpha=-1", ["'alpha'", "at least 0"]),
        ("keras-guide:fine_tune_lr=0", ["'fine_tune_lr'", "greater than 0"]),
        ("fastai:freeze_epochs=0", ["'freeze_epochs'", "at least 1"]),
        ("lora:bn=sometimes", ["'bn'", "'frozen'", "'adapt'"]),
    ],
)
def test_bad_preset_options_get_one_line_that_lists_the_valid_choices(spec, words):
    assert_one_line_error(PlanError, lambda: build_plan(spec), *words)


@pytest.mark.parametrize(
    "spec, words",
    [
        ("surgical:stages=stage9", ["Unknown stage 'stage9'", "'stem', 'stage1', 'stage2', 'stage3', 'stage4', 'head'"]),
        ("gradual:stages=6", ["Phase 6 'unfreeze top 5'", "'gradual:stages=6' asks for the top 5 stages", "has 4 stages above the stem", "1 to 4"]),
        ("lora:stages=stage7", ["Unknown stage 'stage7'", "'stage4'"]),
    ],
)
def test_stages_the_backbone_lacks_get_one_line_that_lists_its_stages(spec, words):
    plan = build_plan(spec)
    assert_one_line_error(PlanError, lambda: plan.resolve(STAGES), *words)


@pytest.mark.parametrize(
    "text, words",
    [
        ("phases: [{name: a, params: lora, adapter: {r: 2}, regularizers: {l2sp: {alpha: 0.1}}}]", ["not both"]),
        ("phases: [{name: a, params: lora, adapter: {r: 2}, auto_rgn: true}]", ["not both"]),
        ("phases: [{name: a, params: all, adapter: {r: 2}}]", ["params: lora"]),
        ("phases: [{name: a, params: lora}]", ["'adapter'"]),
        ("phases: [{name: a, params: lora, adapter: {rank: 2}}]", ["'rank'", "['r', 'alpha', 'dropout']"]),
        ("phases: [{name: a, params: lora, adapter: {r: 1.5}}]", ["'adapter.r'", "whole number"]),
        ("phases: [{name: a, regularizers: {l2sp: {gamma: 1}}}]", ["'gamma'", "['alpha', 'beta']"]),
        ("phases: [{name: a, lr_decay: 0.5, lr_spread: 10}]", ["at most one"]),
    ],
)
def test_impossible_combinations_in_plan_files_get_one_line(text, words):
    assert_one_line_error(PlanError, lambda: plan_from_yaml(text), *words)


@pytest.mark.parametrize(
    "strategy, words",
    [
        ("lora:rank=4", "no option 'rank'"),
        ("surgical:stages=stage9", "Unknown stage 'stage9'"),
        ("surgical:stages=stage1+head,head=false", "head=false"),
        ("gradual:stages=6", "ask for 1 to 4"),
    ],
)
def test_cli_exits_2_with_one_line_for_bad_recipes(strategy, words, tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["adapt", "--model", str(tiny_model_dir), "--data", "digits", "--strategy",
                                      strategy, "--out", str(out), "--epochs", "7"])
    assert_cli_error(result, words)
    assert not out.exists()


@pytest.mark.parametrize("name", [s.name for s in list_strategies()])
def test_every_preset_takes_batch_size_and_augmentation_as_options(name):
    plan = build_plan(f"{name}:batch_size=8,augment=light")
    assert {(p.batch_size, p.augment) for p in plan.phases} == {(8, "light")}
    assert plan.options["batch_size"] == 8 and plan.options["augment"] == "light"
    assert_one_line_error(PlanError, lambda: build_plan(f"{name}:augment=heavy"), "'augment'", "light")
