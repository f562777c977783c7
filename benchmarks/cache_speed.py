"""Feature-cache speed: one inference pass vs. linear probes and top-stage fine-tunes, cached and uncached.

Usage:  python benchmarks/cache_speed.py [--model SPEC|DIR] [--data SPEC] [--input-size 64] [--epochs 30] [--threads 1]

A timm/torchvision spec gets random weights (speed does not depend on their values); a directory written by
`transferkit pretrain` is loaded as it is. The linear probe and the top-stage fine-tune are the presets
`linear-probe` and `partial:k=1` (batch size 32, validation every epoch), run through `transferkit.adapt`.

Each measurement runs in a fresh subprocess (same data, model and thread count), so its peak memory is that
process's own peak resident set size (`resource.getrusage(RUSAGE_SELF).ru_maxrss`, Linux: KiB). The table
shows the seconds of the measured call alone (data generation and model loading are excluded), the peak RSS of
the whole process, and the growth of RSS during the call (peak minus the RSS just before it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

MEASUREMENTS = {
    "inference": "(a) one inference pass over the training set",
    "inference_all": "(a') one inference pass over train + val + test",
    "lp_cached": "(b) linear probe, cached",
    "lp_uncached": "(c) linear probe, uncached",
    "partial_cached": "(d) partial k=1 (top stage + head), cached",
    "partial_uncached": "(d) partial k=1 (top stage + head), uncached",
}


def _rss_now_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(name: str, args: argparse.Namespace) -> dict:
    """Run one measurement in this process and return its numbers."""
    import torch

    from transferkit.api import adapt, load_model, load_target

    torch.set_num_threads(args.threads)
    if os.path.isdir(args.model):
        backbone = load_model(args.model, input_size=args.input_size)
    else:
        backbone = load_model(args.model, pretrained=False, input_size=args.input_size)
    data = load_target(args.data, backbone.preprocessing, seed=0, val_fraction=args.held_out,
                       test_fraction=args.held_out, progress=False)
    extra: dict = {}
    rss_before = _rss_now_kib()
    cpu_started = time.process_time()
    started = time.perf_counter()
    if name.startswith("inference"):
        model = backbone.model.eval()
        splits = ("train",) if name == "inference" else ("train", "val", "test")
        with torch.no_grad():
            for split in splits:
                images = getattr(data, split).images
                for i in range(0, len(images), 256):
                    model(backbone.preprocessing.normalize(images[i : i + 256]))
    else:
        strategy = "linear-probe" if name.startswith("lp") else "partial:k=1"
        cache = "auto" if name.endswith("_cached") else "off"
        run = adapt(backbone, data, strategy, epochs=args.epochs, cache=cache, progress=False)
        phase = run.record["plan"]["phases"][0]
        record = phase["feature_cache"]
        extra = {"cache_used": record["used"], "boundary": record.get("boundary"),
                 "build_seconds": record.get("build_seconds"), "cache_bytes": record.get("bytes")}
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"name": name, "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mib": peak / 1024,
            "rss_growth_mib": (peak - rss_before) / 1024,
            "train_images": len(data.train), "all_images": len(data.train) + len(data.val) + len(data.test), **extra}


def _run_child(name: str, argv: list[str]) -> dict:
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        cmd = [sys.executable, __file__, *argv, "--measure", name, "--result", out.name]
        subprocess.run(cmd, check=True)
        return json.loads(open(out.name, encoding="utf-8").read())


def _machine(threads: int) -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (f"{cpu}; {os.cpu_count()} logical CPUs; torch {torch.__version__} with {threads} threads; "
            f"Python {platform.python_version()}; load average at the end {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="timm:resnet10t",
                        help="timm:/torchvision: spec (random weights) or a directory from 'transferkit pretrain'.")
    parser.add_argument("--data", default="synthetic:glyphs?classes=50&per_class=100&seed=1", help="Target data spec.")
    parser.add_argument("--input-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--held-out", type=float, default=0.05, help="Validation and test fraction each.")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: on a busy machine more threads measure scheduling).")
    parser.add_argument("--only", nargs="*", choices=list(MEASUREMENTS), help="Run only these measurements.")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("TRANSFERKIT_PROGRESS", "0")
    if args.measure:
        with tempfile.TemporaryDirectory() as cache:  # a fresh cache directory: nothing is reused from earlier runs
            os.environ["TRANSFERKIT_CACHE"] = cache
            result = measure(args.measure, args)
        with open(args.result, "w", encoding="utf-8") as fh:
            json.dump(result, fh)
        return
    argv = ["--model", args.model, "--data", args.data, "--input-size", str(args.input_size), "--epochs",
            str(args.epochs), "--held-out", str(args.held_out), "--threads", str(args.threads)]
    rows = {name: _run_child(name, argv) for name in (args.only or MEASUREMENTS)}
    first = next(iter(rows.values()))
    weights = "its saved weights" if os.path.isdir(args.model) else "random weights"
    print(f"model {args.model} ({weights}) at {args.input_size}x{args.input_size}; data {args.data}: "
          f"{first['train_images']} training images of {first['all_images']} "
          f"(validation and test {args.held_out:.0%} each); {args.epochs} epochs; batch size 32 (preset default)")
    print("seconds: wall time of the call alone; peak RSS: resource.getrusage ru_maxrss of a fresh process per row")
    print(f"machine: {_machine(args.threads)}")
    print()
    print(f"| {'measurement':<46} | {'seconds':>7} | {'x (a)':>6} | {'CPU s':>7} | {'peak RSS MiB':>12} | "
          f"{'RSS growth MiB':>14} | notes |")
    print(f"|{'-' * 48}|{'-' * 9}|{'-' * 8}|{'-' * 9}|{'-' * 14}|{'-' * 16}|-------|")
    base = rows.get("inference", {}).get("seconds")
    for name, r in rows.items():
        ratio = f"{r['seconds'] / base:.2f}" if base else "-"
        notes = ""
        if "cache_used" in r:
            notes = (f"cache {r['boundary']}, built in {r['build_seconds']:.2f} s, {r['cache_bytes'] / 2**20:.1f} MiB"
                     if r["cache_used"] else "no cache")
        print(f"| {MEASUREMENTS[name]:<46} | {r['seconds']:>7.2f} | {ratio:>6} | {r['cpu_seconds']:>7.2f} | "
              f"{r['peak_rss_mib']:>12.0f} | {r['rss_growth_mib']:>14.0f} | {notes} |")
    print()
    for clock in ("seconds", "cpu_seconds"):
        if clock == "cpu_seconds" and args.threads != 1:
            break  # CPU seconds stand in for the wall time of a quiet machine only with one thread
        label = "wall" if clock == "seconds" else "CPU (1 thread: the wall time of a quiet machine)"
        for check, value, bound, op in _checks(rows, clock):
            ok = value <= bound if op == "<=" else value >= bound
            print(f"{check:<32} {value:6.2f}  {'met' if ok else 'NOT met'}  [{label}]")


def _checks(rows: dict, clock: str) -> list[tuple[str, float, float, str]]:
    def t(name: str) -> float:
        return rows[name][clock]

    checks = []
    if {"inference", "lp_cached"} <= rows.keys():
        checks.append(("(b) <= 1.3 x (a)", t("lp_cached") / t("inference"), 1.3, "<="))
    if {"lp_cached", "lp_uncached"} <= rows.keys():
        checks.append(("(c) / (b) >= 10", t("lp_uncached") / t("lp_cached"), 10, ">="))
    if {"partial_cached", "partial_uncached"} <= rows.keys():
        checks.append(("partial uncached / cached >= 2", t("partial_uncached") / t("partial_cached"), 2, ">="))
    return checks


if __name__ == "__main__":
    main()
