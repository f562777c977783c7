"""Training from cached activations: same weights as the uncached path, the trunk runs once, honest records."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from transferkit import adapt
from transferkit.api import load_model
from transferkit.engine.feature_cache.feature_store import MEMORY_STORES
from transferkit.models import Backbone, discover_stages
from transferkit.plans import Phase, Plan


pytestmark = pytest.mark.usefixtures("fresh_feature_cache")


def cache_records(run) -> list[dict]:
    return [phase["feature_cache"] for phase in run.record["plan"]["phases"]]


def assert_same_state(a: Backbone, b: Backbone, atol: float = 1e-5) -> None:
    sa, sb = a.model.state_dict(), b.model.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        torch.testing.assert_close(sa[key].float(), sb[key].float(), rtol=0, atol=atol, msg=key)


def count_stem_images(backbone: Backbone) -> list[int]:
    """Images through the stem's first layer, counted by a hook that the run's copy of the network keeps."""
    seen = [0]
    first = backbone.stages[0].params[0].rpartition(".")[0]

    def count(_module, args, _out):
        seen[0] += len(args[0])

    backbone.model.get_submodule(first).register_forward_hook(count)
    return seen


def test_cached_linear_probe_matches_uncached_and_runs_the_trunk_once(tiny_model_dir, tiny_digits):
    backbone = load_model(str(tiny_model_dir))
    seen = count_stem_images(backbone)
    cached = adapt(backbone, tiny_digits, "linear-probe:fit=sgd", epochs=3, progress=False)
    cached_images, seen[0] = seen[0], 0
    plain = adapt(backbone, tiny_digits, "linear-probe:fit=sgd", epochs=3, cache="off", progress=False)

    head = cached.backbone.stages[-1].params
    cached_head, plain_head = (dict(r.backbone.model.named_parameters()) for r in (cached, plain))
    for name in head:
        torch.testing.assert_close(cached_head[name], plain_head[name], rtol=0, atol=1e-5)
    assert cached.metrics == plain.metrics
    assert [e["val_accuracy"] for e in cached.record["history"]] == [e["val_accuracy"] for e in plain.record["history"]]

    record = cache_records(cached)[0]
    assert record["used"] and record["boundary"] == "pre-logits" and record["views"] == 1
    assert cache_records(plain)[0] == {"used": False, "reason": "--cache off"}
    # the frozen trunk saw each image once (plus a handful for the equivalence check), not once per epoch
    everything = sum(len(getattr(tiny_digits, s)) for s in ("train", "val", "test"))
    assert everything <= cached_images < everything + len(tiny_digits.train)
    assert seen[0] > everything + 2 * len(tiny_digits.train)


def test_cached_top_stage_fine_tune_matches_uncached(tiny_model_dir, tiny_digits):
    backbone = load_model(str(tiny_model_dir))
    cached = adapt(backbone, tiny_digits, "partial:k=1", epochs=2, progress=False)
    plain = adapt(backbone, tiny_digits, "partial:k=1", epochs=2, cache="off", progress=False)
    record = cache_records(cached)[0]
    assert record["used"] and record["boundary"] == "before stage4"
    assert record["trunk_stages"] == ["stem", "stage1", "stage2", "stage3"]
    assert_same_state(cached.backbone, plain.backbone)
    after = cached.backbone.model.state_dict()
    changed = [k for k, v in backbone.model.state_dict().items() if not torch.equal(v, after[k])]
    assert any(k.startswith("layer4.") for k in changed)  # the top stage did train from the cache


def test_multi_phase_plan_reuses_the_cache_where_it_applies(tiny_model_dir, tiny_digits):
    plan = Plan(phases=[
        Phase(name="probe", epochs=1, train=["head"], lr=1e-2),
        Phase(name="probe again", epochs=1, train=["head"], lr=1e-3),
        Phase(name="top", epochs=1, train=["top:1", "head"], lr=1e-3),
        Phase(name="all", epochs=1, train=["all"], lr=1e-4),
    ], strategy="custom")
    backbone = load_model(str(tiny_model_dir))
    cached = adapt(backbone, tiny_digits, plan, progress=False)
    plain = adapt(backbone, tiny_digits, plan, cache="off", progress=False)
    records = cache_records(cached)
    assert [r.get("boundary") for r in records] == ["pre-logits", "pre-logits", "before stage4", None]
    assert [r.get("reused") for r in records[:3]] == [False, True, False]
    assert records[0]["key"] == records[1]["key"] != records[2]["key"]
    assert "stem trains" in records[3]["reason"]
    assert_same_state(cached.backbone, plain.backbone)


def test_batch_norm_that_trains_below_the_boundary_prevents_the_cache(tiny_model_dir, tiny_digits):
    plan = Plan(phases=[Phase(name="bn", epochs=1, train=["head"], bn={"stage1": "train"})])
    run = adapt(str(tiny_model_dir), tiny_digits, plan, progress=False)
    assert cache_records(run)[0] == {"used": False, "reason": "stage1 batch norm trains"}


def test_adapted_batch_norm_is_cached_after_reestimation(tiny_model_dir, tiny_digits):
    plan = Plan(phases=[Phase(name="adabn", epochs=2, train=["head"], bn={"stem": "adapt", "stage2": "adapt"})])
    backbone = load_model(str(tiny_model_dir))
    cached = adapt(backbone, tiny_digits, plan, progress=False)
    plain = adapt(backbone, tiny_digits, plan, cache="off", progress=False)
    assert cache_records(cached)[0]["used"]
    assert_same_state(cached.backbone, plain.backbone)
    stem_mean = next(k for k in backbone.model.state_dict() if k.startswith("bn1.") and k.endswith("running_mean"))
    assert not torch.equal(cached.backbone.model.state_dict()[stem_mean], backbone.model.state_dict()[stem_mean])


def test_active_dropout_before_the_head_moves_the_boundary(tiny_model_dir, tiny_digits):
    backbone = load_model(str(tiny_model_dir))
    backbone.model.drop_rate = 0.5  # timm applies it between pooling and the classifier while training
    cached = adapt(backbone, tiny_digits, "linear-probe:fit=sgd", epochs=2, progress=False)
    plain = adapt(backbone, tiny_digits, "linear-probe:fit=sgd", epochs=2, cache="off", progress=False)
    record = cache_records(cached)[0]
    assert record["used"] and record["boundary"] == "before head"
    assert_same_state(cached.backbone, plain.backbone)


class TwoBranch(nn.Module):
    """A network whose forward is not a plain sequence of its stages."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.body = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        a = torch.relu(self.stem(x))
        b = torch.relu(self.body(a))
        return self.fc(torch.cat([a.mean((2, 3)), b.mean((2, 3))], 1))


def test_unsplittable_backbone_falls_back_and_records_why(tiny_digits):
    torch.manual_seed(0)
    model = TwoBranch()
    backbone = Backbone(model, {"library": "module", "name": "two_branch", "kwargs": {}},
                        discover_stages(model, "module", "two_branch"))
    top = adapt(backbone, tiny_digits, Plan(phases=[Phase(name="top", epochs=1, train=["stage1", "head"])]),
                progress=False)
    record = cache_records(top)[0]
    assert not record["used"] and "does not split into stages" in record["reason"]
    probe = adapt(backbone, tiny_digits, Plan(phases=[Phase(name="probe", epochs=1, train=["head"])]), progress=False)
    assert cache_records(probe)[0]["boundary"] == "pre-logits"


def test_augmented_views_are_cached_and_drawn_deterministically(tiny_model_dir, tiny_digits, tmp_path):
    plan = Plan(phases=[Phase(name="probe", epochs=3, train=["head"], lr=1e-2, augment="light")])
    backbone = load_model(str(tiny_model_dir))
    runs = [adapt(backbone, tiny_digits, plan, cache_views=3, cache_mem="0", progress=False, seed=1) for _ in range(2)]
    record = cache_records(runs[0])[0]
    n, dim = len(tiny_digits.train), backbone.feature_dim
    assert record["views"] == 3 and record["storage"] == "disk" and record["shape"]["train"] == [3, n, dim]
    assert cache_records(runs[1])[0]["reused"]
    assert_same_state(runs[0].backbone, runs[1].backbone, atol=0)
    views = torch.from_numpy(np.load(f"{record['path']}/train.npy"))
    assert not torch.allclose(views[0], views[1]) and not torch.allclose(views[1], views[2])
    one_view = adapt(backbone, tiny_digits, plan, cache_views=1, progress=False, seed=1)
    assert cache_records(one_view)[0]["shape"]["train"] == [1, n, dim]
    with pytest.raises(AssertionError):
        assert_same_state(runs[0].backbone, one_view.backbone)


def test_run_json_records_the_cache_per_phase(tiny_model_dir, tiny_digits, tmp_path):
    adapt(str(tiny_model_dir), tiny_digits, "partial:k=1", epochs=1, out=tmp_path / "run", progress=False)
    phase = json.loads((tmp_path / "run" / "run.json").read_text())["plan"]["phases"][0]
    record = phase["feature_cache"]
    assert record["used"] is True and record["boundary"] == "before stage4" and record["storage"] == "memory"
    assert record["build_seconds"] >= 0 and record["views"] == 1 and len(record["key"]) == 32
    shapes = record["shape"]
    assert shapes["train"][:2] == [1, len(tiny_digits.train)] and shapes["test"][0] == len(tiny_digits.test)
    elements = sum(torch.Size(s).numel() for s in shapes.values())
    assert record["bytes"] == 4 * elements


@pytest.mark.parametrize("augment", ["light", "standard"])
def test_a_process_that_starts_inside_a_split_augments_as_one_that_started_at_its_first_image(augment):
    from transferkit.data import make_augmentation
    from transferkit.engine.feature_cache.trunk_pass import replay_draws

    images = torch.randint(0, 256, (12, 3, 16, 16), dtype=torch.uint8)
    transform = make_augmentation(augment, (16, 16), flip=True)
    torch.manual_seed(5)
    whole = [transform(image) for image in images]
    torch.manual_seed(5)
    replay_draws(transform, images, 7)  # the draws of images 0 to 6, on blank images
    assert all(torch.equal(transform(images[i]), whole[i]) for i in range(7, 12))
