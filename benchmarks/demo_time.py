"""Time of `transferkit demo` with the cached source model: this demo's 12 strategies against the foundation's 5.

Prints one table per configuration (seconds per run, wall and process CPU, for one seed) and the projected
total for 3 seeds. The source model is pretrained first if it is not cached (not timed).

    python benchmarks/demo_time.py [--threads 2] [--epochs 10]

On a busy machine wall time says little; `--threads 1` gives process CPU time that other processes barely
inflate, and comparing two configurations in one call keeps their conditions alike.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TRANSFERKIT_PROGRESS", "0")

import torch  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from transferkit.api import adapt, load_model, load_target  # noqa: E402
from transferkit.demo import LABELS_PER_CLASS, STRATEGIES, TARGET, source_model  # noqa: E402

FOUNDATION = ["scratch", "linear-probe", "linear-probe:init=random", "partial", "full"]


def measure(backbone, data, strategies: list[str], epochs: int, eval_every: int, title: str) -> Table:
    table = Table(title=title)
    for col in ("strategy", "wall s", "cpu s", "test accuracy"):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    total_wall = total_cpu = 0.0
    for strategy in strategies:
        wall, cpu = time.perf_counter(), time.process_time()
        run = adapt(backbone, data, strategy, epochs=epochs, seed=0, progress=False, eval_every=eval_every)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        total_wall, total_cpu = total_wall + wall, total_cpu + cpu
        table.add_row(strategy, f"{wall:.1f}", f"{cpu:.1f}", f"{run.test_accuracy:.1%}")
    table.add_row("total, 1 seed", f"{total_wall:.1f}", f"{total_cpu:.1f}", "")
    table.add_row("projected, 3 seeds", f"{3 * total_wall:.0f}", f"{3 * total_cpu:.0f}", "")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    console = Console()
    backbone = load_model(str(source_model(progress=False)))
    data = load_target(TARGET, backbone.preprocessing, labels_per_class=LABELS_PER_CLASS, seed=0, progress=False)
    adapt(backbone, data, "linear-probe", epochs=1, progress=False)  # warm-up, not timed
    console.print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
                  f"{args.threads} threads, load average {os.getloadavg()[0]:.1f} at start")
    console.print(measure(backbone, data, FOUNDATION, args.epochs, 1,
                          f"foundation demo: {len(FOUNDATION)} strategies, {args.epochs} epochs, validation every epoch"))
    console.print(measure(backbone, data, STRATEGIES, args.epochs, 0,
                          f"this demo: {len(STRATEGIES)} strategies, {args.epochs} epochs, validation at phase ends"))
    console.print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
