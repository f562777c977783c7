"""Every adaptation recipe runs unchanged on a real pretrained text encoder (all-MiniLM-L6-v2) and real text."""

from __future__ import annotations

import pytest

from transferkit import adapt
from transferkit.errors import PlanError
from transferkit.plans import plan_from_yaml

PRESETS = ["linear-probe", "partial:k=2", "full", "lp-ft:probe_epochs=1", "gradual:stages=2,epochs_per_phase=1",
           "layer-decay", "discriminative", "bitfit", "lora:r=2", "l2sp", "surgical:stages=stage3"]
USER_PLAN = """
phases:
  - {name: head, epochs: 1, train: [head], lr: 0.01}
  - {name: top two layers, epochs: 1, train: ["top:2"], lr: 0.0005}
"""


@pytest.mark.integration
def test_every_preset_and_a_plan_file_train_minilm_on_real_text(minilm_32, text_splits):
    start = {n: p.detach().clone() for n, p in minilm_32.model.named_parameters()}
    terms = {}
    for strategy in [*PRESETS, plan_from_yaml(USER_PLAN)]:
        name = strategy if isinstance(strategy, str) else "plan file"
        budget = {} if name.startswith("gradual") or name == "plan file" else {"epochs": 1}  # these: 1 per phase
        run = adapt(minilm_32.clone(), text_splits, strategy, seed=0, keep="last", progress=False, **budget)
        terms[name] = run.record["term"]
        assert run.record["metrics"]["test"]["images"] == 9, name
        after = dict(run.backbone.model.named_parameters())
        moved = {n for n, p in start.items() if not p.equal(after[n].detach())}
        stem_moved = any(n.startswith("encoder.embeddings.") for n in moved)
        # the stem (embeddings) trains in the plans that train every stage; LoRA adapts linear layers, and the
        # embeddings have none
        assert stem_moved == (name in ("full", "layer-decay", "discriminative", "bitfit", "l2sp",
                                       "lp-ft:probe_epochs=1")), name
        if name == "bitfit":  # only biases below the head
            assert all(n.endswith("bias") or n.startswith("head.") for n in moved)
        top_moved = any(n.startswith("encoder.encoder.layer.5.") for n in moved)
        assert top_moved == (name not in ("linear-probe", "surgical:stages=stage3")), name
        assert moved & {n for n in start if n.startswith("head.")}, name
        assert "batch norm" not in run.record["term"] and "batch norm" not in run.description, name
    assert terms["lp-ft:probe_epochs=1"] == "LP-FT (linear probing, then full fine-tuning)"
    assert terms["bitfit"] == "BitFit (bias-only fine-tuning)"
    assert terms["layer-decay"] == "full fine-tuning with layer-wise learning-rate decay"
    assert terms["plan file"].startswith("multi-phase fine-tuning: linear probing")
    assert terms["surgical:stages=stage3"] == "surgical fine-tuning of stage3 and the head"


@pytest.mark.parametrize("setting", ["bn=train", "bn=adapt"])
def test_a_batch_norm_setting_on_a_transformer_is_refused_in_one_line(minilm_32, text_splits, setting):
    with pytest.raises(PlanError, match="no batch-norm layers") as caught:
        adapt(minilm_32.clone(), text_splits, f"full:{setting}", epochs=1, progress=False)
    assert "\n" not in str(caught.value)
