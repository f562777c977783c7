"""Corpus cases about runs: plan files, weights, model directories, checkpoints and resuming."""

from __future__ import annotations

import errno
import json
from collections.abc import Callable
from pathlib import Path

from support import bad_files as bf
import torch
from corpus_context import Case, Context
from safetensors.torch import load_file, save_file

import transferkit.engine.checkpoints.files as checkpoint_module
from transferkit.engine.checkpoints.files import read_checkpoint, write_checkpoint

TWO_PHASES = ("phases:\n- {name: probe, epochs: 1, train: [head], lr: 0.01, batch_size: 4}\n"
              "- {name: all, epochs: 2, train: [all], lr: 0.001, batch_size: 4}\n")


def weights_other_architecture(ctx: Context) -> list[str]:
    from transferkit.models import load_backbone

    other = load_backbone("timm:resnet10t?channels=8,16,24,32&stem_width=8", pretrained=False)
    path = ctx.root / "other.safetensors"
    save_file({k: v.contiguous() for k, v in other.model.state_dict().items()}, str(path))
    return ["adapt", "--model", ctx.arch, "--weights", str(path), "--data", "digits", "--out", str(ctx.out)]


def weights_missing_keys(ctx: Context) -> list[str]:
    state = load_file(str(Path(ctx.model) / "model.safetensors"))
    state.pop(sorted(state)[0])
    path = ctx.root / "incomplete.safetensors"
    save_file(state, str(path))
    return ["adapt", "--model", ctx.arch, "--weights", str(path), "--data", "digits", "--out", str(ctx.out)]


def weights_file(make: Callable[[Path], Path], name: str) -> Callable[[Context], list[str]]:
    def build(ctx: Context) -> list[str]:
        path = make(ctx.root / name)
        return ["adapt", "--model", ctx.arch, "--weights", str(path), "--data", "digits", "--out", str(ctx.out)]

    return build


def model_dir_copy(ctx: Context, change: Callable[[Path], None]) -> list[str]:
    folder = ctx.root / "model"
    folder.mkdir()
    for name in ("model.json", "model.safetensors"):
        (folder / name).write_bytes((Path(ctx.model) / name).read_bytes())
    change(folder)
    return ["adapt", "--model", str(folder), "--data", "digits", "--out", str(ctx.out)]


def full_disk(ctx: Context, fails_at: int = 2) -> list[str]:
    """The checkpoint write number `fails_at` runs out of space halfway."""
    real = checkpoint_module.save_file
    calls = {"n": 0}

    def save_until_full(tensors, filename, metadata=None):
        calls["n"] += 1
        if calls["n"] < fails_at:
            return real(tensors, filename, metadata=metadata)
        Path(filename).write_bytes(b"\0" * 100)
        raise OSError(errno.ENOSPC, "No space left on device")

    ctx.monkeypatch.setattr(checkpoint_module, "save_file", save_until_full)
    return ctx.adapt(ctx.small(), strategy=ctx.plan(TWO_PHASES), epochs=None)


def check_full_disk(ctx: Context, record: dict | None) -> None:
    partial = ctx.out.parent / f".{ctx.out.name}.partial"
    assert sorted(p.name for p in partial.iterdir()) == [".lock", "checkpoint.safetensors"]  # no temporary file
    _, meta = read_checkpoint(partial / "checkpoint.safetensors")
    assert meta["position"]["phase"] == 1 and meta["position"]["epochs_done"] == 0  # the first one, intact
    ctx.monkeypatch.undo()
    resumed = ctx.runner(*ctx.adapt(ctx.small(), "--resume", strategy=str(ctx.root / "plan.yaml"), epochs=None))
    assert resumed.exit_code == 0, resumed.output
    assert json.loads((ctx.out / "run.json").read_text())["resumed"]["count"] == 1
    assert not partial.exists()


def nan_loss(ctx: Context) -> list[str]:
    plan = ctx.plan("phases:\n- {name: probe, epochs: 1, train: [head], lr: 0.01}\n"
                    "- {name: explode, epochs: 2, train: [all], lr: 1.0e+30, warmup: 0, batch_size: 4}\n")
    return ctx.adapt(ctx.small(), strategy=plan, epochs=None)


def check_nan_checkpoint(ctx: Context, record: dict | None) -> None:
    _, meta = read_checkpoint(ctx.out.parent / f".{ctx.out.name}.partial" / "checkpoint.safetensors")
    assert meta["position"]["phase"] == 1 and meta["position"]["epochs_done"] == 0


def resume_other_model(ctx: Context) -> list[str]:
    ctx.interrupted("full:epochs=2")
    return ["adapt", "--model", ctx.arch, "--no-pretrained", "--data", ctx.small(), "--strategy", "full:epochs=2",
            "--out", str(ctx.out), "--resume"]


def resume_missing_keys(ctx: Context) -> list[str]:
    path = ctx.interrupted("full:epochs=2")
    tensors, meta = read_checkpoint(path)
    tensors.pop(next(k for k in sorted(tensors) if k.startswith("model.")))
    for key in ("format", "version"):
        meta.pop(key)
    write_checkpoint(path, tensors, meta)
    return ctx.adapt(ctx.small(), "--resume", strategy="full:epochs=2", epochs=None)


def resume_tampered_header(ctx: Context) -> list[str]:
    """A valid safetensors checkpoint whose JSON has the wrong shape everywhere."""
    path = ctx.interrupted("full:epochs=2")
    tensors, meta = read_checkpoint(path)
    meta = {"position": [1, 2], "options": [], "resumes": 5, "identity": meta["identity"], "current": "x"}
    write_checkpoint(path, tensors, meta)
    return ctx.adapt(ctx.small(), "--resume", strategy="full:epochs=2", epochs=None)


def resume_malicious(ctx: Context) -> list[str]:
    partial = ctx.out.parent / f".{ctx.out.name}.partial"
    partial.mkdir(parents=True)
    bf.evil_pickle(partial / "checkpoint.safetensors", ctx.root / "marker")
    return ctx.adapt("digits", "--labels-per-class", "5", "--resume")


def fresh_run_over_interrupted(ctx: Context) -> list[str]:
    ctx.interrupted("full:epochs=2")
    return ctx.adapt(ctx.small(), strategy="full:epochs=2", epochs=None)


def out_is_a_file(ctx: Context) -> list[str]:
    ctx.out.parent.mkdir(parents=True, exist_ok=True)
    ctx.out.write_text("not a folder")
    return ctx.adapt("digits", "--labels-per-class", "5")


def evil_weights(kind: str) -> Callable[[Context], list[str]]:
    def build(ctx: Context) -> list[str]:
        path = ctx.root / f"evil.{kind}"
        (bf.evil_pickle if kind == "pth" else bf.evil_plain_pickle)(path, ctx.root / "marker")
        return ["adapt", "--model", ctx.arch, "--weights", str(path), "--data", "digits", "--out", str(ctx.out)]

    return build


def evil_model_dir(ctx: Context) -> list[str]:
    return model_dir_copy(ctx, lambda folder: bf.evil_pickle(folder / "model.safetensors", ctx.root / "marker"))


def malformed_model_json(ctx: Context) -> list[str]:
    return model_dir_copy(ctx, lambda folder: (folder / "model.json").write_text("{not json"))


def model_dir_without_json(ctx: Context) -> list[str]:
    return model_dir_copy(ctx, lambda folder: (folder / "model.json").unlink())


def truncated_safetensors(path: Path) -> Path:
    save_file({"w": torch.zeros(64)}, str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    return path


def pickled_module(path: Path) -> Path:
    torch.save(torch.nn.Linear(2, 2), path)
    return path


def plan_case(name: str, text: str, *words: str, markers: tuple[str, ...] = ()) -> Case:
    return Case(name, "error", lambda ctx: ctx.adapt("digits", strategy=ctx.plan(text.replace("ROOT", str(ctx.root))),
                                                      epochs=None), words, markers=markers)


PARTIAL = ".run.partial"

RUN_CASES = [
    # plan files
    plan_case("plan-unknown-key", "phases:\n- {train: [head], learning_rate: 0.1}\n", "Unknown setting 'learning_rate'"),
    plan_case("plan-unknown-top-level-key", "phase:\n- {train: [head]}\n", "Unknown setting 'phase' in plan"),
    plan_case("plan-wrong-type", "phases:\n- {train: [head], epochs: ten}\n", "'epochs'", "whole number"),
    plan_case("plan-negative-learning-rate", "phases:\n- {train: [head], lr: -0.1}\n", "'lr'", "greater than 0"),
    plan_case("plan-nan-learning-rate", "phases:\n- {train: [head], lr: .nan}\n", "'lr'", "finite"),
    plan_case("plan-unknown-stage", "phases:\n- {train: [stage9, head]}\n", "Unknown stage 'stage9'", "stage4"),
    plan_case("plan-malformed-stage", "phases:\n- {train: [layer4]}\n", "Unknown stage 'layer4'"),
    plan_case("plan-invalid-yaml", "phases:\n- {train: [head]\n", "not valid YAML"),
    plan_case("plan-python-tag", "!!python/object/apply:builtins.open ['ROOT/marker', 'w']\n", "YAML tag",
              markers=("marker",)),
    plan_case("plan-nested-too-deeply", "phases: " + "[" * 5000, "nested too deeply"),
    plan_case("plan-is-a-list", "- {train: [head]}\n", "must be a mapping"),
    plan_case("plan-empty-file", "", "must be a mapping"),
    plan_case("plan-unknown-regularizer-setting", "phases:\n- {regularizers: {l2sp: {gamma: 1}}}\n", "'gamma'", "alpha"),
    Case("plan-fewer-epochs-than-phases", "error",
         lambda ctx: ctx.adapt("digits", strategy=ctx.plan(TWO_PHASES), epochs="1"), ("at least 2",)),
    Case("plan-file-missing", "error", lambda ctx: ctx.adapt("digits", strategy=str(ctx.root / "nope.yaml")),
         ("does not exist",)),
    # weights, model directories and checkpoints
    Case("weights-of-another-architecture", "error", weights_other_architecture, ("does not fit", "shape")),
    Case("weights-with-missing-keys", "error", weights_missing_keys, ("does not fit", "1 missing keys")),
    Case("weights-malicious-pickle", "error", evil_weights("pth"), ("Refusing to unpickle",), markers=("marker",)),
    Case("weights-malicious-plain-pickle", "error", evil_weights("pkl"), ("Refusing to unpickle",), markers=("marker",)),
    Case("weights-pickled-module", "error", weights_file(pickled_module, "whole.pt"), ("Refusing to unpickle",)),
    Case("weights-truncated-safetensors", "error", weights_file(truncated_safetensors, "cut.safetensors"),
         ("not a valid safetensors file",)),
    Case("model-dir-with-pickle-as-weights", "error", evil_model_dir, ("not a valid safetensors file",),
         markers=("marker",)),
    Case("model-dir-malformed-json", "error", malformed_model_json, ("not valid JSON",)),
    Case("model-dir-without-json", "error", model_dir_without_json, ("has no model.json",)),
    Case("checkpoint-disk-full", "error", full_disk, ("Cannot write checkpoint", "No space left on device",
                                                       "previous checkpoint is kept", "--resume"),
         keeps=(PARTIAL,), check=check_full_disk),
    Case("checkpoint-disk-full-at-the-first-checkpoint", "error", lambda ctx: full_disk(ctx, fails_at=1),
         ("Cannot write checkpoint", "No space left on device", "no checkpoint had been written yet",
          "without --resume")),
    Case("nan-loss", "error", nan_loss, ("The loss became", "explode", "head=8.54e+29", "last good checkpoint",
                                         "before phase 2 'explode'", "checkpoint.safetensors"),
         keeps=(PARTIAL,), check=check_nan_checkpoint),
    Case("nan-loss-before-the-first-checkpoint", "error",
         lambda ctx: ctx.adapt(ctx.small(), strategy=ctx.plan("phases:\n- {train: [all], lr: 1.0e+30, warmup: 0, "
                                                              "batch_size: 4}\n"), epochs="2"),
         ("The loss became", "No checkpoint had been written yet, so nothing is kept.")),
    Case("resume-with-checkpoint-of-another-model", "error", resume_other_model,
         ("started differently", "source_model"), keeps=(PARTIAL,)),
    Case("resume-with-checkpoint-missing-keys", "error", resume_missing_keys, ("does not fit", "1 missing keys"),
         keeps=(PARTIAL,)),
    Case("resume-with-tampered-checkpoint-header", "error", resume_tampered_header, ("no valid position",),
         keeps=(PARTIAL,)),
    Case("resume-with-malicious-checkpoint", "error", resume_malicious, ("damaged or not a transferkit checkpoint",),
         keeps=(PARTIAL,), markers=("marker",)),
    Case("resume-with-nothing-to-resume", "error", lambda ctx: ctx.adapt("digits", "--resume"),
         ("no interrupted run", "without --resume")),
    Case("resume-and-overwrite-together", "error", lambda ctx: ctx.adapt("digits", "--resume", "--overwrite"),
         ("either --resume", "not both")),
    Case("new-run-over-an-interrupted-one", "error", fresh_run_over_interrupted,
         ("interrupted run", "--resume", "--overwrite", "after 1 epoch"), keeps=(PARTIAL,)),
    Case("out-is-a-file", "error", out_is_a_file, ("is a file",), keeps=("run",)),
    Case("unknown-device", "error", lambda ctx: ctx.adapt("digits", "--labels-per-class", "5", "--device", "tpu"),
         ("--device", "cpu")),
    Case("too-many-labels-per-class", "error", lambda ctx: ctx.adapt(str(ctx.folder()), "--labels-per-class", "9"),
         ("--labels-per-class 9", "needs at least 11")),
]
