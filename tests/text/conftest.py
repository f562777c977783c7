"""Fixtures of the text tests: a small real-text target and the MiniLM encoder, loaded once per session."""

from __future__ import annotations

import pytest

from support.text import fortunes_csv, minilm


@pytest.fixture(scope="session")
def fortunes_small(tmp_path_factory):
    return fortunes_csv(tmp_path_factory.mktemp("text") / "fortunes.csv")


@pytest.fixture(scope="session")
def minilm_32():
    return minilm(32)


@pytest.fixture(scope="session")
def text_splits(fortunes_small, minilm_32):
    from transferkit.api import load_target

    return load_target(f"csv:{fortunes_small}", minilm_32.preprocessing, progress=False)
