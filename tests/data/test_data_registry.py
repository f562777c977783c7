"""The data-source registry: one registration makes a source known to open_source and open_unlabeled alike."""

from __future__ import annotations

import numpy as np
import pytest

import transferkit.data.registry as registry
from transferkit.data import open_source, open_unlabeled, register_source
from transferkit.data.array_source import ArraySource
from transferkit.data.csv_source import CsvSource
from transferkit.data.digits_source import DigitsSource
from transferkit.data.folder_source import FolderSource, UnlabeledFolder
from transferkit.data.glyph_source import GlyphSource
from transferkit.errors import DataError


@pytest.fixture
def fresh_registry():
    with registry.SOURCES.temporary():
        yield


class Checkers(ArraySource):
    """A made-up source: 'checkers?n=K' gives K images of two classes."""

    prefix = "checkers"
    usage = "'checkers[?n=K]'"

    @classmethod
    def open(cls, spec, argument, *, progress=True):
        n = int(argument.partition("=")[2] or 6)
        images = np.zeros((n, 4, 4), dtype=np.uint8)
        images[::2, ::2, ::2] = 255
        return cls(spec, images, np.arange(n) % 2, ["black", "white"], id_prefix="checkers")


def test_built_in_sources_are_found_by_their_specs(tmp_path):
    assert registry.find_source("csv:list.csv") == (CsvSource, "list.csv")
    assert registry.find_source("synthetic:glyphs?classes=4") == (GlyphSource, "classes=4")
    assert registry.find_source("synthetic:glyphs") == (GlyphSource, "")
    assert registry.find_source("digits") == (DigitsSource, "")
    assert registry.find_source(str(tmp_path)) == (FolderSource, str(tmp_path))
    assert registry.find_source("digits-of-mine") == (FolderSource, "digits-of-mine")  # a name is not a prefix


def test_one_registration_serves_labelled_and_unlabelled_reading(fresh_registry):
    register_source(Checkers)
    labelled = open_source("checkers?n=8", progress=False)
    assert isinstance(labelled, Checkers) and len(labelled) == 8 and labelled.classes == ["black", "white"]
    unlabelled = open_unlabeled("checkers?n=4", progress=False)
    assert isinstance(unlabelled, Checkers) and len(unlabelled) == 4
    assert "'checkers[?n=K]'" in registry.accepted()


def test_help_text_names_every_registered_source(fresh_registry):
    text = registry.accepted()
    for cls in (FolderSource, CsvSource, GlyphSource, DigitsSource):
        assert cls.usage in text
    with pytest.raises(DataError) as info:
        open_source("no/such/folder", progress=False)
    assert "csv:FILE" in str(info.value) and "'digits'" in str(info.value)


def test_a_prefix_is_registered_once(fresh_registry):
    class OtherDigits(DigitsSource):
        pass

    with pytest.raises(ValueError, match="both register prefix 'digits'"):
        register_source(OtherDigits)
    register_source(DigitsSource)  # registering the same class again changes nothing
    assert list(registry.SOURCES).count(DigitsSource) == 1


def test_unlabelled_folder_any_layout_and_labelled_folder_layout(tmp_path):
    from PIL import Image

    for i in range(3):
        Image.new("RGB", (8, 8), (i, 0, 0)).save(tmp_path / f"{i}.png")
    assert isinstance(open_unlabeled(str(tmp_path), progress=False), UnlabeledFolder)
    with pytest.raises(DataError, match="no class sub-folders"):
        open_source(str(tmp_path), progress=False)
    with pytest.raises(DataError, match="Unlabelled data path 'gone' does not exist"):
        open_unlabeled("gone", progress=False)
