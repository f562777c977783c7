"""Real text for tests: a few Debian fortunes per topic written as a CSV with given splits, and the real
all-MiniLM-L6-v2 encoder (installed offline) at a short maximum length."""

from __future__ import annotations

import csv
from pathlib import Path

MINILM = "hf:sentence-transformers/all-MiniLM-L6-v2"
TOPICS = ("food", "law", "science")


def fortunes_csv(path: Path, topics=TOPICS, counts=(4, 3, 3)) -> Path:
    """The first sum(counts) fortunes of each topic: counts[0] train, counts[1] val, counts[2] test rows."""
    from transferkit.data.fortunes_source import FORTUNES_DIR, entries

    splits = ["train"] * counts[0] + ["val"] * counts[1] + ["test"] * counts[2]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label", "split"])
        found = 0
        for topic in topics:
            texts = [t.decode("utf-8", "replace").strip() for t in entries(FORTUNES_DIR / topic)]
            texts = [t for t in texts if t][: len(splits)]
            for text, split in zip(texts, splits):
                writer.writerow([text, topic, split])
                found += 1
    assert found == len(topics) * len(splits)
    return path


def minilm(max_length: int = 32):
    from transferkit.api import load_model

    return load_model(MINILM, max_length=max_length)
