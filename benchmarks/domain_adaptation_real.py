"""Unsupervised domain adaptation on real shifts: source-only vs AdaBN, Deep CORAL, DANN, DAN-MMD, MCC and CDAN.

Usage:  python benchmarks/domain_adaptation_real.py [--seeds 0,1,2] [--epochs 10] [--compare-seeds 0,1]
        python benchmarks/domain_adaptation_real.py --report
Needs `pip install imagecorruptions` (PyPI) and Debian's dataset-fashion-mnist; `--per-corruption` adds a second
table with each corruption as its own target.

Every finished run is one JSON line in benchmarks/domain_adaptation_real.jsonl, written as it finishes; a second
start skips the runs (and comparisons) that the file already holds with the same settings, so an interrupted
benchmark goes on where it stopped. `--report` prints the markdown tables from the rows alone.

The shifts (labelled source -> unlabelled target, the same classes on both sides; all install offline):

- `fashion -> fashion-C noise`: Fashion-MNIST (Debian's dataset-fashion-mnist) -> the same kind of images with the
  noise corruptions of CIFAR-10-C / ImageNet-C (PyPI's `imagecorruptions`): Gaussian, shot and impulse noise at
  severity 3. The target is one domain that holds the three corruptions in equal parts (image i of the target has
  corruption i mod 3), so each cell is the accuracy averaged over the three corruption types.
- `fashion -> fashion-C blur/weather/digital`: the same source -> zoom blur, snow and contrast at severity 3, one
  corruption of each of the other three CIFAR-C families, mixed in the same way.
- `printed -> handwritten digits`: digits 0-9 printed in the 21 typefaces that matplotlib ships (DejaVu, STIX,
  Computer Modern; slightly rotated, scaled and moved) -> scikit-learn's handwritten digits (8x8 scans). This is
  the synthetic-to-real shift of SynDigits -> SVHN: print vs handwriting, sharp 32-pixel renderings vs blocky 8x8
  scans. The built-in glyph source cannot stand in for the printed digits: its classes are random stroke shapes
  (glyph000, glyph001, ...), not the digits 0-9, so glyphs -> digits is transfer to new classes, not domain
  adaptation. The reverse pair (digits -> glyphs) fails for the same reason.

A reference column, `fashion -> fashion (no shift)`, runs the two source-only baselines on the same 1,000 target
images without corruption: the distance between it and a corrupted column is what the shift costs.

Corruptions are applied at 32x32 (Fashion-MNIST's 28x28 images resized bilinearly; imagecorruptions needs at least
32 pixels). Its blur, glass-blur, fog and frost corruptions do not run with NumPy 2 and current scikit-image, and
defocus and motion blur, elastic transform at severity 3 leave no recognizable garment at 32 pixels, so they are
not used.

Sizes: 1,200 source images (120 per class; 75% train the network, 20% validate, 5% held out), 1,000 labelled
target images (t10k for Fashion-MNIST; half of scikit-learn's 1,797 digits) that only give the test accuracy, and
1,000 (Fashion-MNIST train images not in the source) or 897 (the other half of the digits) unlabelled target images.
No target label is used for training or model selection: each run keeps its last epoch.

Network: resnet10t (channels 16/32/64/96) pretrained by `transferkit.pretrain` for 5 epochs on synthetic:glyphs
(40 classes, 60 per class, 32x32), as benchmarks/domain_adaptation.py does at 24 px; inputs are 32x32 here.
Baselines as there: `source-only:k=0` trains the head only, as `adabn`; `source-only` (k=1) trains the top stage and
the head, as `coral`, `dann`, `mmd`, `mcc` and `cdan` (which add batch norm per domain and their alignment loss).
All presets at their defaults (10 epochs).

Per shift, one `transferkit.compare` over all eight plans (seeds --compare-seeds, learning-rate factor 1) with the
source and the unlabelled target chooses a plan without target labels (DEV's estimate, protected by source-only);
its row records the chosen plan and the labelled target test accuracy of every plan, so the report checks that the
chosen plan is within 1 point of the better source-only baseline (or above it).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import types
import warnings
from pathlib import Path

import numpy as np
from real_targets import write_idx_set

from transferkit.data.fashion_mnist import FASHION_MNIST_CLASSES, FASHION_MNIST_DIR

ROWS = Path(__file__).with_name("domain_adaptation_real.jsonl")
DATA_VERSION = 1  # bump when the data written by prepare() changes
ARCH = "timm:resnet10t?channels=16,32,64,96&stem_width=16"
PRETRAIN = "synthetic:glyphs?classes=40&per_class=60&size=32"
PRETRAIN_EPOCHS = 5
SIZE = 32
SEVERITY = 3
SOURCE_PER_CLASS = 120
TARGET_IMAGES = 1000
CORRUPTIONS = {
    "fashion -> fashion-C noise": ("gaussian_noise", "shot_noise", "impulse_noise"),
    "fashion -> fashion-C blur/weather/digital": ("zoom_blur", "snow", "contrast"),
}
DIGITS_SHIFT = "printed -> handwritten digits"
SHIFTS = [*CORRUPTIONS, DIGITS_SHIFT]
REFERENCE = "fashion -> fashion (no shift)"  # source-only on the uncorrupted target images: what the corruptions cost
METHODS = ["source-only:k=0", "adabn", "source-only", "coral", "dann", "mmd", "mcc", "cdan"]
BASELINE = {"adabn": "source-only:k=0", "coral": "source-only", "dann": "source-only", "mmd": "source-only",
            "mcc": "source-only", "cdan": "source-only"}
# matplotlib's bundled typefaces that have the ten digits (the STIX size variants and symbol fonts do not)
TYPEFACES = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique", "DejaVuSansMono",
             "DejaVuSansMono-Bold", "DejaVuSansMono-Oblique", "DejaVuSansMono-BoldOblique", "DejaVuSerif",
             "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic", "STIXGeneral", "STIXGeneralBol",
             "STIXGeneralItalic", "STIXGeneralBolIta", "cmr10", "cmb10", "cmss10", "cmtt10", "cmti10")


# ---------------------------------------------------------------------------------------------------------- data

def _stratified(labels: np.ndarray, per_class: int, rng: np.random.Generator, exclude=()) -> np.ndarray:
    pool = np.setdiff1d(np.arange(len(labels)), np.asarray(exclude, dtype=np.int64))
    picked = [rng.choice(pool[labels[pool] == c], per_class, replace=False) for c in np.unique(labels)]
    return rng.permutation(np.concatenate(picked))


def _resize(images: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image

    return np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.BILINEAR)) for im in images])


def _imagecorruptions():
    """imagecorruptions' `corrupt`; version 1.1.2 imports pkg_resources (for frost's pictures, unused here), which
    setuptools 81 and later no longer ship, so a minimal stand-in is registered when it is missing."""
    try:
        import pkg_resources  # noqa: F401
    except ImportError:
        stand_in = types.ModuleType("pkg_resources")
        stand_in.resource_filename = lambda package, name: str(Path(sys.modules[package].__file__).parent / name)
        sys.modules["pkg_resources"] = stand_in
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from imagecorruptions import corrupt
    return corrupt


def _corrupted(images: np.ndarray, names: tuple[str, ...], seed: int) -> np.ndarray:
    """Image i with corruption names[i % len(names)] at SEVERITY, grey in and out (imagecorruptions works on RGB)."""
    corrupt = _imagecorruptions()
    np.random.seed(seed)  # imagecorruptions draws from NumPy's global generator
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, image in enumerate(images):
            rgb = np.repeat(image[..., None], 3, axis=2)
            done = np.asarray(corrupt(rgb, corruption_name=names[i % len(names)], severity=SEVERITY), np.float64)
            out.append(np.clip(np.rint(done.mean(axis=2) if done.ndim == 3 else done), 0, 255).astype(np.uint8))
    return np.stack(out)


def _printed_digits(per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Digits 0-9 in TYPEFACES, white on black at SIZE px, the typefaces in turn: each rendering rotated (+-8
    degrees), cut to its ink, scaled to 70-90% of the height (as scikit-learn's digits fill their frame) and moved
    (+-2 px) at random."""
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for digit in range(10):
        for i in range(per_class):
            font = ImageFont.truetype(str(fonts / f"{TYPEFACES[i % len(TYPEFACES)]}.ttf"), 4 * SIZE)
            canvas = Image.new("L", (8 * SIZE, 8 * SIZE), 0)
            ImageDraw.Draw(canvas).text((4 * SIZE, 4 * SIZE), str(digit), fill=255, font=font, anchor="mm")
            ink = canvas.rotate(float(rng.uniform(-8, 8)), resample=Image.BILINEAR)
            ink = ink.crop(ink.getbbox())
            height = rng.uniform(0.7, 0.9) * SIZE
            width = min(SIZE - 2, max(1, round(ink.width * height / ink.height)))
            ink = ink.resize((width, round(height)), Image.LANCZOS)
            frame = Image.new("L", (SIZE, SIZE), 0)
            dx, dy = rng.integers(-2, 3, size=2)
            frame.paste(ink, ((SIZE - ink.width) // 2 + int(dx), (SIZE - ink.height) // 2 + int(dy)))
            images.append(np.asarray(frame))
            labels.append(digit)
    return np.stack(images), np.asarray(labels)


def _fashion_parts() -> tuple[np.ndarray, ...]:
    """Fashion-MNIST's train and t10k images and labels, and the stratified index samples drawn from them: the
    source (train), the unlabelled target (train, not in the source) and the labelled target (t10k)."""
    from transferkit.data.idx_files import find_idx_sets, read_idx_set

    rng = np.random.default_rng(0)
    sets = {s.name: read_idx_set(s) for s in find_idx_sets(FASHION_MNIST_DIR)}
    train_images, train_labels = sets["train"]
    test_images, test_labels = sets["t10k"]
    source = _stratified(train_labels, SOURCE_PER_CLASS, rng)
    unlabeled = _stratified(train_labels, TARGET_IMAGES // 10, rng, exclude=source)
    test = _stratified(test_labels, TARGET_IMAGES // 10, rng)
    return train_images, train_labels, test_images, test_labels, source, unlabeled, test, rng


def prepare(folder: Path) -> dict[str, dict[str, str]]:
    """Write every domain once under `folder`; shift -> {source, target, unlabeled} data specs."""
    done = folder / "done"
    specs = {}
    fashion = f"idx:{folder / 'fashion-source'}"
    for shift in CORRUPTIONS:
        slug = shift.rsplit(" ", 1)[-1].replace("/", "-")
        specs[shift] = {"source": fashion, "target": f"idx:{folder / f'fashion-c-{slug}-test'}",
                        "unlabeled": f"idx:{folder / f'fashion-c-{slug}-unlabeled'}"}
    specs[REFERENCE] = {"source": fashion, "target": f"idx:{folder / 'fashion-test'}"}
    specs[DIGITS_SHIFT] = digits_specs(folder)
    if done.is_file():
        return specs
    train_images, train_labels, test_images, test_labels, source, unlabeled, test, rng = _fashion_parts()
    write_idx_set(folder / "fashion-source", _resize(train_images[source], SIZE), train_labels[source],
                   FASHION_MNIST_CLASSES)
    write_idx_set(folder / "fashion-test", _resize(test_images[test], SIZE), test_labels[test], FASHION_MNIST_CLASSES)
    for k, (shift, names) in enumerate(CORRUPTIONS.items()):
        for role, images, labels in (("target", test_images[test], test_labels[test]),
                                     ("unlabeled", train_images[unlabeled], train_labels[unlabeled])):
            corrupted = _corrupted(_resize(images, SIZE), names, seed=10 * k + (role == "unlabeled"))
            write_idx_set(Path(specs[shift][role][4:]), corrupted, labels, FASHION_MNIST_CLASSES)
    write_digits_shift(folder, rng)
    done.write_text("ok\n", encoding="utf-8")
    return specs


def write_digits_shift(folder: Path, rng: np.random.Generator, per_class: int = SOURCE_PER_CLASS,
                       test_images: int = TARGET_IMAGES) -> dict[str, str]:
    """The printed -> handwritten digits shift under `folder`: `per_class` printed digits per class as the source,
    scikit-learn's digits split into `test_images` labelled target images and the rest unlabelled; its data specs."""
    from sklearn.datasets import load_digits

    printed, printed_labels = _printed_digits(per_class, seed=0)
    digit_names = [str(d) for d in range(10)]
    write_idx_set(folder / "printed-digits", printed, printed_labels, digit_names)
    digits = load_digits()
    scans = np.round(np.asarray(digits.images) * (255.0 / 16.0)).astype(np.uint8)  # as transferkit's `digits`
    order = rng.permutation(len(scans))
    for name, part in (("digits-test", order[:test_images]), ("digits-unlabeled", order[test_images:])):
        write_idx_set(folder / name, scans[part], digits.target[part], digit_names)
    return digits_specs(folder)


def digits_specs(folder: Path) -> dict[str, str]:
    """The data specs of the printed -> handwritten digits shift written under `folder`."""
    return {"source": f"idx:{folder / 'printed-digits'}", "target": f"idx:{folder / 'digits-test'}",
            "unlabeled": f"idx:{folder / 'digits-unlabeled'}"}


def prepare_per_corruption(folder: Path) -> dict[str, dict[str, str]]:
    """One target per corruption of CORRUPTIONS (every image with that corruption), as CIFAR-10-C reports them:
    'fashion-C NAME' -> {source, target, unlabeled} data specs, written once under `folder`."""
    names = [name for group in CORRUPTIONS.values() for name in group]
    specs = {f"fashion-C {name}": {"source": f"idx:{folder / 'fashion-source'}",
                                   "target": f"idx:{folder / f'fashion-c-{name}-test'}",
                                   "unlabeled": f"idx:{folder / f'fashion-c-{name}-unlabeled'}"} for name in names}
    done = folder / "done-per-corruption"
    if done.is_file():
        return specs
    train_images, train_labels, test_images, test_labels, _, unlabeled, test, _ = _fashion_parts()
    for k, name in enumerate(names):
        for role, images, labels in (("target", test_images[test], test_labels[test]),
                                     ("unlabeled", train_images[unlabeled], train_labels[unlabeled])):
            corrupted = _corrupted(_resize(images, SIZE), (name,), seed=100 + 10 * k + (role == "unlabeled"))
            write_idx_set(Path(specs[f"fashion-C {name}"][role][4:]), corrupted, labels, FASHION_MNIST_CLASSES)
    done.write_text("ok\n", encoding="utf-8")
    return specs


def source_model(folder: Path) -> str:
    from transferkit import pretrain
    from transferkit.models import is_model_dir

    path = folder / "source-model"
    if not is_model_dir(path):
        pretrain(PRETRAIN, ARCH, out=path, epochs=PRETRAIN_EPOCHS, input_size=SIZE, batch_size=64, progress=False,
                 overwrite=True)
    return str(path)


# ---------------------------------------------------------------------------------------------------------- runs

def read_rows() -> list[dict]:
    if not ROWS.is_file():
        return []
    return [json.loads(line) for line in ROWS.read_text(encoding="utf-8").splitlines() if line.strip()]


def append_row(row: dict) -> None:
    with ROWS.open("a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


def run_one(model: str, specs: dict, method: str, seed: int, epochs: int) -> float:
    from transferkit import adapt

    unlabeled = None if method.startswith("source-only") else specs["unlabeled"]
    run = adapt(model, specs["target"], method, source=specs["source"], unlabeled=unlabeled, epochs=epochs,
                seed=seed, progress=False)
    return run.test_accuracy


def compare_one(model: str, specs: dict, seeds: list[int], epochs: int) -> dict:
    from transferkit import compare

    with tempfile.TemporaryDirectory() as tmp:
        comparison = compare(model, specs["target"], METHODS, source=specs["source"], unlabeled=specs["unlabeled"],
                             seeds=seeds, epochs=epochs, lr_factors=(1.0,), show_test=True, out=Path(tmp) / "cmp",
                             progress=False)
        board = comparison.leaderboard
    winner = board["winner"] or {}
    plans = {r["plan"]: {"estimate": r["val"].get("mean"), "test": r["test"].get("mean")} for r in board["rows"]}
    guard = winner.get("protected_by_source_only")
    return {"chosen": winner.get("plan"), "best_estimate": winner.get("best", winner.get("plan")),
            "reason": winner.get("reason"), "metric": board["selection"].get("metric"),
            "protected_by_source_only": guard, "dev_fallback": board.get("dev_fallback"), "plans": plans}


def run_grid(model: str, specs: dict, cells: list[tuple[int, str, str]], epochs: int, settings: dict,
             machine: dict, done: set) -> None:
    """Each (seed, shift, method) of `cells` not in `done`: one adaptation, appended to ROWS as it finishes."""
    for seed, shift, method in cells:
        if (shift, method, seed) in done:
            continue
        t = time.perf_counter()
        accuracy = run_one(model, specs[shift], method, seed, epochs)
        seconds = time.perf_counter() - t
        append_row({"kind": "run", "shift": shift, "method": method, "seed": seed, "test_accuracy": accuracy,
                    "seconds": round(seconds, 1), "settings": settings,
                    "data": {k: v.rsplit("/", 1)[-1] for k, v in specs[shift].items()
                             if k != "unlabeled" or not method.startswith("source-only")},
                    "machine": machine})
        print(f"{shift:42s} {method:16s} seed {seed}  {100 * accuracy:5.1f}%  {seconds:4.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--compare-seeds", default="0,1")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--shifts", default=None, help="comma-separated shift numbers (1-based) to run; default all")
    parser.add_argument("--methods", default=None, help="comma-separated methods to run; default all")
    parser.add_argument("--no-compare", action="store_true", help="skip the comparisons")
    parser.add_argument("--per-corruption", action="store_true",
                        help="afterwards, adapt to each corruption on its own too (no comparisons)")
    parser.add_argument("--report", action="store_true", help="print the markdown tables from the rows and stop")
    args = parser.parse_args()
    if args.report:
        print(report(read_rows()))
        return
    import torch

    from transferkit.cache import cache_dir

    torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    compare_seeds = [int(s) for s in args.compare_seeds.split(",")]
    shifts = SHIFTS if args.shifts is None else [SHIFTS[int(k) - 1] for k in args.shifts.split(",")]
    methods = METHODS if args.methods is None else args.methods.split(",")
    folder = cache_dir() / "benchmarks" / f"domain-adaptation-real-v{DATA_VERSION}"
    started = time.perf_counter()
    specs = prepare(folder)
    print(f"data ready in {folder} ({time.perf_counter() - started:.0f} s)", flush=True)
    model = source_model(folder)
    print(f"source model ready ({time.perf_counter() - started:.0f} s)", flush=True)
    settings = {"epochs": args.epochs, "data_version": DATA_VERSION, "arch": ARCH, "pretrain": PRETRAIN,
                "pretrain_epochs": PRETRAIN_EPOCHS, "input_size": SIZE}
    machine = {"processor": platform.processor() or platform.machine(), "threads": args.threads,
               "torch": torch.__version__}
    rows = read_rows()
    done = {(r["shift"], r["method"], r["seed"]) for r in rows if r["kind"] == "run" and r["settings"] == settings}
    compared = {r["shift"] for r in rows if r["kind"] == "compare" and r["settings"] == settings
                and r["seeds"] == compare_seeds}
    # seed-major, so that a stopped benchmark leaves whole seeds of every shift and method
    for seed in seeds:
        cells = [(seed, shift, method) for shift in [*shifts, REFERENCE] for method in methods
                 if shift != REFERENCE or method.startswith("source-only")]
        run_grid(model, specs, cells, args.epochs, settings, machine, done)
        if seed == seeds[min(1, len(seeds) - 1)] and not args.no_compare:
            for shift in shifts:
                if shift in compared:
                    continue
                t = time.perf_counter()
                result = compare_one(model, specs[shift], compare_seeds, args.epochs)
                seconds = time.perf_counter() - t
                append_row({"kind": "compare", "shift": shift, "seeds": compare_seeds, **result,
                            "seconds": round(seconds, 1), "settings": settings, "machine": machine})
                print(f"{shift:42s} compare chose {result['chosen']}  {seconds:4.0f} s", flush=True)
    if args.per_corruption:
        single = prepare_per_corruption(folder)
        cells = [(seed, shift, method) for seed in seeds for shift in single for method in methods]
        run_grid(model, single, cells, args.epochs, settings, machine, done)
    print(f"finished in {time.perf_counter() - started:.0f} s", flush=True)
    print()
    print(report(read_rows()))


# -------------------------------------------------------------------------------------------------------- report

def _cell(accs: list[float]) -> str:
    return f"{100 * statistics.mean(accs):.1f} ± {100 * statistics.pstdev(accs):.1f}"


def _tables(acc: dict, shifts: list[str], seeds: list[int], runs: list[dict]) -> list[str]:
    """The method x shift table of mean ± std (difference to the baseline) and the best-method-vs-source-only one."""
    lines = ["| method | " + " | ".join(shifts) + " |", "|---" * (len(shifts) + 1) + "|"]
    for method in METHODS:
        cells = []
        for shift in shifts:
            got = acc.get((method, shift), {})
            if not got:
                cells.append("-")
                continue
            cell = _cell(list(got.values())) + ("" if len(got) == len(seeds) else f" (n={len(got)})")
            base = acc.get((BASELINE.get(method), shift))
            if base:
                delta = 100 * (statistics.mean(got.values()) - statistics.mean(base.values()))
                cell += f" ({delta:+.1f})"
            cells.append(cell)
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    times = [r["seconds"] for r in runs if r["shift"] in shifts]
    lines += ["", f"Test accuracy on the labelled target (%), mean ± std over seeds {seeds} ({len(times)} runs, "
              f"{statistics.mean(times):.0f} s per run on average); in brackets the difference to the method's "
              "source-only baseline (source-only:k=0 for adabn, source-only for the others).", ""]
    lines.append("| shift | best source-only | best adapting method | gain | >= 3 points |")
    lines.append("|---|---|---|---|---|")
    for shift in [s for s in shifts if s != REFERENCE]:
        means = {m: statistics.mean(acc[m, shift].values()) for m in METHODS if acc.get((m, shift))}
        base = max((m for m in means if m.startswith("source-only")), key=means.get, default=None)
        best = max((m for m in means if not m.startswith("source-only")), key=means.get, default=None)
        if base is None or best is None:
            continue
        gain = 100 * (means[best] - means[base])
        lines.append(f"| {shift} | {base} {100 * means[base]:.1f} | {best} {100 * means[best]:.1f} | {gain:+.1f} | "
                     f"{'yes' if gain >= 3 else 'no'} |")
    return lines


def report(rows: list[dict]) -> str:
    runs = [r for r in rows if r["kind"] == "run"]
    if not runs:
        return "No rows yet."
    acc: dict[tuple[str, str], dict[int, float]] = {}
    for r in runs:
        acc.setdefault((r["method"], r["shift"]), {})[r["seed"]] = r["test_accuracy"]
    seeds = sorted({r["seed"] for r in runs})
    lines = _tables(acc, [s for s in [*SHIFTS, REFERENCE] if any(r["shift"] == s for r in runs)], seeds, runs)
    compares = [r for r in rows if r["kind"] == "compare"]
    if compares:
        lines += ["", "| shift | compare chose (seeds) | highest estimate | its test | best source-only test | "
                      "chosen >= source-only - 1 |", "|---|---|---|---|---|---|"]
        for r in sorted(compares, key=lambda r: SHIFTS.index(r["shift"])):
            plans = r["plans"]
            base = max((p for p in plans if p.startswith("source-only")), key=lambda p: plans[p]["test"])
            chosen = plans[r["chosen"]]["test"]
            holds = chosen >= plans[base]["test"] - 0.01
            lines.append(f"| {r['shift']} | {r['chosen']} ({','.join(map(str, r['seeds']))}) | {r['best_estimate']} | "
                         f"{100 * chosen:.1f} | {base} {100 * plans[base]['test']:.1f} | {'yes' if holds else 'NO'} |")
        lines += ["", "Comparison test accuracies are means over the comparison's seeds; the test accuracy was not "
                      "used for the choice."]
    single = [f"fashion-C {name}" for group in CORRUPTIONS.values() for name in group]
    single = [s for s in single if any(r["shift"] == s for r in runs)]
    if single:
        lines += ["", "Each corruption on its own (source, sizes and settings as above):", ""]
        lines += _tables(acc, single, seeds, runs)
    return "\n".join(lines)


if __name__ == "__main__":
    main()
