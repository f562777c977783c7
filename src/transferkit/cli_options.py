"""The command-line options shared by several commands, defined once, and the RunSpec they build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from .data.class_list import parse_class_list
from .runs import RunSpec

MODEL_HELP = "Model: timm:NAME, torchvision:NAME, or a directory written by 'transferkit pretrain'."
DATA_HELP = ("Data: an ImageFolder directory (or train/, val/, test/ folders of them), csv:FILE (columns "
             "path,label[,split]), idx:DIR (MNIST-format files), fashion-mnist, synthetic:glyphs, or digits.")
CACHE_HELP = ("auto: when every stage below the first trainable one is frozen (batch norm included), compute "
              "its activations once and train the rest from them; off: run the whole network every epoch.")


def model() -> Any:
    return typer.Option(..., help=MODEL_HELP)


def target() -> Any:
    return typer.Option(..., help=DATA_HELP + " This is the target (your data).")


def seed() -> Any:
    return typer.Option(0, min=0, help="Random seed (splits, head initialization, data order).")


def epochs(what: str = "Total epochs (shared across the plan's phases in proportion).") -> Any:
    return typer.Option(None, min=1, help=what)


def lr() -> Any:
    return typer.Option(None, min=0.0, help="Learning rate for every phase, replacing the plan's own (default: the "
                                            "plan's).")


def batch_size() -> Any:
    return typer.Option(None, min=1, help="Batch size for every phase (default: the plan's).")


def max_steps() -> Any:
    return typer.Option(None, min=1, help="End each epoch after at most N batches (a step budget for long epochs).")


def grad_accum() -> Any:
    return typer.Option(None, min=1, help="Step the optimizer every K batches on their averaged gradients "
                                          "(an effective batch of batch size x K; default: the plan's, 1).")


def compile_model() -> Any:
    return typer.Option(False, "--compile", help="Compile the model with torch.compile (slower start, faster steps).")


def channels_last() -> Any:
    return typer.Option(False, "--channels-last", help="Keep weights and activations in the channels-last memory "
                                                       "format (faster convolutions on recent GPUs).")


def sync_bn() -> Any:
    return typer.Option(False, "--sync-bn", help="Synchronize batch-norm statistics across the processes of a "
                                                 "multi-GPU run (SyncBatchNorm; with one process, or processes on "
                                                 "CPUs, ignored with a warning; run.json records which).")


def checkpoint_every() -> Any:
    return typer.Option(None, min=1, help="Also checkpoint every N optimizer steps inside an epoch, so --resume "
                                          "continues a long epoch mid-way (default: at epoch ends).")


def augment() -> Any:
    return typer.Option(None, help="Augmentation for every phase: none, light or standard (default: the plan's).")


# timm's augmentations, set for every phase (None: the plan's own, off unless it sets them)
TIMM_AUGMENT_HELP = {
    "randaugment": "timm RandAugment policy for every phase, after --augment, e.g. rand-m9-mstd0.5 (magnitude 9, its "
                   "std 0.5); none: off (default: the plan's, off).",
    "random_erasing": "Probability that timm's random erasing replaces a random rectangle of each training image with "
                      "noise, for every phase (0: off; default: the plan's, off).",
    "mixup": "Mixup alpha for every phase: timm blends each image and its label with those of another image of the "
             "batch, weight drawn from Beta(alpha, alpha) (0: off; default: the plan's, off).",
    "cutmix": "CutMix alpha for every phase: timm pastes a box of another image of the batch into each image, labels "
              "mixed by area (0: off; with --mixup, half the batches each; default: the plan's, off).",
}


def timm_augment(name: str) -> Any:
    return typer.Option(None, help=TIMM_AUGMENT_HELP[name])


def keep() -> Any:
    return typer.Option("best", help="Which weights the run ends with: best (those of the validated epoch with the "
                                     "highest validation accuracy), best-1se (the same, but a later phase must "
                                     "beat an earlier one by more than one standard error) or last (after the last "
                                     "epoch).")


def patience() -> Any:
    return typer.Option(None, min=1, help="End a phase when its validation accuracy has not improved for N "
                                          "evaluations (default: never).")


def class_weights() -> Any:
    return typer.Option(None, help="balanced: weight each class's loss by n / (classes x its training count), for "
                                   "imbalanced classes; none (default: the plan's).")


def sampler() -> Any:
    return typer.Option(None, help="balanced: draw training images class-balanced, with replacement, for imbalanced "
                                   "classes; shuffle (default: the plan's).")


def labels_per_class() -> Any:
    return typer.Option(None, min=1, help="Draw K labelled training images per class; the rest is split into "
                                          "validation and test.")


def classes() -> Any:
    return typer.Option(None, help="The class list, comma-separated (a,b,c): every label must be in it; its order "
                                   "gives the label ids.")


def weights() -> Any:
    return typer.Option(None, help="Local weights file (.safetensors or .pth) for a timm or torchvision model.")


def weights_map() -> Any:
    return typer.Option(None, help="How the --weights tensors meet the network's: by name (default) or 'order' (by "
                                   "position, for files whose names differ but whose shapes match in order).")


def pretrained() -> Any:
    return typer.Option(True, "--pretrained/--no-pretrained", help="Load pretrained weights (hub or --weights).")


def input_size() -> Any:
    return typer.Option(None, min=8, help="Override the backbone's square input size.")


def device() -> Any:
    return typer.Option("auto", help="auto, cpu or cuda.")


def precision() -> Any:
    return typer.Option("no", help="Mixed precision on CUDA: no, fp16 or bf16.")


def max_bad_fraction() -> Any:
    return typer.Option(0.01, min=0.0, max=1.0, help="Unreadable images are left out and listed in run.json; more than "
                                                      "this fraction of them stops the run.")


def workers() -> Any:
    return typer.Option(None, min=0, help="Worker processes that decode images (default: one per core, at most 8; "
                                          "0: in the main process).")


def data_mem() -> Any:
    return typer.Option("2GB", help="Splits whose decoded images fit this size (e.g. 2GB, 512MB) are decoded once and "
                                    "kept in memory; larger ones stream from disk, and training augments the original "
                                    "images (run.json records which).")


def source() -> Any:
    return typer.Option(None, help="Labelled source data (same classes as --data) to train on: domain adaptation; "
                                   "--data is then only evaluated on.")


def unlabeled() -> Any:
    return typer.Option(None, help="Unlabelled target images (a folder in any layout, or a data spec) for batch norm "
                                   "and alignment losses; needs --source.")


def overwrite() -> Any:
    return typer.Option(False, help="Replace an existing output directory.")


def build_spec(model: str, data: str, **options: Any) -> RunSpec:
    """One RunSpec from a command's options (None: the default; `classes` as a comma-separated list)."""
    given = {k: v for k, v in options.items() if v is not None}
    if "classes" in given:
        given["classes"] = parse_class_list(given["classes"])
    if isinstance(given.get("weights"), Path):
        given["weights"] = str(given["weights"])
    return RunSpec.build(model, data, **given)

