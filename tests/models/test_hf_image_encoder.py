"""A ViT-style transformers image encoder through the hf family: a tiny randomly initialised ViT saved as a
transformers directory (no pretrained ViT installs offline) runs the image recipes on real handwritten digits."""

from __future__ import annotations

import json

import pytest
import torch

import transferkit as tk
from transferkit.errors import PlanError


@pytest.fixture(scope="module")
def tiny_vit(tmp_path_factory):
    from transformers import ViTConfig, ViTImageProcessor, ViTModel

    folder = tmp_path_factory.mktemp("vit") / "tiny-vit"
    torch.manual_seed(0)
    config = ViTConfig(image_size=16, patch_size=4, num_channels=3, hidden_size=32, num_hidden_layers=3,
                       num_attention_heads=2, intermediate_size=64)
    ViTModel(config).save_pretrained(folder)
    ViTImageProcessor(size={"height": 16, "width": 16}, image_mean=[0.5] * 3, image_std=[0.5] * 3).save_pretrained(folder)
    return folder


def test_a_vit_directory_has_embedding_layer_and_head_stages(tiny_vit):
    backbone = tk.load_model(f"hf:{tiny_vit}")
    assert backbone.stage_names == ["stem", "stage1", "stage2", "stage3", "head"]
    assert backbone.origin["stage_map"]["stage3"].endswith("layers.2") and backbone.origin["pooling"] == "cls"
    assert backbone.preprocessing.input_size == (3, 16, 16)
    # the final layer norm joins the last layer's stage; the embeddings (patch projection, CLS token) are the stem
    stage3 = backbone.stages[3].params
    assert any(p.startswith("encoder.layernorm.") for p in stage3)
    assert "encoder.embeddings.cls_token" in backbone.stages[0].params
    # a bare directory holding config.json is read by the same family
    assert tk.load_model(str(tiny_vit)).arch["library"] == "hf"


@pytest.mark.integration
def test_image_recipes_run_on_the_vit_and_record_it(tiny_vit, tmp_path):
    start = {n: p.detach().clone() for n, p in tk.load_model(f"hf:{tiny_vit}").model.named_parameters()}
    for strategy in ("linear-probe", "lp-ft:probe_epochs=1", "layer-decay", "lora:r=2"):
        run = tk.adapt(f"hf:{tiny_vit}", "digits", strategy, epochs=1, labels_per_class=5, batch_size=16,
                       keep="last", progress=False, out=tmp_path / strategy.split(":")[0])
        record = json.loads((run.dir / "run.json").read_text())
        assert record["source_model"]["weights"] == str(tiny_vit.resolve())
        assert "batch norm" not in record["term"]
        moved = {n for n, p in run.backbone.model.named_parameters() if n in start and not p.equal(start[n])}
        assert (strategy == "linear-probe") == all(n.startswith("head.") for n in moved), strategy
    loaded = tk.load(tmp_path / "lp-ft")
    assert loaded.backbone.arch["library"] == "hf" and len(loaded.classes) == 10
    with pytest.raises(PlanError, match="no batch-norm layers"):
        tk.adapt(f"hf:{tiny_vit}", "digits", "full:bn=adapt", epochs=1, labels_per_class=5, progress=False)
