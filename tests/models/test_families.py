"""Backbone families: one object per library behind one protocol; a new family is one class plus one registration."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch
from torch import nn

import transferkit
from transferkit.errors import ModelError
from transferkit.models import BackboneFamily, families, family_named, load_backbone
from transferkit.models import family as family_module

PACKAGE = Path(transferkit.__file__).parent


class ToyFamily(BackboneFamily):
    """Two-layer networks named `toy:wN` (N hidden channels)."""

    name = "toy"
    prefix = "toy"

    def knows(self, name: str) -> bool:
        return name.startswith("w") and name[1:].isdigit()

    def build(self, name: str, kwargs: dict) -> nn.Module:
        width = int(name[1:])
        return nn.Sequential(nn.Conv2d(3, width, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                             nn.Linear(width, kwargs.get("num_classes", 10)))


@pytest.fixture()
def toy():
    family = ToyFamily()
    with family_module.FAMILIES.temporary():
        family_module.register_family(family)
        yield family


def test_a_registered_family_loads_saves_copies_and_replaces_heads(toy, tmp_path):
    torch.manual_seed(0)
    backbone = load_backbone("toy:w6?num_classes=3", pretrained=False)
    assert backbone.arch == {"library": "toy", "name": "w6", "kwargs": {}} and backbone.num_classes == 3
    assert backbone.stage_names[-1] == "head" and backbone.features(torch.rand(2, 3, 8, 8)).shape == (2, 6)
    torch.save(backbone.model.state_dict(), tmp_path / "w.pth")
    again = load_backbone("toy:w6", weights=str(tmp_path / "w.pth"))
    assert again.num_classes == 3 and again.origin["weights"] == str(tmp_path / "w.pth")
    assert all(torch.equal(a, b) for a, b in zip(backbone.model.state_dict().values(),
                                                 again.model.state_dict().values()))
    fresh = again.random_init_copy()
    assert fresh.arch == again.arch and not torch.equal(fresh.model[0].weight, again.model[0].weight)
    again.replace_head(5)
    assert again.num_classes == 5


def test_unknown_names_of_a_family_and_unknown_families():
    with pytest.raises(ModelError, match="timm has no model 'nope_net'"):
        load_backbone("timm:nope_net", pretrained=False)
    with pytest.raises(ModelError, match="Unknown backbone family 'mxnet'"):
        family_named("mxnet")


def test_every_family_is_registered_once_under_its_name():
    names = [f.name for f in families()]
    assert len(names) == len(set(names))
    assert {"dir", "timm", "torchvision", "module"} <= set(names)
    with pytest.raises(ValueError, match="already registered"):
        family_module.register_family(family_named("timm"))


def _library_name_comparisons(tree: ast.AST, names: set[str]) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            constants = [c for o in operands for c in ([*o.elts] if isinstance(o, (ast.Tuple, ast.List, ast.Set))
                                                       else [o])]
            if any(isinstance(c, ast.Constant) and c.value in names for c in constants):
                lines.append(node.lineno)
    return lines


def test_no_code_outside_a_family_branches_on_a_library_name():
    names = {f.name for f in families()}
    own = {PACKAGE / "models" / f"{stem}.py" for stem in
           ("timm_family", "timm_source", "torchvision_family", "torchvision_source", "torchvision_stages",
            "model_dir_family", "module_family")}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path not in own:
            found += [f"{path.relative_to(PACKAGE)}:{line}"
                      for line in _library_name_comparisons(ast.parse(path.read_text()), names)]
    assert found == []
