"""Text transfer: the real all-MiniLM-L6-v2 sentence encoder adapted with transferkit's plans on real text targets,
beside TF-IDF + logistic regression on the same splits.

Usage:  python benchmarks/text_transfer.py [--rows FILE] [--labels 100,10,full] [--seeds 3] [--plans ...]
                                           [--targets fortunes,reuters-grain] [--max-length 64] [--epochs 5]
                                           [--minutes 14] [--table]

Targets (both install offline):
- fortunes: Debian `fortunes` quotations of four topics (food, law, science, startrek; 198 to 625 each), labelled by
  topic; 10% validation and 30% test drawn per seed, the rest is the training pool.
- reuters-grain: Reuters-21578 ModApte "grain" against everything else (1,554 train / 604 test articles, 103 and
  57 grain), from the ARFF files of Debian's `weka` package (fetched with `apt-get download weka` and unpacked with
  `dpkg-deb -x`, no Java); the given test split is kept, validation carved from the given train split.

Every (labels per class, seed, target) draws one split; on it, TF-IDF (word 1-2 grams, sublinear tf) + scikit-learn's
LogisticRegression with C chosen on the validation split, and each plan through `transferkit.adapt` (its preset's
learning rate; `--epochs` as the budget; LP-FT's probe at its fixed 10 epochs on cached features; validated at
phase ends). Rows are appended
to `--rows` as they finish and skipped when present, so the run can be split into pieces of a few minutes
(`--minutes`); `--table` prints the markdown table from the rows.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MODEL = "hf:sentence-transformers/all-MiniLM-L6-v2"
FORTUNES = "fortunes?topics=food,law,science,startrek"
PLANS = ["linear-probe", "lp-ft", "bitfit", "lora", "layer-decay", "partial:k=2", "full"]
WEKA_EXAMPLES = "usr/share/doc/weka/examples"
HERE = Path(__file__).resolve().parent


def reuters_csv(folder: Path) -> Path:
    """Reuters grain-vs-rest as a CSV (text,label,split) from weka's ARFF files, fetched once into `folder`."""
    out = folder / "reuters-grain.csv"
    if out.is_file():
        return out
    folder.mkdir(parents=True, exist_ok=True)
    examples = folder / "weka" / WEKA_EXAMPLES
    if not (examples / "ReutersGrain-train.arff").is_file():
        subprocess.run(["apt-get", "download", "weka"], cwd=folder, check=True, capture_output=True)
        deb = next(folder.glob("weka_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(folder / "weka")], check=True)
    import csv

    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label", "split"])
        for split in ("train", "test"):
            for line in (examples / f"ReutersGrain-{split}.arff").read_text(encoding="utf-8").splitlines():
                match = re.match(r"^'(.*)',([01])$", line)
                if match:
                    text = match.group(1).replace("\\n", "\n").replace("\\'", "'").replace("&#3;", "").strip()
                    writer.writerow([text, "grain" if match.group(2) == "1" else "other", split])
    return out


def targets(folder: Path) -> dict[str, dict]:
    return {"fortunes": {"data": FORTUNES, "val_fraction": 0.1, "test_fraction": 0.3},
            "reuters-grain": {"data": f"csv:{reuters_csv(folder)}", "val_fraction": 0.1, "test_fraction": 0.3}}


def split_texts(spec: str, labels: int | None, seed: int, val: float, test: float):
    """The texts and labels of each split, drawn exactly as transferkit's data loading draws them."""
    from transferkit.data import open_source
    from transferkit.data.given_splits import split_source

    source = open_source(spec, progress=False)
    split, _ = split_source(source, labels_per_class=labels, val_fraction=val, test_fraction=test, seed=seed)
    return {name: ([source.texts[i] for i in getattr(split, name)], source.labels[getattr(split, name)])
            for name in ("train", "val", "test")}


def tfidf_row(parts) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    started = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    x_train = vectorizer.fit_transform(parts["train"][0])
    best = None
    for c in (0.1, 1.0, 10.0, 100.0):
        model = LogisticRegression(C=c, max_iter=2000).fit(x_train, parts["train"][1])
        val = float((model.predict(vectorizer.transform(parts["val"][0])) == parts["val"][1]).mean())
        if best is None or val > best[0]:
            best = (val, c, model)
    val, c, model = best
    predicted = model.predict(vectorizer.transform(parts["test"][0]))
    truth = parts["test"][1]
    return {"val": val, "test": float((predicted == truth).mean()), "test_macro_f1": float(f1_score(truth, predicted,
            average="macro")), "seconds": time.perf_counter() - started, "C": c}


def plan_row(backbone, target: dict, labels: int | None, seed: int, plan: str, epochs: int) -> dict:
    from transferkit import adapt
    from transferkit.api import load_target

    splits = load_target(target["data"], backbone.preprocessing, seed=seed, labels_per_class=labels,
                         val_fraction=target["val_fraction"], test_fraction=target["test_fraction"], progress=False)
    started = time.perf_counter()
    run = adapt(backbone.clone(), splits, plan, epochs=epochs, seed=seed, eval_every=0, progress=False)
    metrics = run.record["metrics"]
    return {"val": metrics["val"]["accuracy"], "test": metrics["test"]["accuracy"],
            "test_macro_f1": metrics["test"].get("macro_f1"), "seconds": time.perf_counter() - started,
            "train": len(splits.train), "test_texts": len(splits.test), "term": run.record["term"]}


def run(args) -> None:
    import torch

    from transferkit.api import load_model

    torch.set_num_threads(args.threads)
    rows_file = args.rows
    done = {json.dumps(r["key"]) for r in _rows(rows_file)}
    deadline = time.monotonic() + args.minutes * 60
    backbone = load_model(MODEL, max_length=args.max_length)
    found = targets(args.assets)
    for labels in [None if x == "full" else int(x) for x in args.labels.split(",")]:
        for seed in range(args.seeds):
            for plan in ["tfidf-logreg", *args.plans.split(",")]:  # each plan on every target, cheapest first
                for name in args.targets.split(","):
                    target = found[name]
                    key = {"target": name, "labels": labels, "seed": seed, "plan": plan, "max_length": args.max_length,
                           "epochs": args.epochs}
                    if json.dumps(key) in done:
                        continue
                    if time.monotonic() > deadline:
                        print("time is up; run again to continue", flush=True)
                        return
                    if plan == "tfidf-logreg":
                        parts = split_texts(target["data"], labels, seed, target["val_fraction"],
                                            target["test_fraction"])
                        row = tfidf_row(parts)
                    else:
                        row = plan_row(backbone, target, labels, seed, plan, args.epochs)
                    with rows_file.open("a", encoding="utf-8") as f:
                        f.write(json.dumps({"key": key, **row}) + "\n")
                    print(json.dumps({"key": key, **{k: row[k] for k in ("test", "seconds")}}), flush=True)


def _rows(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def table(path: Path) -> str:
    """Mean ± std of test accuracy (and macro-F1) over seeds per target, labels and plan, in markdown."""
    groups: dict[tuple, list[dict]] = {}
    for row in _rows(path):
        k = row["key"]
        groups.setdefault((k["target"], "full" if k["labels"] is None else k["labels"], k["plan"]), []).append(row)
    lines = ["| target | labels/class | plan | seeds | test accuracy | test macro-F1 | s/run |", "|---|---|---|---:|---:|---:|---:|"]
    for (name, labels, plan), rows in sorted(groups.items(), key=lambda g: (g[0][0], str(g[0][1]), g[0][2])):
        acc = np.array([r["test"] for r in rows])
        f1 = np.array([r["test_macro_f1"] for r in rows if r.get("test_macro_f1") is not None])
        std = f" ± {acc.std(ddof=1):.1%}" if len(acc) > 1 else ""
        f1_text = f"{f1.mean():.3f}" if len(f1) else "-"
        seconds = np.mean([r["seconds"] for r in rows])
        lines.append(f"| {name} | {labels} | {plan} | {len(rows)} | {acc.mean():.1%}{std} | {f1_text} | {seconds:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=Path, default=HERE / "text_transfer_rows.jsonl")
    parser.add_argument("--assets", type=Path, default=Path(tempfile.gettempdir()) / "transferkit-text-bench")
    parser.add_argument("--labels", default="100,10,full")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--targets", default="fortunes,reuters-grain")
    parser.add_argument("--plans", default=",".join(PLANS))
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=14.0)
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args()
    if args.table:
        print(table(args.rows))
        return
    run(args)


if __name__ == "__main__":
    sys.exit(main())
