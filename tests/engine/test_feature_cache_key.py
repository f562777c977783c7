"""A stale feature cache is never used: every input of the cached activations is in the key. Disk storage is
atomic and reused; bad cache options get one-line errors."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from typer.testing import CliRunner

from transferkit import adapt
from transferkit.api import load_model, load_target
from transferkit.cache import cache_dir
from transferkit.cli import app
from transferkit.data import DataSplits
from transferkit.settings import CacheSettings, parse_size
from transferkit.engine.feature_cache.cache_key import CachedActivations, feature_cache_key
from transferkit.engine.feature_cache.feature_store import MEMORY_STORES
from transferkit.errors import RunError

from support.assertions import assert_cli_error, assert_one_line_error

TRUNK = ("stem", "stage1", "stage2", "stage3")
NUMERICS = {"device": "cpu", "precision": "no"}


pytestmark = pytest.mark.usefixtures("fresh_feature_cache")


def key(backbone, data, **changes) -> str:
    parts = dict(backbone=backbone, boundary="before stage4", trunk_stages=TRUNK,
                 bn_policy={s: "frozen" for s in TRUNK}, augment="none", views=1, view_seed=None, data=data,
                 numerics=NUMERICS)
    return feature_cache_key(CachedActivations(**{**parts, **changes}))


def nudged(backbone, name: str):
    """A copy with one element of tensor `name` (parameter or buffer) changed by 1e-3."""
    other = backbone.clone()
    with torch.no_grad():
        other.model.state_dict()[name].view(-1)[0] += 1e-3
    return other


def test_key_changes_with_every_input_of_the_cached_activations(tiny_model_dir, tiny_digits):
    backbone = load_model(str(tiny_model_dir))
    base = key(backbone, tiny_digits)
    assert key(backbone.clone(), tiny_digits) == base  # a copy with equal weights may reuse it

    state = backbone.model.state_dict()
    trunk_weight = next(n for n in state if n.startswith("layer3.") and n.endswith("weight"))
    trunk_stats = next(n for n in state if n.startswith("layer2.") and n.endswith("running_var"))
    above = next(n for n in state if n.startswith("layer4.") and n.endswith("weight"))
    assert key(nudged(backbone, trunk_weight), tiny_digits) != base
    assert key(nudged(backbone, trunk_stats), tiny_digits) != base
    assert key(nudged(backbone, above), tiny_digits) == base  # stage4 and the head are not in this trunk
    assert key(nudged(backbone, above), tiny_digits, trunk_stages=(*TRUNK, "stage4")) != key(
        backbone, tiny_digits, trunk_stages=(*TRUNK, "stage4"))

    shifted = backbone.clone()
    shifted.preprocessing = dataclasses.replace(backbone.preprocessing, mean=(0.5, 0.5, 0.5))
    assert key(shifted, tiny_digits) != base

    train = tiny_digits.train
    pixels = train.images.clone()
    pixels[0, 0, 0, 0] ^= 1
    one_pixel = dataclasses.replace(tiny_digits, train=dataclasses.replace(train, images=pixels))
    assert isinstance(one_pixel, DataSplits) and key(backbone, one_pixel) != base
    other_split = load_target("digits", backbone.preprocessing, labels_per_class=5, seed=1, progress=False)
    assert key(backbone, other_split) != base

    assert key(backbone, tiny_digits, boundary="pre-logits") != base
    assert key(backbone, tiny_digits, augment="light", views=1, view_seed=0) != base
    assert key(backbone, tiny_digits, augment="light", views=2, view_seed=0) != key(
        backbone, tiny_digits, augment="light", views=1, view_seed=0)
    assert key(backbone, tiny_digits, bn_policy={**{s: "frozen" for s in TRUNK}, "stem": "adapt"}) != base
    assert key(backbone, tiny_digits, numerics={**NUMERICS, "precision": "bf16"}) != base


def test_a_changed_trunk_never_reuses_an_old_cache(tiny_model_dir, tiny_digits):
    backbone = load_model(str(tiny_model_dir))
    first = adapt(backbone, tiny_digits, "partial:k=1", epochs=1, progress=False)
    again = adapt(backbone, tiny_digits, "partial:k=1", epochs=1, progress=False)
    a, b = (r.record["plan"]["phases"][0]["feature_cache"] for r in (first, again))
    assert not a["reused"] and b["reused"] and a["key"] == b["key"]

    changed = nudged(backbone, "layer1.0.conv1.weight")
    fresh = adapt(changed, tiny_digits, "partial:k=1", epochs=1, progress=False)
    uncached = adapt(changed, tiny_digits, "partial:k=1", epochs=1, cache="off", progress=False)
    c = fresh.record["plan"]["phases"][0]["feature_cache"]
    assert not c["reused"] and c["key"] != a["key"]
    fresh_state, plain_state = fresh.backbone.model.state_dict(), uncached.backbone.model.state_dict()
    for name, value in fresh_state.items():
        torch.testing.assert_close(value.float(), plain_state[name].float(), rtol=0, atol=1e-5)


def test_disk_cache_is_complete_memory_mapped_and_reused(tiny_model_dir, tiny_digits):
    backbone = load_model(str(tiny_model_dir))
    in_memory = adapt(backbone, tiny_digits, "linear-probe", epochs=2, progress=False)
    MEMORY_STORES.clear()
    on_disk = adapt(backbone, tiny_digits, "linear-probe", epochs=2, cache_mem="0", progress=False)
    record = on_disk.record["plan"]["phases"][0]["feature_cache"]
    folder = cache_dir() / "features" / record["key"]
    assert record["storage"] == "disk" and record["path"] == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["meta.json", "test.npy", "train.npy", "val.npy"]
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no half-written store left
    for name, value in in_memory.backbone.model.state_dict().items():
        assert torch.equal(value, on_disk.backbone.model.state_dict()[name]), name
    again = adapt(backbone, tiny_digits, "linear-probe", epochs=2, cache_mem="0", progress=False)
    assert again.record["plan"]["phases"][0]["feature_cache"]["reused"]


@pytest.mark.parametrize(("text", "expected"), [
    ("2GB", 2 * 1024**3), ("512MB", 512 * 1024**2), ("1.5g", 1536 * 1024**2), ("0", 0), ("4096", 4096),
    (" 10 KiB ", 10240), (7, 7),
])
def test_memory_budget_sizes(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize(("options", "words"), [
    ({"cache": "sometimes"}, ["'cache'", "'auto', 'off'", "'sometimes'"]),
    ({"cache_views": 0}, ["'cache_views'", "at least 1", "0"]),
    ({"cache_views": 1.5}, ["'cache_views'", "whole number"]),
    ({"cache_mem": "lots"}, ["'cache_mem'", "2GB", "'lots'"]),
    ({"cache_mem": "-1GB"}, ["'cache_mem'", "'-1GB'"]),
])
def test_bad_cache_options_get_one_line_errors_before_any_work(options, words, tiny_model_dir, tmp_path):
    assert_one_line_error(RunError, lambda: CacheSettings.from_settings(options), *words)
    out = tmp_path / "run"
    assert_one_line_error(RunError, lambda: adapt(str(tiny_model_dir), "digits", out=out, progress=False, **options),
                          *words)
    assert not out.exists()


@pytest.mark.parametrize(("flag", "value", "word"), [
    ("--cache", "maybe", "'maybe'"), ("--cache-views", "0", "--cache-views"), ("--cache-mem", "lots", "'lots'"),
])
def test_cli_rejects_bad_cache_options_with_one_line(flag, value, word, tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["adapt", "--model", str(tiny_model_dir), "--data", "digits", "--out", str(out),
                                      flag, value])
    assert_cli_error(result, word)
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1, result.output
    assert not out.exists()


def test_cli_help_explains_the_cache_options():
    text = CliRunner().invoke(app, ["adapt", "--help"], terminal_width=200).output
    for flag in ("--cache ", "--cache-views", "--cache-mem"):
        assert flag in text
    assert "frozen" in text and "memory-mapped" in text


def test_a_store_kept_in_memory_is_saved_for_later_processes(tiny_model_dir, tiny_digits):
    backbone = load_model(str(tiny_model_dir))
    first = adapt(backbone, tiny_digits, "linear-probe", epochs=2, progress=False)
    made = first.record["plan"]["phases"][0]["feature_cache"]
    assert made["storage"] == "memory" and not made["reused"]
    assert (cache_dir() / "features" / made["key"] / "meta.json").is_file()
    MEMORY_STORES.clear()  # as a new process (a second run, a worker of compare --jobs) starts
    second = adapt(backbone, tiny_digits, "linear-probe", epochs=2, progress=False)
    found = second.record["plan"]["phases"][0]["feature_cache"]
    assert found["reused"] and found["storage"] == "memory" and found["key"] == made["key"]
    for name, value in first.backbone.model.state_dict().items():
        assert torch.equal(value, second.backbone.model.state_dict()[name]), name
