"""Glyph generation speed: the generator of an earlier commit against the current one, on the same images.

Usage:  python benchmarks/glyph_generation.py [--before COMMIT] [--rounds 2] [--spec 'classes=400&per_class=50']
                                             [--threads N] [--busy N]

`--before` (default 9db433a, the last commit with the previous drawing code) is read with `git show` and loaded
as a module beside the current generator, so both run in this process on the same torch with the same thread
count (`--threads`, default torch's). The two alternate (before, current, before, current, ...) so that a change
in the machine's load hits both. `--busy N` starts N processes that only spin (at this process's priority) for
the whole measurement: a machine whose cores are taken by other work, as when other runs or tests share it. CPU
seconds (of all threads) show the work apart from the machine's load. Every
round checks that both give the same images, byte for byte (sha256 of the uint8 images and the labels).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "benchmarks")]


def load_generator_at(commit: str):
    """The module transferkit/data/glyphs.py of `commit`, importable beside the current one."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:src/transferkit/data/glyphs.py"],
                            check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "glyphs_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("transferkit.data.glyphs_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # relative imports resolve inside transferkit.data
    spec.loader.exec_module(module)
    return module


def timed(generate, config) -> tuple[float, float, str]:
    """Wall-clock seconds, CPU seconds of this process (all threads) and the sha256 of the images and labels."""
    started, cpu = time.perf_counter(), time.process_time()
    images, labels = generate(config)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    digest = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()
    return seconds, cpu, digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="9db433a")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--spec", default="classes=400&per_class=50", help="options of synthetic:glyphs")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--busy", type=int, default=0, help="spinning processes competing for the cores")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from machine import machine

    from transferkit.data import glyphs
    from transferkit.data.glyph_source import parse_glyph_options

    before = load_generator_at(args.before)
    config = parse_glyph_options(args.spec)
    n = config.classes * config.per_class
    print(machine())
    print(f"\n{n:,} glyphs ({args.spec}); before = {args.before}, current = working tree; "
          f"{args.busy} spinning processes beside\n")
    warm_up = parse_glyph_options("classes=20&per_class=10")  # first calls in a process pay for set-up
    before.generate_glyphs(warm_up), glyphs.generate_glyphs(warm_up)
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    try:
        ratios = measure(before, glyphs, config, args.rounds)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    load = os.getloadavg()[0]
    print(f"\nspeed-up: {min(ratios):.1f}x to {max(ratios):.1f}x; 1-minute load average at the end {load:.1f}")


def measure(before, current, config, rounds: int) -> list[float]:
    """Print one table row per round (the earlier generator, then the current one); the speed-ups."""
    print("| round | before | current | speed-up | before, CPU | current, CPU | same images |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    ratios = []
    for round_ in range(1, rounds + 1):
        old_s, old_cpu, old_digest = timed(before.generate_glyphs, config)
        new_s, new_cpu, new_digest = timed(current.generate_glyphs, config)
        ratios.append(old_s / new_s)
        same = "yes" if old_digest == new_digest else "NO"
        print(f"| {round_} | {old_s:.2f} s | {new_s:.2f} s | {old_s / new_s:.1f}x | {old_cpu:.2f} s | {new_cpu:.2f} s "
              f"| {same} (sha256 {new_digest[:12]}) |", flush=True)
    return ratios


if __name__ == "__main__":
    main()
