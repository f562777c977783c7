"""The engine: exactly the planned parameters train, frozen stages stay bit-identical, records are honest."""

from __future__ import annotations

import math

import pytest
import torch

from transferkit import adapt
from transferkit.api import load_model
from transferkit.engine.phase_setup.schedules import lr_factor
from transferkit.plans import Phase, Plan


def _state(backbone) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in backbone.model.state_dict().items()}


def _stage_keys(backbone, stage: str) -> list[str]:
    """Parameters and buffers (BN running statistics) that belong to `stage`."""
    keys = []
    for key in backbone.model.state_dict():
        module = key.rpartition(".")[0]
        if key in dict(backbone.model.named_parameters()):
            if backbone.stage_of_param(key) == stage:
                keys.append(key)
        elif backbone.stage_of_module(module) == stage:
            keys.append(key)
    return keys


def test_frozen_stages_are_bit_identical_after_training(tiny_model_dir, tiny_digits):
    before = load_model(str(tiny_model_dir))
    original = _state(before)
    run = adapt(before, tiny_digits, "partial:k=1", epochs=2, progress=False)
    after = _state(run.backbone)
    frozen = ["stem", "stage1", "stage2", "stage3"]
    frozen_keys = [k for s in frozen for k in _stage_keys(before, s)]
    assert any("running_mean" in k for k in frozen_keys)  # batch-norm statistics are covered
    for key in frozen_keys:
        assert torch.equal(original[key], after[key]), key
    changed = [k for k in _stage_keys(before, "stage4") if not torch.equal(original[k], after[k])]
    assert changed, "the trainable top stage did not change"
    assert _state(before).keys() == original.keys() and all(torch.equal(original[k], v) for k, v in _state(before).items())


def test_bn_train_policy_updates_statistics_of_a_frozen_stage(tiny_model_dir, tiny_digits):
    before = load_model(str(tiny_model_dir))
    original = _state(before)
    plan = Plan(phases=[Phase(name="bn", epochs=1, train=["head"], bn={"stage1": "train"})])
    after = _state(adapt(before, tiny_digits, plan, progress=False).backbone)
    stage1 = _stage_keys(before, "stage1")
    params = [k for k in stage1 if k in dict(before.model.named_parameters())]
    stats = [k for k in stage1 if "running_mean" in k]
    assert all(torch.equal(original[k], after[k]) for k in params)
    assert any(not torch.equal(original[k], after[k]) for k in stats)


def test_adapt_policy_reestimates_statistics_then_freezes_them(tiny_model_dir, tiny_digits):
    before = load_model(str(tiny_model_dir))
    plan = Plan(phases=[Phase(name="adabn", epochs=1, train=["head"], bn={"stem": "adapt"})])
    run = adapt(before, tiny_digits, plan, progress=False)
    key = next(k for k in _stage_keys(before, "stem") if "running_mean" in k)
    bn_name = key.rpartition(".")[0]
    bn = before.model.get_submodule(bn_name)
    # recompute the statistic the policy should have produced: the mean of the stem BN input over the train set
    captured = []
    hook = bn.register_forward_hook(lambda m, args, out: captured.append(args[0]))
    before.model.eval()
    with torch.no_grad():
        before.model(before.preprocessing.normalize(tiny_digits.train.images))
    hook.remove()
    expected = captured[0].mean(dim=(0, 2, 3))
    assert torch.allclose(run.backbone.model.state_dict()[key], expected, atol=1e-4)
    assert run.record["plan"]["phases"][0]["bn_adapted_images"] == len(tiny_digits.train)


def test_trainable_counts_and_tensor_names_are_recorded(tiny_model_dir, tiny_digits):
    run = adapt(str(tiny_model_dir), tiny_digits, "linear-probe", epochs=1, progress=False)
    phase = run.record["plan"]["phases"][0]
    head = run.backbone.stages[-1].params
    assert phase["trainable_tensors"]["names"] == sorted(head)
    n_head = sum(dict(run.backbone.model.named_parameters())[p].numel() for p in head)
    assert phase["trainable_params"] == n_head
    assert phase["frozen_params"] == sum(p.numel() for p in run.backbone.model.parameters()) - n_head
    assert phase["trainable_stages"] == ["head"]


def test_standardized_probe_folds_into_a_plain_head(tiny_model_dir, tiny_digits):
    run = adapt(str(tiny_model_dir), tiny_digits, "linear-probe", epochs=2, progress=False)
    model = run.backbone.model.eval()
    with torch.no_grad():
        logits = model(run.backbone.preprocessing.normalize(tiny_digits.test.images))
    predicted = logits.argmax(1).numpy()
    assert (predicted == tiny_digits.test.labels.numpy()).mean() == pytest.approx(run.test_accuracy)
    assert not run.backbone.head_module()._forward_pre_hooks


def test_learning_rates_as_applied_follow_warmup_then_cosine(tiny_model_dir, tiny_digits):
    plan = Plan(phases=[Phase(name="p", epochs=4, train=["all"], lr=0.01, lr_decay=0.5, warmup=0.25)])
    run = adapt(str(tiny_model_dir), tiny_digits, plan, progress=False)
    applied = run.record["plan"]["phases"][0]["lr_applied"]
    steps_per_epoch = math.ceil(len(tiny_digits.train) / 32)
    total = 4 * steps_per_epoch
    for entry in applied:
        first_step = entry["epoch"] * steps_per_epoch
        head = entry["groups"]["head"]["start"]
        stem = entry["groups"]["stem"]["start"]
        assert head == pytest.approx(0.01 * lr_factor("cosine", first_step, total, 0.25))
        assert stem == pytest.approx(head * 0.5**5)


def test_same_seed_gives_identical_weights_and_metrics(tiny_model_dir, tiny_digits):
    runs = [adapt(str(tiny_model_dir), tiny_digits, "full", epochs=1, seed=3, progress=False) for _ in range(2)]
    a, b = (_state(r.backbone) for r in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert runs[0].metrics == runs[1].metrics
    other = adapt(str(tiny_model_dir), tiny_digits, "full", epochs=1, seed=4, progress=False)
    assert any(not torch.equal(a[k], v) for k, v in _state(other.backbone).items())


def test_scratch_starts_from_random_weights(tiny_model_dir, tiny_digits):
    pretrained = load_model(str(tiny_model_dir))
    run = adapt(pretrained, tiny_digits, "scratch", epochs=1, progress=False)
    assert run.record["plan"]["init"] == "random"
    assert run.term == "training from scratch (no transfer)"
    run_lp = adapt(pretrained, tiny_digits, "linear-probe:init=random", epochs=1, progress=False)
    stem = pretrained.stages[0].params[0]
    assert not torch.equal(dict(pretrained.model.named_parameters())[stem], dict(run_lp.backbone.model.named_parameters())[stem])
