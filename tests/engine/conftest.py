"""Fixtures of the engine tests."""

from __future__ import annotations

import pytest

from transferkit.engine.feature_cache.feature_store import MEMORY_STORES


@pytest.fixture
def fresh_feature_cache(tmp_path, monkeypatch):
    """No feature store from another test: an empty cache directory (stores on disk outlive their test) and an
    empty in-memory cache."""
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    MEMORY_STORES.clear()
    yield
    MEMORY_STORES.clear()
