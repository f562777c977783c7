"""One registry mechanism for every kind of extension: registered once, found by name, an unknown name answered with
the valid choices and the closest one."""

from __future__ import annotations

import pytest

from transferkit.data import SOURCES
from transferkit.errors import ModelError, PlanError
from transferkit.methods import ALIGNMENTS
from transferkit.models import FAMILIES, OFFLINE_WEIGHTS
from transferkit.plans import STRATEGIES
from transferkit.registry import Registry, suggestion


def test_suggestion_names_the_closest_choice_whatever_the_letter_case():
    assert suggestion("ful", ["full", "partial"]) == " Did you mean 'full'?"
    assert suggestion("FULL", ["full", "partial"]) == " Did you mean 'full'?"
    assert suggestion("resnt18", ["resnet18", "vit_tiny"], prefix="timm:") == " Did you mean 'timm:resnet18'?"
    assert suggestion("zzz", ["full", "partial"]) == ""


def test_an_unknown_name_is_refused_with_the_choices_and_the_closest():
    shapes = Registry("shape", PlanError, usage="give a file")
    shapes.register("circle", 1)
    shapes.register("square", 4)
    assert shapes.get("square") == 4 and shapes.names() == ["circle", "square"] and list(shapes) == [1, 4]
    with pytest.raises(PlanError) as info:
        shapes.get("sqare")
    assert str(info.value) == ("Unknown shape 'sqare'; choose one of ['circle', 'square'] or give a file. "
                               "Did you mean 'square'?")


def test_a_name_is_registered_once_and_temporary_entries_are_forgotten():
    shapes = Registry("shape", ModelError)
    shapes.register("circle", 1)
    with pytest.raises(ValueError, match="shape 'circle' is already registered"):
        shapes.register("circle", 2)
    with shapes.temporary():
        shapes.decorator("triangle")(3)
        assert "triangle" in shapes and len(shapes) == 2
    assert "triangle" not in shapes and shapes.items() == [("circle", 1)]


def test_every_extension_is_registered_when_its_package_is_imported():
    assert {"linear-probe", "full", "lp-ft", "coral"} <= set(STRATEGIES.names())
    assert sorted(ALIGNMENTS.names()) == ["cdan", "coral", "dann", "mcc", "mmd"]
    assert {"dir", "timm", "torchvision", "module"} <= set(FAMILIES.names())
    assert {"", "csv:", "digits", "synthetic:glyphs"} <= set(SOURCES.names())
    assert "timm:tf_efficientnet_lite0" in OFFLINE_WEIGHTS
