"""compare --soup: a greedy soup per seed, read from the weights and leaderboard.json a comparison writes."""

from __future__ import annotations

import torch
from safetensors.torch import load_file

from transferkit import compare, load
from transferkit.files import read_json
from transferkit.select.soup import average_weights

from support.tiny import TINY_TARGET


def _weights(folder):
    return load_file(str(folder / "model.safetensors"))


def test_a_soup_of_one_run_is_that_run(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    result = compare(str(tiny_model_dir), TINY_TARGET, "partial:k=1", out=out, seeds=1, epochs=1, lr_factors=(1,),
                     labels_per_class=4, soup=True, progress=False)
    run, soup = (next(r for r in result.runs if bool(r.get("soup")) is flag) for flag in (False, True))
    assert soup["ingredients"] == [run["dir"]] and soup["dir"] == "soups/seed0"
    mine, theirs = _weights(out / soup["dir"]), _weights(out / run["dir"])
    assert mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in mine)
    assert soup["test"] == run["test"] and soup["val"] == run["val"]
    row = next(r for r in result.rows if r["plan"] == "greedy-soup")
    assert not row["winner"] and result.winner["plan"] == "partial:k=1" and "greedy-soup" in str(result)


def test_a_soup_is_the_average_of_its_recorded_ingredients_and_loads(tiny_model_dir, tmp_path):
    out = tmp_path / "cmp"
    result = compare(str(tiny_model_dir), TINY_TARGET, "partial:k=1,full", out=out, seeds=1, epochs=1,
                     lr_factors=(1, 3), labels_per_class=4, soup=True, progress=False)
    record = read_json(out / "soups/seed0/run.json")
    ingredients = [i["dir"] for i in record["soup"]["ingredients"]]
    assert len(record["soup"]["tried"]) == 4 and ingredients[0] == record["soup"]["tried"][0]["run"]
    expected = average_weights([_weights(out / d) for d in ingredients])
    found = _weights(out / "soups/seed0")
    assert all(torch.equal(expected[k], found[k]) for k in expected)
    row = next(r for r in result.rows if r["plan"] == "greedy-soup")
    assert row["test"]["mean"] is not None and row["holdout"]["mean"] is not None  # shown like the winner's
    assert load(out / "soups/seed0").predict(torch.zeros(1, 3, 16, 16, dtype=torch.uint8))[0].label
