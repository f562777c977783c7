"""Unsupervised domain adaptation: labelled source (--source), unlabelled target images (--unlabeled), the target only
evaluated on; AdaBN, CORAL, DANN and MMD as presets; model selection without target labels; bad input."""

from __future__ import annotations

import json
import math

import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

import transferkit.engine.checkpoints.resume as resume_module
from transferkit import adapt
from transferkit.api import load_model
from transferkit.cli import app
from transferkit.engine.checkpoints.files import write_checkpoint
from transferkit.engine.phase_setup.batchnorm import is_batchnorm
from transferkit.methods import dann_lambda, reverse_gradient
from support.assertions import assert_cli_error
from support.domain_runs import aligned_and_control

SOURCE = "synthetic:glyphs?classes=4&per_class=12&size=16"
TARGET = SOURCE + "&shift=contrast"
UNLABELED = TARGET + "&sample=2"

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=True)


def first_batchnorm(model: torch.nn.Module) -> torch.nn.Module:
    return next(m for m in model.modules() if is_batchnorm(m))


def state(run) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in run.backbone.model.state_dict().items()}


def test_adabn_run_saves_target_statistics_and_records_roles_and_selection(tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    result = invoke("adapt", "--model", tiny_model_dir, "--data", TARGET, "--strategy", "adabn", "--source", SOURCE,
                    "--unlabeled", UNLABELED, "--epochs", "1", "--out", out)
    assert result.exit_code == 0, result.output

    # the saved first batch-norm layer holds the mean of its input over the unlabelled target images
    pretrained = load_model(str(tiny_model_dir))
    unlabeled = load_model(str(tiny_model_dir))  # same weights; only used to read the layer's input
    from transferkit.data.unlabeled import load_unlabeled

    images = load_unlabeled(UNLABELED, pretrained.preprocessing, progress=False).images
    seen = []
    layer = first_batchnorm(unlabeled.model)
    hook = layer.register_forward_pre_hook(lambda _m, args: seen.append(args[0]))
    unlabeled.model.eval()
    with torch.no_grad():
        unlabeled.model(unlabeled.preprocessing.normalize(images))
    hook.remove()
    target_mean = seen[0].mean(dim=(0, 2, 3))
    saved = first_batchnorm(load_model(str(out)).model).running_mean
    assert torch.allclose(saved, target_mean, atol=1e-4)
    assert not torch.allclose(saved, first_batchnorm(pretrained.model).running_mean, atol=1e-3)

    record = json.loads((out / "run.json").read_text())
    section = record["domain_adaptation"]
    assert section["setting"] == "unsupervised domain adaptation"
    assert TARGET in section["roles"]["test"] and SOURCE in section["roles"]["train"]
    assert UNLABELED in section["roles"]["unlabeled"]
    assert record["metrics"]["test"]["images"] == 4 * 12  # every target image, none used for training
    selection = section["model_selection"]
    assert selection["used"] == "importance-weighted source validation (DEV)"
    assert math.isfinite(selection["dev"]["risk"]) and selection["test_used_for_selection"] is False
    assert selection["source_validation"]["accuracy"] == record["metrics"]["val"]["accuracy"]
    assert "Domain adaptation" in record["description"]


def test_source_only_keeps_the_pretrained_statistics(tiny_model_dir):
    run = adapt(str(tiny_model_dir), TARGET, "source-only:k=0", source=SOURCE, epochs=1, progress=False)
    pretrained = first_batchnorm(load_model(str(tiny_model_dir)).model).running_mean
    assert torch.equal(first_batchnorm(run.backbone.model).running_mean, pretrained)
    assert run.record["domain_adaptation"]["setting"] == "source only"
    assert run.record["domain_adaptation"]["model_selection"]["used"] == "source validation"


def test_a_trained_stage_keeps_the_statistics_it_trained_with(tiny_model_dir):
    # measured once at the phase's start, so they do not depend on how long the stage trained; re-measuring them
    # with the trained weights cost 4 to 9 points of target accuracy on the real-shift benchmark
    def run(epochs):
        return adapt(str(tiny_model_dir), TARGET, f"coral:epochs={epochs}", source=SOURCE, unlabeled=UNLABELED,
                     seed=3, progress=False)

    short, long = state(run(1)), state(run(3))
    top = [k for k in short if k.startswith("layer4") and k.endswith("weight") and short[k].dim() == 4]
    assert top and any(not torch.equal(short[k], long[k]) for k in top)  # the stage trained on
    means = [k for k in short if k.startswith("layer4") and k.endswith("running_mean")]
    assert means and all(torch.equal(short[k], long[k]) for k in means)


@pytest.mark.parametrize("method", ["coral", "dann", "mmd"])
def test_alignment_loss_changes_the_trained_stage_and_is_recorded(tiny_model_dir, method):
    aligned, _ = aligned_and_control(tiny_model_dir, method)
    record = aligned.record["plan"]["phases"][0]["domain_adaptation"]["alignment"]
    assert record["method"] == method and record["steps"] > 0
    assert [e["epoch"] for e in record["history"]] == [0, 1]
    assert all(math.isfinite(e["alignment_loss"]) for e in record["history"])
    if method == "dann":
        assert 0 < record["history"][0]["lambda"] < record["history"][1]["lambda"] < 1
        assert record["history"][1]["lambda"] == pytest.approx(dann_lambda((record["steps"] - 1) / record["steps"]))
        assert record["critic"]["parameters"] > 0


def test_gradient_reversal_and_the_papers_schedule():
    x = torch.ones(3, requires_grad=True)
    reverse_gradient(x, 0.5).sum().backward()
    assert torch.equal(x.grad, torch.full((3,), -0.5))
    assert dann_lambda(0.0) == 0.0
    assert dann_lambda(1.0) == pytest.approx(2 / (1 + math.exp(-10)) - 1)


def test_a_few_target_labels_select_instead_of_the_source(tiny_model_dir):
    run = adapt(str(tiny_model_dir), TARGET, "adabn", source=SOURCE, unlabeled=UNLABELED, labels_per_class=2,
                epochs=1, progress=False)
    selection = run.record["domain_adaptation"]["model_selection"]
    assert selection["used"] == "labelled target images"
    assert selection["target_labels"]["images"] == run.metrics["val"]["images"] == 4 * 2
    assert run.metrics["test"]["images"] == 4 * 12 - 4 * 2


@pytest.mark.integration
@pytest.mark.parametrize("strategy", ["dann:epochs=2", "cdan:epochs=2,entropy=true"])
def test_interrupted_critic_run_resumes_bit_identical(tiny_model_dir, tmp_path, monkeypatch, strategy):
    args = (str(tiny_model_dir), TARGET, strategy)
    kwargs = dict(source=SOURCE, unlabeled=UNLABELED, seed=1, progress=False)
    reference = adapt(*args, **kwargs)

    def write_then_stop(*a, **k):
        write_checkpoint(*a, **k)
        raise KeyboardInterrupt

    monkeypatch.setattr(resume_module, "write_checkpoint", write_then_stop)
    with pytest.raises(KeyboardInterrupt):
        adapt(*args, out=tmp_path / "run", **kwargs)
    monkeypatch.setattr(resume_module, "write_checkpoint", write_checkpoint)
    resumed = adapt(*args, out=tmp_path / "run", resume=True, **kwargs)
    expected, found = state(reference), state(resumed)
    assert all(torch.equal(expected[k], found[k]) for k in expected)
    assert resumed.metrics == reference.metrics
    phase = resumed.record["plan"]["phases"][0]["domain_adaptation"]
    assert phase["alignment"]["history"] == reference.record["plan"]["phases"][0]["domain_adaptation"]["alignment"][
        "history"]


def _folder_of_broken_images(root):
    root.mkdir()
    for i in range(3):
        (root / f"{i}.png").write_bytes(b"not a png")
    return root


def _bad_domain_inputs(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    return {
        "empty unlabelled folder": (["--source", SOURCE, "--unlabeled", empty, "--strategy", "coral"], "no images"),
        "unreadable unlabelled images": (["--source", SOURCE, "--unlabeled", _folder_of_broken_images(tmp_path / "b"),
                                          "--strategy", "adabn"], "no readable images"),
        "missing unlabelled folder": (["--source", SOURCE, "--unlabeled", tmp_path / "nope"], "does not exist"),
        "source classes differ": (["--source", SOURCE.replace("classes=4", "classes=5"), "--unlabeled", UNLABELED],
                                  "do not match"),
        "unlabelled without source": (["--unlabeled", UNLABELED], "--source"),
        "alignment without unlabelled": (["--source", SOURCE, "--strategy", "dann"], "--unlabeled"),
    }


@pytest.mark.parametrize("case", ["empty unlabelled folder", "unreadable unlabelled images",
                                  "missing unlabelled folder", "source classes differ", "unlabelled without source",
                                  "alignment without unlabelled"])
def test_bad_domain_input_gets_one_line_and_exit_2(case, tmp_path, tiny_model_dir):
    args, words = _bad_domain_inputs(tmp_path)[case]
    out = tmp_path / "out" / "run"
    result = invoke("adapt", "--model", tiny_model_dir, "--data", TARGET, *args, "--epochs", "1", "--out", out)
    assert_cli_error(result, words)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
