"""Streaming at scale: peak memory of `adapt` on 2,000 and 40,000 images, and loader throughput against torchvision.

Writes JPEG folders of 256x256 images (10 classes), then:
(1) memory: `transferkit adapt --strategy full` at 224 px with a small ResNet (random weights), one epoch capped by
    --max-steps, every split streamed (--data-mem 0), in a fresh process per folder. Peak RSS of the main process and
    of the whole process tree (main + DataLoader workers, summed, so shared pages count more than once), sampled
    every 0.1 s.
(1') the same for `transferkit pretrain` (step 1 on the folder, streamed, checkpointed every 10 steps inside the
    epoch), one epoch capped by --max-steps.
(2) throughput at 224 px with 2 workers: transferkit's training loader (streamed split, `standard` augmentation:
    timm's random resized crop and flip from the original image) against torchvision `ImageFolder` +
    `DataLoader(num_workers=2)` with the same timm transform, on the same folder, run alternately.

    PYTHONPATH=src python benchmarks/data_scale.py [--sizes 2000,40000] [--root /tmp/tk-scale] [--parts memory,pretrain,throughput]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import torch
from PIL import Image

from machine import machine

MODEL = "timm:resnet10t?channels=16,32,48,64&stem_width=16"
CLASSES = 10
SIDE = 256


def write_folder(root: Path, images: int) -> Path:
    """`images` JPEGs (256x256, quality 90) in 10 class folders: smooth colour fields with a class-specific stripe."""
    folder = root / f"jpeg-{images}"
    done = folder / ".complete"
    if done.exists():
        return folder
    rng = np.random.default_rng(images)
    y, x = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32) / SIDE
    for i in range(images):
        c = i % CLASSES
        base = rng.uniform(0, 255, 3).astype(np.float32)
        field = base[None, None, :] * (0.5 + 0.5 * np.stack([x, y, 1 - x], axis=2))
        stripe = (np.sin((x * np.cos(c) + y * np.sin(c)) * (8 + c) * np.pi) > 0)[..., None]
        pixels = np.clip(field + 60 * stripe, 0, 255).astype(np.uint8)
        out = folder / f"class{c}"
        out.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(out / f"{i:06d}.jpg", quality=90)
        if (i + 1) % 5000 == 0:
            print(f"  wrote {i + 1:,} of {images:,} images", flush=True)
    done.touch()
    return folder


def peak_rss(command: list[str]) -> tuple[float, float, float, int]:
    """Run `command`; (seconds, peak RSS MiB of the main process, peak summed RSS MiB of its tree, exit code)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    main = psutil.Process(proc.pid)
    top_main = top_tree = 0
    while proc.poll() is None:
        try:
            tree = [main, *main.children(recursive=True)]
            sizes = [p.memory_info().rss for p in tree]
            top_main, top_tree = max(top_main, sizes[0]), max(top_tree, sum(sizes))
        except psutil.Error:
            pass
        time.sleep(0.1)
    err = proc.stderr.read()
    if proc.returncode:
        print(err[-2000:], file=sys.stderr)
    return time.perf_counter() - started, top_main / 2**20, top_tree / 2**20, proc.returncode


def memory_row(folder: Path, out: Path, steps: int, command: str = "adapt") -> tuple:
    """Peak memory of one `adapt --strategy full` or `pretrain` run on `folder`, every split streamed."""
    common = ["--data", str(folder), "--input-size", "224", "--epochs", "1", "--max-steps", str(steps),
              "--batch-size", "32", "--workers", "2", "--data-mem", "0", "--device", "cpu", "--out", str(out),
              "--overwrite"]
    if command == "adapt":
        extra = ["--model", MODEL, "--no-pretrained", "--strategy", "full", "--cache", "off"]
    else:
        extra = ["--model", MODEL, "--checkpoint-every", "10"]
    return peak_rss([sys.executable, "-m", "transferkit", command, *extra, *common])


def memory_table(folders: dict[int, Path], root: Path, steps: int, command: str) -> None:
    rows = {}
    for n, folder in folders.items():
        rows[n] = memory_row(folder, root / f"{command}-{n}", steps, command)
        print(f"  {command} on {n:,} images: {rows[n][0]:.0f} s, exit {rows[n][3]}", flush=True)
    print(f"\n`{command}`:\n")
    print("| images | wall s | peak RSS main MiB | peak RSS tree MiB | x smallest (main) | x smallest (tree) |")
    print("|---:|---:|---:|---:|---:|---:|")
    first = rows[min(rows)]
    for n, (s, m, t, _) in sorted(rows.items()):
        print(f"| {n:,} | {s:.0f} | {m:.0f} | {t:.0f} | {m / first[1]:.2f} | {t / first[2]:.2f} |")


def loaders(folder: Path, batch: int):
    """transferkit's training loader and torchvision's, over the same folder with the same timm transform."""
    from timm.data.transforms_factory import transforms_imagenet_train
    from torchvision.datasets import ImageFolder

    from transferkit.data import Preprocessing, ReadSettings, StreamedTraining, load_data
    from transferkit.data.streamed_training import STANDARD_SCALE

    pre = Preprocessing(input_size=(3, 224, 224))
    splits = load_data(str(folder), pre, seed=0, progress=False, val_fraction=0.01, test_fraction=0.01,
                       reading=ReadSettings(workers=2, memory_budget=0))
    ours = torch.utils.data.DataLoader(StreamedTraining(splits.train.images, splits.train.labels, "standard"),
                                       batch_size=batch, shuffle=True, num_workers=2)
    transform = transforms_imagenet_train(224, scale=STANDARD_SCALE, hflip=0.5, color_jitter=None,
                                          interpolation="bilinear", use_prefetcher=True)
    theirs = torch.utils.data.DataLoader(ImageFolder(str(folder), transform=transform), batch_size=batch,
                                         shuffle=True, num_workers=2)
    return ours, theirs


def images_per_second(loader, batches: int) -> float:
    """Images per second over `batches` batches, after 2 warm-up batches (worker start-up excluded)."""
    it = iter(loader)
    for _ in range(2):
        next(it)
    started, seen = time.perf_counter(), 0
    for _ in range(batches):
        images, _labels = next(it)
        seen += len(images)
    return seen / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,40000", help="Folder sizes in images, comma-separated.")
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "tk-scale")
    parser.add_argument("--steps", type=int, default=20, help="--max-steps of the adapt runs.")
    parser.add_argument("--rounds", type=int, default=3, help="Alternating throughput rounds per loader.")
    parser.add_argument("--batches", type=int, default=40, help="Batches of 32 per throughput round.")
    parser.add_argument("--parts", default="memory,pretrain,throughput",
                        help="Which measurements: memory (adapt), pretrain, throughput.")
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    folders = {n: write_folder(args.root, n) for n in sizes}

    parts = args.parts.split(",")
    for command, part in (("adapt", "memory"), ("pretrain", "pretrain")):
        if part in parts:
            memory_table(folders, args.root, args.steps, command)

    if "throughput" not in parts:
        return
    ours, theirs = loaders(folders[sizes[0]], 32)
    measured = {"transferkit": [], "torchvision": []}
    pair = [("transferkit", ours), ("torchvision", theirs)]
    for round_ in range(args.rounds):  # ABBA: each loader goes first in every other round
        for name, loader in pair if round_ % 2 == 0 else pair[::-1]:
            measured[name].append(images_per_second(loader, args.batches))
    print(f"\nLoader throughput at 224 px, 2 workers, batch 32, {args.rounds} alternating rounds of {args.batches} "
          f"batches on {sizes[0]:,} images (each loader first in every other round):")
    print("| loader | images/s (median) | rounds |")
    print("|---|---:|---|")
    for name, values in measured.items():
        print(f"| {name} | {np.median(values):.0f} | {', '.join(f'{v:.0f}' for v in values)} |")
    ratio = np.median(measured["transferkit"]) / np.median(measured["torchvision"])
    print(f"\ntransferkit / torchvision = {ratio:.3f} (target >= 0.95: {'met' if ratio >= 0.95 else 'NOT met'})")


if __name__ == "__main__":
    os.environ.setdefault("TRANSFERKIT_PROGRESS", "0")
    main()
