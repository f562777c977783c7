"""Each recipe's defining property, read from the weights between phases (not from flags)."""

from __future__ import annotations

import pytest
import torch

from transferkit.api import load_model
from transferkit.engine.phase_setup.schedules import lr_factor
from transferkit.engine.phase_setup.trainable import norm_param_names
from transferkit.plans import build_plan

from support.phase_states import changed, key_stages, phase_states, small_eval, stages_changed

BODY = ["stem", "stage1", "stage2", "stage3", "stage4"]


class Tiny:
    """The tiny backbone and data, with each plan's per-phase states computed once per module."""

    def __init__(self, backbone, data):
        self.backbone, self.data = backbone, data
        self.stage_of = key_stages(backbone)
        self.params = {n for n, _ in backbone.model.named_parameters()}
        self._runs: dict[str, tuple] = {}

    def __iter__(self):
        return iter((self.backbone, self.data, self.stage_of, self.params))

    def run(self, spec: str):
        if spec not in self._runs:
            self._runs[spec] = phase_states(build_plan(spec), self.backbone, self.data)
        return self._runs[spec]


@pytest.fixture(scope="module")
def tiny(tiny_model_dir, tiny_digits):
    return Tiny(load_model(str(tiny_model_dir)), small_eval(tiny_digits))


def test_lp_ft_probes_the_head_then_changes_every_stage(tiny):
    backbone, data, stage_of, params = tiny
    states, _ = tiny.run("lp-ft:probe_epochs=1,epochs=1")
    assert stages_changed(states[0], states[1], stage_of, params) == {"head"}
    assert not changed(states[0], states[1], [k for k in stage_of if stage_of[k] != "head"])  # BN statistics too
    assert stages_changed(states[1], states[2], stage_of, params) == set(BODY) | {"head"}


def test_gradual_unfreezes_one_more_stage_per_phase_top_down(tiny):
    backbone, data, stage_of, params = tiny
    states, _ = tiny.run("gradual:stages=3,epochs_per_phase=1")
    assert len(states) == 5
    for k in range(4):  # phase k+1 trains the head and the top k stages
        expected = {"head", *BODY[len(BODY) - k :]}
        assert stages_changed(states[k], states[k + 1], stage_of, params) == expected, k
        untouched = [key for key, stage in stage_of.items() if stage not in expected]
        assert not changed(states[k], states[k + 1], untouched), k


def test_bitfit_changes_only_biases_and_the_head(tiny):
    backbone, data, stage_of, params = tiny
    states, _ = tiny.run("bitfit:epochs=1")
    moved = changed(states[0], states[1], params)
    body_moved = {k for k in moved if stage_of[k] != "head"}
    assert body_moved and all(k.endswith(".bias") for k in body_moved)
    assert {k for k in params if stage_of[k] == "head"} <= moved
    assert not changed(states[0], states[1], [k for k in params if stage_of[k] != "head" and not k.endswith("bias")])


def test_norm_only_changes_only_normalization_affine_parameters_and_the_head(tiny):
    backbone, data, stage_of, params = tiny
    norms = norm_param_names(backbone.model)
    states, _ = tiny.run("norm-only:epochs=1")
    moved = changed(states[0], states[1], params)
    body_moved = {k for k in moved if stage_of[k] != "head"}
    assert body_moved and body_moved <= norms
    assert any(k.endswith(".weight") for k in body_moved)  # scales, not only shifts
    assert not changed(states[0], states[1], [k for k in params if stage_of[k] != "head" and k not in norms])


def test_surgical_changes_only_the_named_stages_and_the_head(tiny):
    backbone, data, stage_of, params = tiny
    states, _ = tiny.run("surgical:stages=stem+stage2,epochs=1")
    assert stages_changed(states[0], states[1], stage_of, params) == {"stem", "stage2", "head"}
    frozen = [k for k, s in stage_of.items() if s in ("stage1", "stage3", "stage4")]
    assert not changed(states[0], states[1], frozen)


def test_keras_guide_leaves_every_batch_norm_statistic_bit_identical(tiny):
    backbone, data, stage_of, params = tiny
    states, result = tiny.run("keras-guide:epochs=1,fine_tune_epochs=1,fine_tune_lr=0.001")
    statistics = [k for k in stage_of if k not in params]
    assert any("running_var" in k for k in statistics) and any("num_batches_tracked" in k for k in statistics)
    assert not changed(states[0], states[2], statistics)
    assert stages_changed(states[0], states[1], stage_of, params) == {"head"}
    assert stages_changed(states[1], states[2], stage_of, params) == set(BODY) | {"head"}
    for phase in result.phases:
        assert set(phase.bn_applied.values()) == {"frozen"}


def test_fastai_first_trains_normalization_layers_and_head_then_everything(tiny):
    backbone, data, stage_of, params = tiny
    norms = norm_param_names(backbone.model)
    states, _ = tiny.run("fastai:epochs=1,bn=train")  # fastai's published train_bn
    first = changed(states[0], states[1], params)
    assert {k for k in first if stage_of[k] != "head"} <= norms
    assert stages_changed(states[0], states[1], stage_of, params) == set(BODY) | {"head"}
    statistics = [k for k in stage_of if "running_mean" in k]
    assert changed(states[0], states[1], statistics)  # batch norm statistics update in the frozen epoch
    second = changed(states[1], states[2], params)
    assert second - norms - {k for k in params if stage_of[k] == "head"}  # convolutions train only now


# A stage frozen in a phase (not trainable, batch norm frozen) must come out of that phase bit-identical.
FREEZING = [
    "linear-probe:epochs=1",
    "partial:k=2,epochs=1",
    "lp-ft:probe_epochs=1,epochs=1",
    "gradual:stages=3,epochs_per_phase=1",
    "surgical:stages=stem+stage2,epochs=1",
    "keras-guide:epochs=1,fine_tune_epochs=1,fine_tune_lr=0.001",
    "lora:stages=stage3+stage4,epochs=1",
]


@pytest.mark.parametrize("spec", FREEZING)
def test_frozen_stages_are_bit_identical_under_every_preset_that_freezes_them(spec, tiny):
    backbone, data, stage_of, _ = tiny
    plan = build_plan(spec)
    states, _ = tiny.run(spec)
    checked = 0
    for k, resolved in enumerate(plan.resolve(backbone.stage_names)):
        frozen = {s.stage for s in resolved.stages if not s.trainable and s.bn == "frozen"}
        keys = [key for key, stage in stage_of.items() if stage in frozen]
        assert not changed(states[k], states[k + 1], keys), (k, sorted(changed(states[k], states[k + 1], keys)))
        checked += len(keys)
    assert checked > 0


def test_layer_decay_rates_follow_decay_to_the_depth_as_recorded(tiny):
    backbone, data, _, _ = tiny
    _, result = tiny.run("layer-decay:decay=0.5,epochs=2,lr=0.01")
    (phase,) = result.phases
    assert {s: v["lr"] for s, v in phase.stages.items()} == {
        s: 0.01 * 0.5 ** (5 - i) for i, s in enumerate([*BODY, "head"])
    }
    steps = 2  # 50 images, batch size 32
    for epoch in result.history:
        factor = lr_factor("cosine", epoch.epoch * steps, 2 * steps, 0.1)
        for i, stage in enumerate([*BODY, "head"]):
            for name in (stage, f"{stage} (no decay)"):
                if name in epoch.lr:
                    assert epoch.lr[name]["start"] == pytest.approx(0.01 * factor * 0.5 ** (5 - i), rel=1e-9)


def test_discriminative_rates_spread_geometrically_from_stem_to_head(tiny):
    backbone, data, _, _ = tiny
    _, result = tiny.run("discriminative:ratio=100,epochs=1,lr=0.01")
    rates = [result.phases[0].stages[s]["lr"] for s in [*BODY, "head"]]
    assert rates[0] == pytest.approx(1e-4) and rates[-1] == pytest.approx(0.01)
    ratios = [b / a for a, b in zip(rates, rates[1:])]
    assert ratios == pytest.approx([100 ** (1 / 5)] * 5)


def test_auto_rgn_multipliers_lie_in_zero_one_with_maximum_one_every_epoch(tiny):
    backbone, data, _, params = tiny
    _, result = tiny.run("auto-rgn:epochs=2,lr=0.01")
    (phase,) = result.phases
    history = phase.extras["auto_rgn"]
    assert [h["epoch"] for h in history] == [0, 1]
    for h in history:
        values = list(h["multipliers"].values())
        assert set(h["multipliers"]) == params and h["images"] == len(data.train)
        assert all(0.0 <= m <= 1.0 for m in values) and max(values) == 1.0
        assert min(values) < 0.5  # the rates really differ between tensors
    assert history[0]["multipliers"] != history[1]["multipliers"]  # recomputed each epoch
    steps = 2
    for epoch, h in zip(result.history, history):  # applied rate = stage rate x schedule x multiplier
        factor = lr_factor("cosine", epoch.epoch * steps, 2 * steps, 0.1)
        for name, m in h["multipliers"].items():
            assert epoch.lr[name]["start"] == pytest.approx(0.01 * factor * m, rel=1e-9, abs=1e-15)


def test_l2sp_penalty_is_zero_at_the_start_and_grows_as_weights_move(tiny):
    backbone, data, stage_of, params = tiny
    states, result = tiny.run("l2sp:alpha=0.1,beta=0.01,epochs=3,lr=0.01")
    values = result.phases[0].extras["regularizer_values"]
    assert values["phase_start"]["l2sp"]["anchor"] == 0.0
    anchors = [e["l2sp"]["anchor"] for e in values["epoch_end"]]
    assert 0 < anchors[0] < anchors[1] < anchors[2]
    moved = sum(float((states[1][k] - states[0][k]).pow(2).sum()) for k in params if stage_of[k] != "head")
    assert anchors[-1] == pytest.approx(0.5 * 0.1 * moved, rel=1e-4)
    head = sum(float(states[1][k].pow(2).sum()) for k in params if stage_of[k] == "head")
    assert values["epoch_end"][-1]["l2sp"]["head"] == pytest.approx(0.5 * 0.01 * head, rel=1e-4)
