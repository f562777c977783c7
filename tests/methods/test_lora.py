"""LoRA through PEFT: base weights never move while adapters train, and the merged network equals the adapted one."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from peft.tuners.lora import LoraLayer

from transferkit import adapt
from transferkit.api import load_model
from transferkit.engine import make_accelerator, prepare_network
from transferkit.engine.inputs import ImageInputs
from transferkit.engine.phase_exec import PhaseExecution, RunContext
from transferkit.methods import LowRankAdapters, adapter_targets
from transferkit.plans import build_plan

from support.phase_states import small_eval, state_of


@pytest.fixture(scope="module")
def backbone(tiny_model_dir):
    return load_model(str(tiny_model_dir))


def test_base_weights_stay_bit_identical_while_adapters_train(backbone, tiny_digits):
    data = small_eval(tiny_digits)
    plan = build_plan("lora:r=2,alpha=4,epochs=2,lr=0.01")
    (rp,) = plan.resolve(backbone.stage_names)
    net = prepare_network(plan, backbone, len(data.classes), seed=0)
    original = state_of(net)
    accelerator = make_accelerator("cpu")
    model = accelerator.prepare_model(net.model)
    execution = PhaseExecution(rp, RunContext(ImageInputs(net, model, data, accelerator), reference=dict(original),
                                              seed=0))
    execution.setup()
    for epoch in range(2):
        execution.run_epoch(epoch)
    during = state_of(net)
    base = {k: v for k, v in during.items() if "lora_" not in k}
    assert any(".base_layer." in k for k in base)
    for key, value in base.items():
        plain = key.replace(".base_layer.", ".")
        if not plain.startswith("fc."):
            assert torch.equal(value, original[plain]), key  # weights and batch-norm statistics
    assert any(float(v.abs().max()) > 0 for k, v in during.items() if "lora_B" in k)  # the adapters did train

    images = net.preprocessing.normalize(data.val.images)
    model.eval()
    with torch.no_grad():
        adapted = model(images)
    record = execution.finish()
    assert not any(isinstance(m, LoraLayer) for m in net.model.modules())
    with torch.no_grad():
        merged = model(images)
    assert torch.allclose(merged, adapted, atol=1e-5, rtol=0)
    assert record.extras["adapter_applied"]["merge_max_abs_diff"] <= 1e-5
    assert set(state_of(net)) == set(original)


def test_merged_update_of_each_adapted_layer_has_rank_at_most_r(backbone, tiny_digits, tmp_path):
    r = 2
    run = adapt(backbone, small_eval(tiny_digits), f"lora:r={r},stages=stage3+stage4,epochs=2,lr=0.01",
                out=tmp_path / "run", progress=False)
    before, after = state_of(backbone), state_of(run.backbone)
    targets = adapter_targets(backbone, ["stage3", "stage4"])
    assert targets
    for layer in targets:
        delta = (after[f"{layer}.weight"] - before[f"{layer}.weight"]).flatten(1).double()
        assert 0 < torch.linalg.matrix_rank(delta, rtol=1e-6) <= r, layer
    untouched = [k for k in before if not k.startswith("fc.") and k.rpartition(".")[0] not in targets]
    assert untouched and all(torch.equal(before[k], after[k]) for k in untouched)

    phase = run.record["plan"]["phases"][0]
    assert phase["adapter_applied"]["layers"] == len(targets) and phase["adapter_applied"]["merged"]
    assert all("lora_" in n or n.startswith("fc.") for n in phase["trainable_tensors"]["names"])
    assert phase["trainable_tensors"]["per_stage"].keys() == {"stage3", "stage4", "head"}

    again = load_model(str(run.dir))  # a plain network: no PEFT layers, same outputs
    assert not any(isinstance(m, LoraLayer) for m in again.model.modules())
    images = again.preprocessing.normalize(tiny_digits.test.images[:64])
    with torch.no_grad():
        np.testing.assert_array_equal(again.model.eval()(images).numpy(), run.backbone.model.eval()(images).numpy())


def test_adapters_need_adaptable_layers_in_trained_stages(backbone):
    net = backbone.clone()
    from transferkit.errors import PlanError

    with pytest.raises(PlanError, match="trains none"):
        LowRankAdapters.attach(net, [])
    adapters = LowRankAdapters.attach(net, ["stage4"], r=2, alpha=2)
    assert {s for s in adapters.targets.values()} == {"stage4"}
    assert all(net.stage_of_param(n) == "stage4" for n, _ in net.model.named_parameters() if "lora_" in n)
    adapters.merge()
    assert [n for n, _ in net.model.named_parameters()] == [n for n, _ in backbone.model.named_parameters()]
